# Day-2 operations: the local stack kept running for other tools, and the
# imgpipe CLI (docs/operations.md). Their tests run in test-go (10-go.mk):
# the CLI's on fakes (ops/...), on the local stack (local/ops_e2e_test.go),
# and local-up's own (local/cmd/localstack).
$(call needs,GO,mk/35-ops.mk)

##@ Operations: the local stack kept running, and the imgpipe CLI (mk/35-ops.mk)

LOCAL_DIR ?= out/local

.PHONY: local-up local-down imgpipe
local-up: ## Run the local stack until Ctrl-C or make local-down; writes out/local/stack.json once the handler answers
	$(GO) run ./local/cmd/localstack up -dir "$(LOCAL_DIR)"

local-down: ## Stop the stack make local-up started (by the pid it recorded); removes out/local/stack.json
	$(GO) run ./local/cmd/localstack down -dir "$(LOCAL_DIR)"

imgpipe: ## Build the imgpipe CLI into .tools/bin/imgpipe (or: go run ./cmd/imgpipe ...)
	$(GO) build -o $(TOOLS_BIN)/imgpipe ./cmd/imgpipe
	@echo "built $(TOOLS_BIN)/imgpipe"
