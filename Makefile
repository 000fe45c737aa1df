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

# Fragments in mk/ are read in the order of their unique numbers; each one
# is one area: a `##@ Area` heading for `make help`, the checks it owns
# appended to TEST_TARGETS (so `make test` runs them in file order), and a
# `$(call needs,...)` line naming what it uses from the fragments before it.
#
# $(call needs,VARS,FRAGMENT): stop with a clear error when a variable a
# fragment uses is not defined, i.e. the fragment that defines it is missing
# or comes later.
needs = $(foreach v,$(1),$(if $(filter undefined,$(origin $(v))),$(error $(2) needs $(v); the fragment defining it is missing or numbered after $(2))))

TEST_TARGETS :=
include $(sort $(wildcard mk/*.mk))

##@ Everything

.PHONY: test help
test: $(TEST_TARGETS) ## Run every offline check: Go vet, lint and tests, Terraform checks, docs, local end-to-end suite
	@echo "make test: all checks passed ($(TEST_TARGETS))"

help: ## List the targets, by area
	@for f in $(filter Makefile mk/%.mk,$(MAKEFILE_LIST)); do \
		awk '/^##@ / { sub(/^##@ /, ""); printf "\n%s:\n", $$0; next } \
			/^[a-zA-Z0-9_.-]+:.*## / { name = $$0; sub(/:.*/, "", name); desc = $$0; sub(/^[^#]*## /, "", desc); printf "  %-22s %s\n", name, desc }' $$f; \
	done
