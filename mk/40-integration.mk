# Integration tests on real AWS (Terratest, build tag `integration`).
# Not part of `make test` (no AWS there): `make test` only vets the suites
# (mk/10-go.mk) and unit-tests their AWS-free helpers (test/itest,
# test/preflight). Nightly CI runs `make test-integration` with credentials.
#
#   make test-integration                      all suites, deploy -> validate -> destroy
#   make test-integration INTEGRATION_RUN=TestStack
#   SKIP_cleanup=true make test-integration INTEGRATION_RUN=TestStack   keep the environment
#   make clean-integration RUN=<run id>        list (then DELETE=yes: delete) what a run left behind

INTEGRATION_TIMEOUT ?= 60m
INTEGRATION_RUN     ?= .
INTEGRATION_PKGS    ?= ./test/...
# Terraform (or OpenTofu) binary the suites run; empty: terraform, else tofu, from PATH.
IMGPIPE_TERRAFORM_BINARY ?=
export IMGPIPE_TERRAFORM_BINARY

.PHONY: test-integration integration-preflight clean-integration

integration-preflight: ## Check in seconds that AWS credentials, a region and terraform are there (test-integration runs it first)
	@$(GO) run ./test/cmd/preflight -timeout 10s

test-integration: integration-preflight ## Deploy ephemeral AWS environments with Terratest, check them, destroy them (needs AWS credentials; ~15 min)
	$(MAKE) package
	TF_IN_AUTOMATION=1 $(GO) test -tags integration -timeout $(INTEGRATION_TIMEOUT) -count=1 -v -run '$(INTEGRATION_RUN)' $(INTEGRATION_PKGS)

clean-integration: ## List what an interrupted run left on AWS (RUN=<id>, or RUN=all); DELETE=yes deletes it
	@test -n "$(RUN)" || { echo "clean-integration: set RUN=<run id> (the imgpipe:test-run tag, printed by the suites); RUN=all lists every run's leftovers" >&2; exit 2; }
	@$(GO) run ./test/cmd/preflight -timeout 10s -terraform=
	$(GO) run ./test/cmd/cleanup -run '$(RUN)' $(if $(filter yes,$(DELETE)),-delete)
