# Go: vet (including the build-tagged AWS suites), unit tests, and the Lambda
# build and reproducible package.
$(call needs,GO DIST,mk/10-go.mk)

##@ Go: vet, tests, the Lambda build and package (mk/10-go.mk)

TEST_TARGETS += test-go

LAMBDA_PKG       := ./lambda/cmd/processor
HOST_BOOTSTRAP   := $(DIST)/host/bootstrap
LAMBDA_BOOTSTRAP := $(DIST)/lambda/bootstrap
LAMBDA_ZIP       := $(DIST)/processor.zip
# The outcome-events pipe's enrichment (modules/events): a second, small
# binary, packaged the same way.
EVENTS_PKG       := ./lambda/cmd/events
EVENTS_BOOTSTRAP := $(DIST)/lambda-events/bootstrap
EVENTS_ZIP       := $(DIST)/events.zip
# Reproducible: no cgo, no paths, no VCS stamp, no build id. nodynamic: the
# HEIC/AVIF decoders and the WebP/AVIF encoders (github.com/gen2brain/heic,
# avif, webp) never look for a system libheif/libavif/libwebp to dlopen, and
# always run their embedded WebAssembly.
GO_LAMBDA_FLAGS  := -tags lambda.norpc,nodynamic -trimpath -buildvcs=false -ldflags "-s -w -buildid="
# The same for every other go command make runs (tests, go run), so tests
# exercise the decoders the Lambda ships. An explicit -tags overrides it.
export GOFLAGS := -tags=nodynamic

.PHONY: test-go vet build build-lambda package notices
vet: ## go mod tidy and gofmt checks, and go vet with and without the integration build tag
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run 'go mod tidy' and commit" >&2; exit 1; }
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$unformatted" ] || { echo "gofmt would change: $$unformatted (run gofmt -w)" >&2; exit 1; }
	$(GO) vet ./...
	$(GO) vet -tags integration ./...

test-go: vet ## Go unit, fuzz-seed and end-to-end tests
	$(GO) test -count=1 ./...

build: ## Build the processor for this machine into dist/host/bootstrap (local runs)
	CGO_ENABLED=0 $(GO) build $(GO_LAMBDA_FLAGS) -o $(HOST_BOOTSTRAP) $(LAMBDA_PKG)
	@echo "built $(HOST_BOOTSTRAP)"

build-lambda: ## Build the Lambda binaries (linux/arm64, provided.al2023) into dist/lambda/bootstrap and dist/lambda-events/bootstrap
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(GO_LAMBDA_FLAGS) -o $(LAMBDA_BOOTSTRAP) $(LAMBDA_PKG)
	@echo "built $(LAMBDA_BOOTSTRAP)"
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(GO_LAMBDA_FLAGS) -o $(EVENTS_BOOTSTRAP) $(EVENTS_PKG)
	@echo "built $(EVENTS_BOOTSTRAP)"

package: build-lambda ## Package dist/processor.zip and dist/events.zip reproducibly and print their sha256 (hex and base64)
	$(GO) run ./lambda/cmd/zip -o $(LAMBDA_ZIP) $(LAMBDA_BOOTSTRAP)
	$(GO) run ./lambda/cmd/zip -o $(EVENTS_ZIP) $(EVENTS_BOOTSTRAP)

notices: ## Regenerate THIRD_PARTY_NOTICES.md: the licences of everything linked into bootstrap (a test fails when it is stale)
	$(GO) run ./internal/notices/cmd/notices
