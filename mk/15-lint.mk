# Go lint: golangci-lint, pinned, built from its Go module into .tools/ on
# first use (a few minutes, once). Configuration: .golangci.yml (which
# linters, and every exclusion with its reason).
$(call needs,GO TOOLS,mk/15-lint.mk)

##@ Lint: golangci-lint on every Go package (mk/15-lint.mk)

TEST_TARGETS += lint

# v2.15.0 is the newest release; it builds with the Go of go.mod.
GOLANGCI_LINT_VERSION := 2.15.0
GOLANGCI_LINT         := $(TOOLS)/golangci-lint-v$(GOLANGCI_LINT_VERSION)/golangci-lint

.PHONY: lint lint-fix

# --allow-serial-runners: golangci-lint takes a lock in the system's temp
# folder, shared by every checkout on the machine; another checkout's lint
# then makes this one wait instead of fail.
lint: $(GOLANGCI_LINT) ## golangci-lint (staticcheck, errcheck, unused, ineffassign, misspell, govet; .golangci.yml) on every package, the integration-tagged suites included
	$(GOLANGCI_LINT) run --allow-serial-runners ./...

lint-fix: $(GOLANGCI_LINT) ## golangci-lint with --fix: apply the fixes the linters offer (review the diff)
	$(GOLANGCI_LINT) run --fix ./...

$(GOLANGCI_LINT):
	@echo "lint: building golangci-lint v$(GOLANGCI_LINT_VERSION) (a few minutes, once)"
	GOBIN=$(@D) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v$(GOLANGCI_LINT_VERSION)
