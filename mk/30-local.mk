# Local stack (local/): `make run` and the end-to-end suite on kumo.
# The e2e suite (local/e2e_test.go) is plain `go test`, so test-go in
# 10-go.mk already runs it in `make test`; test-e2e runs it alone.
$(call needs,GO,mk/30-local.mk)

##@ Local stack: make run and the end-to-end suite on kumo (mk/30-local.mk)

IMAGES  ?= samples/images
RUN_OUT ?= out/run

# make load: inputs from the command line are data (see mk/40-integration.mk):
# their raw text is taken once with $(value ...), exported, and read (and
# checked, each named when wrong) by local/cmd/load from the environment.
N         ?= 5000
INGESTION ?=
RATE      ?= 0
FAULTS    ?= none
override N         := $(value N)
override INGESTION := $(value INGESTION)
override RATE      := $(value RATE)
override FAULTS    := $(value FAULTS)
export N INGESTION RATE FAULTS

.PHONY: run test-e2e samples load
run: ## The whole pipeline on a local AWS (kumo) on IMAGES (default samples/images); writes out/run/index.html, report.json
	$(GO) run ./local/cmd/run -images "$(IMAGES)" -out "$(RUN_OUT)"

load: ## Load test on the local stack: N=5000 uploads [INGESTION=sqs|direct] [RATE=per-second] [FAULTS=none|default|spec]; writes out/load/summary.json, exits 1 if an upload is lost
	$(GO) run ./local/cmd/load -out out/load

test-e2e: ## Only the end-to-end suite on the local stack, and the shared checks
	$(GO) test -count=1 ./local/... ./internal/verify/...

samples: ## Regenerate samples/images from their BSD sources and the generator
	$(GO) run ./local/cmd/gensamples -out samples/images
