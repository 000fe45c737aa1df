# Generated files and the checks that keep docs true: the contract module
# generated from internal/contract; module READMEs whose inputs/outputs
# tables are generated from the code (terraform-config-inspect, a Go library
# in go.mod: nothing to install); and internal/doccheck, which fails on a
# relative Markdown link or #anchor that resolves to nothing and on an issue
# number in any file. The Go tests proving the HCL generated from
# internal/contract current (internal/contract/hclgen) and that
# docs/lambda.md's tables match the code (docs/lambda_test.go) run in
# test-go; the terraform test runs checking modules/processing against
# modules/contract run in test-tf.
$(call needs,GO,mk/21-docs.mk)

##@ Generated files and docs checks (mk/21-docs.mk)

TEST_TARGETS += docs-check

TF_DOC_DIRS := $(sort $(dir $(wildcard modules/*/README.md terraform/README.md examples/*/README.md)))

.PHONY: generate docs docs-check contract-check

generate: ## Regenerate the HCL made from internal/contract: modules/contract, and the setting inputs and function environment of modules/processing
	$(GO) generate ./internal/contract

docs: ## Rewrite the inputs/outputs tables of every module README
	$(GO) run ./internal/tfdocs/cmd/tfdocs $(TF_DOC_DIRS)

docs-check: ## Fail on a stale module README table (fix: make docs), a dead relative Markdown link or #anchor, or an issue number in a file
	$(GO) run ./internal/tfdocs/cmd/tfdocs -check $(TF_DOC_DIRS)
	$(GO) run ./internal/doccheck/cmd/doccheck

contract-check: ## Prove the HCL generated from internal/contract is current
	$(GO) test -count=1 ./internal/contract/... ./internal/tfdocs/...
