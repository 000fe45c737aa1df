# Terraform modules: the contract module generated from internal/contract,
# and module READMEs whose inputs/outputs tables are generated from the code
# (terraform-config-inspect, a Go library in go.mod: nothing to install).
# The Go test proving the generated HCL current (internal/contract/hclgen)
# runs in test-go, the terraform test runs checking modules/processing
# against modules/contract in test-tf; docs-check fails `make test` when a
# README is stale.
TEST_TARGETS += docs-check

TF_DOC_DIRS := $(sort $(dir $(wildcard modules/*/README.md terraform/README.md examples/*/README.md)))

.PHONY: generate docs docs-check contract-check

generate: ## Regenerate the HCL made from internal/contract: modules/contract, and the setting inputs and function environment of modules/processing
	$(GO) generate ./internal/contract

docs: ## Rewrite the inputs/outputs tables of every module README
	$(GO) run ./internal/tfdocs/cmd/tfdocs $(TF_DOC_DIRS)

docs-check: ## Fail when a module README's generated tables are stale (fix: make docs)
	$(GO) run ./internal/tfdocs/cmd/tfdocs -check $(TF_DOC_DIRS)

contract-check: ## Prove the HCL generated from internal/contract is current
	$(GO) test -count=1 ./internal/contract/... ./internal/tfdocs/...
