# Terraform: offline checks of modules/, terraform/, examples/ and test/fixtures/.
# Every tool is pinned and cached under .tools/tf/; a fresh clone builds them
# on first use. Details: docs/terraform.md and tools/tf/tf.sh.
$(call needs,GO TOOLS,mk/20-terraform.mk)

##@ Terraform: offline checks and the pinned tools (mk/20-terraform.mk)

TEST_TARGETS += test-tf

TF_TOOLS          := $(TOOLS)/tf
TOFU_VERSION      := 1.10.6
TFLINT_VERSION    := 0.61.0
TFSEC_VERSION     := 1.26.0
AWS_PROVIDER_VERSION := 6.25.0
# @cdktf/provider-aws 21.22.1 is generated from hashicorp/aws 6.25.0; its
# tarball's sha512 (= the npm registry's dist.integrity).
CDKTF_AWS_VERSION := 21.22.1
CDKTF_AWS_SHA512  := 06e48779a40550bf65df7a41cc83114fb71343af4033698bb628e3b5e08f8554119afba1ba3f4bbdfca67fb92700c858a804faf8bae5b3d8e21955bf52cdf3ad

TOFU   := $(TF_TOOLS)/tofu-v$(TOFU_VERSION)/tofu
TFLINT := $(TF_TOOLS)/tflint-v$(TFLINT_VERSION)/tflint
TFSEC  := $(TF_TOOLS)/tfsec-v$(TFSEC_VERSION)/tfsec

# TF: the terraform binary every target uses. `terraform` from PATH when
# there is one, else OpenTofu built from its Go module. TF_FORCE_TOFU=1
# forces OpenTofu; TF=/path/to/binary overrides both.
TF_FORCE_TOFU ?=
ifeq ($(origin TF),undefined)
  ifeq ($(TF_FORCE_TOFU),)
    TF := $(shell command -v terraform 2>/dev/null)
  endif
  ifeq ($(TF),)
    TF := $(TOFU)
  endif
endif
TF_DEP := $(filter $(TOFU),$(TF))

# The schema-only stand-in for hashicorp/aws (tools/tfstandin), installed in
# a filesystem mirror for both registry host names (terraform, OpenTofu).
TF_PLATFORM    := $(shell $(GO) env GOOS)_$(shell $(GO) env GOARCH)
CDKTF_AWS_PKG  := $(TF_TOOLS)/npm/provider-aws-$(CDKTF_AWS_VERSION)/package
STANDIN_DIR    := $(TF_TOOLS)/standin-aws-$(AWS_PROVIDER_VERSION)
STANDIN_SCHEMA := $(STANDIN_DIR)/schema.json.gz
STANDIN_BIN    := $(STANDIN_DIR)/terraform-provider-aws
STANDIN_MIRROR := $(TF_TOOLS)/mirror-standin
STANDIN_PKGDIR := $(STANDIN_MIRROR)/registry.terraform.io/hashicorp/aws/$(AWS_PROVIDER_VERSION)/$(TF_PLATFORM)
STANDIN_GO     := $(filter-out %_test.go,$(wildcard tools/tfstandin/*/*.go tools/tfstandin/cmd/*/*.go))
STANDIN_GEN_GO := $(filter tools/tfstandin/cdktf/% tools/tfstandin/schema/% tools/tfstandin/cmd/tfstandin-schema/%,$(STANDIN_GO))

# Every terraform call of the checks goes through tools/tf/tf.sh, which sets
# TF_CLI_CONFIG_FILE explicitly and runs in a copy of the tree under
# .tools/tf/work (nothing is written into the repo).
TFSH = TF="$(TF)" TFLINT="$(TFLINT)" TFSEC="$(TFSEC)" TF_TOOLS="$(TF_TOOLS)" \
	AWS_PROVIDER_VERSION="$(AWS_PROVIDER_VERSION)" STANDIN_MIRROR="$(STANDIN_MIRROR)" \
	TF_PLATFORM="$(TF_PLATFORM)" tools/tf/tf.sh

.PHONY: test-tf tf-fmt tf-lint tf-sec tf-validate tf-test tf-tools tf-provider tf-standin tf-work tf-clean

test-tf: tf-fmt tf-lint tf-sec tf-validate tf-test ## Terraform: fmt, tflint, tfsec, validate and test of every module, the root stack, the examples and the test fixtures
	@echo "test-tf: all Terraform checks passed (using $(TF))"

tf-tools: $(TF_DEP) $(TFLINT) $(TFSEC) tf-provider ## Build/install every pinned Terraform tool under .tools/tf

tf-fmt: $(TF_DEP) ## terraform fmt -check -recursive
	@$(TFSH) fmt

tf-lint: $(TFLINT) tf-work ## tflint (terraform ruleset, preset all; .tflint.hcl) on every configuration
	@$(TFSH) lint

tf-sec: $(TFSEC) tf-work ## tfsec on every configuration (ignores only inline, with reasons)
	@$(TFSH) sec

tf-validate: $(TF_DEP) tf-provider tf-work ## terraform init -backend=false + validate, each folder on its own
	@$(TFSH) validate

tf-test: $(TF_DEP) tf-provider tf-work tf-validate ## terraform test in each folder with tests
	@$(TFSH) test

tf-work: ## copy the Terraform tree to .tools/tf/work
	@$(TFSH) work

# The real hashicorp/aws when the registry answers (mirrored once into
# .tools/tf/mirror-real), else the stand-in. TF_PROVIDER=standin skips the probe.
tf-provider: $(TF_DEP)
	@if ! $(TFSH) provider-real; then $(MAKE) -s tf-standin && $(TFSH) provider-standin; fi

tf-standin: $(STANDIN_PKGDIR)/terraform-provider-aws_v$(AWS_PROVIDER_VERSION) ## Build the schema-only stand-in hashicorp/aws provider

$(STANDIN_PKGDIR)/terraform-provider-aws_v$(AWS_PROVIDER_VERSION): $(STANDIN_BIN) $(STANDIN_SCHEMA)
	@rm -rf $(STANDIN_MIRROR) && mkdir -p $(@D) $(STANDIN_MIRROR)/registry.opentofu.org/hashicorp
	cp $(STANDIN_SCHEMA) $(@D)/schema.json.gz
	cp $(STANDIN_BIN) $@
	@# OpenTofu resolves hashicorp/aws to registry.opentofu.org and does not
	@# follow symlinked folders in a mirror: a hard-linked copy.
	cp -al $(STANDIN_MIRROR)/registry.terraform.io/hashicorp/aws $(STANDIN_MIRROR)/registry.opentofu.org/hashicorp/aws

$(STANDIN_BIN): $(STANDIN_GO) go.mod go.sum
	@mkdir -p $(@D)
	$(GO) build -trimpath -o $@ ./tools/tfstandin/cmd/terraform-provider-aws

$(STANDIN_SCHEMA): $(CDKTF_AWS_PKG)/package.json $(STANDIN_GEN_GO)
	@mkdir -p $(@D)
	$(GO) run ./tools/tfstandin/cmd/tfstandin-schema -package $(CDKTF_AWS_PKG) -out $@.tmp
	@mv $@.tmp $@

$(CDKTF_AWS_PKG)/package.json:
	@rm -rf $(dir $(@D)) && mkdir -p $(dir $(@D))
	cd $(dir $(@D)) && npm pack --silent @cdktf/provider-aws@$(CDKTF_AWS_VERSION) >/dev/null
	@cd $(dir $(@D)) && echo "$(CDKTF_AWS_SHA512)  cdktf-provider-aws-$(CDKTF_AWS_VERSION).tgz" | sha512sum -c --quiet \
		|| { echo "tf: @cdktf/provider-aws-$(CDKTF_AWS_VERSION).tgz does not match its pinned sha512" >&2; exit 1; }
	cd $(dir $(@D)) && tar xzf cdktf-provider-aws-$(CDKTF_AWS_VERSION).tgz && rm cdktf-provider-aws-$(CDKTF_AWS_VERSION).tgz
	@touch $@

$(TFLINT):
	GOBIN=$(@D) $(GO) install github.com/terraform-linters/tflint@v$(TFLINT_VERSION)

$(TFSEC):
	GOBIN=$(@D) $(GO) install github.com/aquasecurity/tfsec/cmd/tfsec@v$(TFSEC_VERSION)

# OpenTofu from its Go module (copied out of the read-only module cache).
$(TOFU):
	@echo "tf: no terraform on PATH; building OpenTofu v$(TOFU_VERSION) (a few minutes, once)"
	@src=$(TF_TOOLS)/src/opentofu-$(TOFU_VERSION); \
	dir=$$($(GO) mod download -json github.com/opentofu/opentofu@v$(TOFU_VERSION) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p'); \
	test -n "$$dir" || { echo "tf: go mod download of opentofu v$(TOFU_VERSION) failed" >&2; exit 1; }; \
	rm -rf $$src && mkdir -p $$(dirname $$src) && cp -r $$dir $$src && chmod -R u+w $$src; \
	cd $$src && $(GO) build -trimpath -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" -o $@ ./cmd/tofu; \
	rm -rf $$src

tf-clean: ## Remove the Terraform work copy and data dirs (keeps the built tools)
	rm -rf $(TF_TOOLS)/work $(TF_TOOLS)/data
