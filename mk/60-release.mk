# Release for reuse: `make release VERSION=x.y.z` writes to dist/ the
# Lambda packages other repositories deploy without a Go toolchain (the
# processor, and the events module's enrichment), a CycloneDX SBOM of each
# and SHA256SUMS. The tag workflow (.github/workflows/release.yml) runs
# `make test` and this, then publishes the five files as release assets.
# Not part of `make test`.
#
# cyclonedx-gomod: the CycloneDX project's own Go SBOM generator (Apache-2.0,
# maintained by the CycloneDX core team, released on the module proxy). It
# reads the module graph of the Lambda's main package with the same build
# constraints as build-lambda, so the SBOM lists exactly what is linked into
# bootstrap. ~1.5 min to build once; not linked into anything we ship.
$(call needs,TOOLS ROOT GO DIST LAMBDA_PKG LAMBDA_BOOTSTRAP EVENTS_PKG EVENTS_BOOTSTRAP GO_LAMBDA_FLAGS,mk/60-release.mk)

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

# Each released function: <name>:<bootstrap>:<main package>. The events
# enrichment ships beside the processor, so that a consumer of
# modules/events needs no Go toolchain either.
RELEASE_FUNCTIONS := processor:$(LAMBDA_BOOTSTRAP):$(patsubst ./%,%,$(LAMBDA_PKG)) events:$(EVENTS_BOOTSTRAP):$(patsubst ./%,%,$(EVENTS_PKG))

release: release-inputs build-lambda $(CYCLONEDX_GOMOD) ## Write dist/imgpipe-{processor,events}-<VERSION>-linux-arm64.zip (reproducible), their CycloneDX SBOMs, dist/SHA256SUMS and the release notes
	@grep -q "^## \[$$VERSION\] - " CHANGELOG.md || { \
		echo "release: CHANGELOG.md has no '## [$$VERSION] - <date>' section: describe the release there first" >&2; exit 1; }
	@rm -f "$(DIST)/SHA256SUMS"; files=(); \
	for f in $(RELEASE_FUNCTIONS); do \
		IFS=: read -r name bootstrap pkg <<< "$$f"; \
		zip="imgpipe-$$name-$$VERSION-linux-arm64.zip"; sbom="imgpipe-$$name-$$VERSION-linux-arm64.cdx.json"; \
		rm -f "$(DIST)/$$zip" "$(DIST)/$$sbom"; \
		$(GO) run ./lambda/cmd/zip -o "$(DIST)/$$zip" "$$bootstrap" || exit 1; \
		tools/release/sbom.sh $(CYCLONEDX_GOMOD) "$$VERSION" "$$pkg" "$(DIST)/$$sbom" $(LAMBDA_BUILD_TAGS) || exit 1; \
		files+=("$$zip" "$$sbom"); \
	done; \
	awk -v v="$$VERSION" '/^## \[/ { if (on) exit; on = index($$0, "## [" v "]") == 1; next } on' CHANGELOG.md > "$(DIST)/RELEASE_NOTES.md"; \
	cd $(DIST) && sha256sum "$${files[@]}" > SHA256SUMS && cat SHA256SUMS

sbom-tool: $(CYCLONEDX_GOMOD) ## Install the pinned cyclonedx-gomod under .tools/

$(CYCLONEDX_GOMOD):
	GOBIN=$(@D) $(GO) install github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@v$(CYCLONEDX_GOMOD_VERSION)
