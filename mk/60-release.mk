# Release for reuse: `make release VERSION=x.y.z` writes to dist/ the
# Lambda package other repositories deploy (from S3, no Go toolchain), its
# CycloneDX SBOM and SHA256SUMS. The tag workflow
# (.github/workflows/release.yml) runs `make test` and this, then publishes
# the three files as release assets. Not part of `make test`.
#
# cyclonedx-gomod: the CycloneDX project's own Go SBOM generator (Apache-2.0,
# maintained by the CycloneDX core team, released on the module proxy). It
# reads the module graph of the Lambda's main package with the same build
# constraints as build-lambda, so the SBOM lists exactly what is linked into
# bootstrap. ~1.5 min to build once; not linked into anything we ship.
$(call needs,TOOLS ROOT GO DIST LAMBDA_PKG LAMBDA_BOOTSTRAP GO_LAMBDA_FLAGS,mk/60-release.mk)

##@ Release (mk/60-release.mk)

CYCLONEDX_GOMOD_VERSION := 1.10.0
CYCLONEDX_GOMOD := $(TOOLS)/cyclonedx-gomod-v$(CYCLONEDX_GOMOD_VERSION)/cyclonedx-gomod

# VERSION comes from a tag name in CI: data, never code (see the comment in
# the integration fragment). Semantic Versioning 2.0.0, no leading "v".
override VERSION := $(value VERSION)
export VERSION
VERSION_PATTERN := ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$$

# The SBOM is read under build-lambda's build tags (GO_LAMBDA_FLAGS starts
# with "-tags <list>").
LAMBDA_BUILD_TAGS := $(if $(filter -tags,$(firstword $(GO_LAMBDA_FLAGS))),$(word 2,$(GO_LAMBDA_FLAGS)),$(error mk/60-release.mk: GO_LAMBDA_FLAGS no longer starts with -tags <list>))

.PHONY: release release-inputs sbom-tool

release-inputs: ## Reject a VERSION that is not x.y.z (Semantic Versioning, no "v"); release runs it first
	@re='$(VERSION_PATTERN)'; [[ $$VERSION =~ $$re ]] || { \
		printf 'VERSION must be a semantic version x.y.z (e.g. VERSION=0.2.0, no leading v), got: %q\n' "$$VERSION" >&2; exit 2; }

release: release-inputs build-lambda $(CYCLONEDX_GOMOD) ## Write dist/imgpipe-processor-<VERSION>-linux-arm64.zip (reproducible), its CycloneDX SBOM, dist/SHA256SUMS and the release notes
	@grep -q "^## \[$$VERSION\] - " CHANGELOG.md || { \
		echo "release: CHANGELOG.md has no '## [$$VERSION] - <date>' section: describe the release there first" >&2; exit 1; }
	@zip="imgpipe-processor-$$VERSION-linux-arm64.zip"; sbom="imgpipe-processor-$$VERSION-linux-arm64.cdx.json"; \
	rm -f "$(DIST)/$$zip" "$(DIST)/$$sbom" "$(DIST)/SHA256SUMS"; \
	$(GO) run ./lambda/cmd/zip -o "$(DIST)/$$zip" $(LAMBDA_BOOTSTRAP); \
	tools/release/sbom.sh $(CYCLONEDX_GOMOD) "$$VERSION" $(patsubst ./%,%,$(LAMBDA_PKG)) "$(DIST)/$$sbom" $(LAMBDA_BUILD_TAGS); \
	awk -v v="$$VERSION" '/^## \[/ { if (on) exit; on = index($$0, "## [" v "]") == 1; next } on' CHANGELOG.md > "$(DIST)/RELEASE_NOTES.md"; \
	cd $(DIST) && sha256sum "$$zip" "$$sbom" > SHA256SUMS && cat SHA256SUMS

sbom-tool: $(CYCLONEDX_GOMOD) ## Install the pinned cyclonedx-gomod under .tools/

$(CYCLONEDX_GOMOD):
	GOBIN=$(@D) $(GO) install github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@v$(CYCLONEDX_GOMOD_VERSION)
