# imgpipe: every task a developer, CI or ops runs starts here.
# Tools are pinned and installed under .tools/ (git-ignored) on first use.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules --no-print-directory

ROOT      := $(CURDIR)
TOOLS     := $(ROOT)/.tools
TOOLS_BIN := $(TOOLS)/bin
DIST      := $(ROOT)/dist
GO        ?= go
export PATH := $(TOOLS_BIN):$(PATH)

# Each fragment in mk/ appends the checks it owns to TEST_TARGETS, in file order.
TEST_TARGETS :=
include $(sort $(wildcard mk/*.mk))

.PHONY: test help
test: $(TEST_TARGETS) ## Run every offline check: Go tests, Terraform checks, local end-to-end suite
	@echo "make test: all checks passed ($(TEST_TARGETS))"

help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_.-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  %-22s %s\n", $$1, $$2}'
