# Terraform modules: the contract module generated from internal/contract,
# and module READMEs whose inputs/outputs tables are generated from the code
# (terraform-config-inspect, a Go library in go.mod: nothing to install).
# The Go tests proving HCL and contract agree (internal/contract/hclgen) run
# in test-go; docs-check fails `make test` when a README is stale.
TEST_TARGETS += docs-check

TF_DOC_DIRS := $(sort $(dir $(wildcard modules/*/README.md terraform/README.md examples/*/README.md)))

.PHONY: generate docs docs-check contract-check

generate: ## Regenerate modules/contract from internal/contract
	$(GO) generate ./internal/contract

docs: ## Rewrite the inputs/outputs tables of every module README
	$(GO) run ./internal/tfdocs/cmd/tfdocs $(TF_DOC_DIRS)

docs-check: ## Fail when a module README's generated tables are stale (fix: make docs)
	$(GO) run ./internal/tfdocs/cmd/tfdocs -check $(TF_DOC_DIRS)

contract-check: ## Prove modules/contract is current and the modules' HCL agrees with internal/contract
	$(GO) test -count=1 ./internal/contract/... ./internal/tfdocs/...
