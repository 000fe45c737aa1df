# Integration tests on real AWS (Terratest, build tag `integration`).
# Not part of `make test` (no AWS there): `make test` only vets the suites
# (mk/10-go.mk) and unit-tests their AWS-free helpers (test/itest,
# test/preflight). Nightly CI runs `make test-integration` with credentials.
#
#   make test-integration                      all suites, deploy -> validate -> destroy
#   make test-integration INTEGRATION_RUN=TestStack
#   SKIP_cleanup=true make test-integration INTEGRATION_RUN=TestStack   keep the environment
#   make clean-integration RUN=<run id>        list (then DELETE=yes: delete) what a run left behind
#
# Needs `package` (mk/10-go.mk); uses TF and TF_DEP of mk/20-terraform.mk when
# that fragment is there.
$(call needs,GO,mk/40-integration.mk)

##@ Integration tests on AWS (mk/40-integration.mk)

INTEGRATION_TIMEOUT ?= 60m
INTEGRATION_RUN     ?= .
INTEGRATION_PKGS    ?= ./test/...

# Inputs that may come from outside (a workflow_dispatch input, a person's
# command line) are data, never code. Make would expand `$(shell ...)` in
# them wherever they are referenced, and a shell would run whatever follows
# a closing quote. So: their raw text is taken once with $(value ...) into
# simply-expanded variables (never expanded again, not even when exported),
# recipes read them only as quoted shell variables ("$$INTEGRATION_RUN"),
# and integration-inputs rejects anything outside a strict pattern before
# any tool runs. `make test-injection` (in `make test`) proves it.
override INTEGRATION_RUN := $(value INTEGRATION_RUN)
override RUN             := $(value RUN)
export INTEGRATION_RUN RUN
# go test -run filters: names, `|` alternatives, `/` subtests, anchors.
INTEGRATION_RUN_PATTERN := ^[A-Za-z0-9_.|/^$$-]{1,200}$$
# A run id (test/itest: 4 to 12 letters or digits, lower-cased) or "all".
RUN_ID_PATTERN          := ^([a-z0-9]{4,12}|all)$$
# Terraform (or OpenTofu) binary the suites run: mk/20-terraform.mk's $(TF)
# when that fragment is there (terraform from PATH, else OpenTofu built under
# .tools/ on first use: TF_DEP), else terraform from PATH.
ifdef TF
IMGPIPE_TERRAFORM_BINARY ?= $(TF)
endif
IMGPIPE_TERRAFORM_BINARY ?= terraform
export IMGPIPE_TERRAFORM_BINARY
# The preflight checks the binary unless it is still to be built.
IT_PREFLIGHT_TF := $(if $(TF_DEP),,$(IMGPIPE_TERRAFORM_BINARY))

.PHONY: test-integration integration-inputs integration-preflight clean-integration

integration-inputs: ## Reject an INTEGRATION_RUN outside the strict pattern (test-integration runs it first)
	@re='$(INTEGRATION_RUN_PATTERN)'; [[ $$INTEGRATION_RUN =~ $$re ]] || { \
		printf 'INTEGRATION_RUN must match %s (go test -run names, |, /, ^, $$), got: %q\n' '$(INTEGRATION_RUN_PATTERN)' "$$INTEGRATION_RUN" >&2; exit 2; }

integration-preflight: ## Check in seconds that AWS credentials, a region and terraform are there (test-integration runs it first)
	@$(GO) run ./test/cmd/preflight -timeout 10s -terraform='$(IT_PREFLIGHT_TF)'

test-integration: integration-inputs integration-preflight ## Deploy ephemeral AWS environments with Terratest, check them, destroy them (needs AWS credentials; ~15-20 min)
	$(MAKE) $(TF_DEP) package
	TF_IN_AUTOMATION=1 $(GO) test -tags integration -timeout $(INTEGRATION_TIMEOUT) -count=1 -v -run "$$INTEGRATION_RUN" $(INTEGRATION_PKGS)

clean-integration: ## List what an interrupted run left on AWS (RUN=<id>, or RUN=all); DELETE=yes deletes it
	@re='$(RUN_ID_PATTERN)'; [[ $$RUN =~ $$re ]] || { \
		printf 'clean-integration: set RUN=<run id> (the imgpipe:test-run tag, printed by the suites: 4 to 12 lowercase letters or digits) or RUN=all to list every run'"'"'s leftovers; got: %q\n' "$$RUN" >&2; exit 2; }
	@$(GO) run ./test/cmd/preflight -timeout 10s -terraform=
	$(GO) run ./test/cmd/cleanup -run "$$RUN" $(if $(filter yes,$(DELETE)),-delete)
