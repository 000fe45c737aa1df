# Reference tools for tests: Debian's heif-enc/heif-convert (libheif),
# avifenc/avifdec (libavif), jpgicc/tificc/transicc (lcms2), cwebp/dwebp,
# vips/vipsthumbnail and the ICC profiles of colord-data and
# icc-profiles-free, at the exact versions in tools/reftools/packages.lock.
# They are never runtime dependencies: tests generate inputs with them and
# compare against them. Installed without root (apt-get download +
# dpkg-deb -x) under .tools/reftools: bin/ (wrappers), icc/ (profiles).
#
# Tests find them through IMGPIPE_REFTOOLS (internal/reftools), which the
# Go test targets always set after installing them; a plain `go test`
# leaves it unset and those tests skip, saying "run make reftools".
# The first install downloads ~47 MB from Debian: inside netns-run (no
# network) run `make reftools` outside it first.
# Adds a prerequisite to test-go (mk/10-go.mk), test-e2e (mk/30-local.mk) and
# contract-check (mk/21-docs.mk).
$(call needs,TOOLS,mk/05-reftools.mk)

##@ Reference tools for tests (mk/05-reftools.mk)

REFTOOLS       := $(TOOLS)/reftools
REFTOOLS_STAMP := $(REFTOOLS)/.installed

.PHONY: reftools
reftools: $(REFTOOLS_STAMP) ## Install the pinned Debian reference tools (heif-enc, avifenc, jpgicc, vips, ...) and ICC profiles under .tools/reftools

$(REFTOOLS_STAMP): tools/reftools/packages.lock tools/reftools/install.sh tools/reftools/tools.sh
	tools/reftools/install.sh $(REFTOOLS)
	@touch $@

# Every target that runs Go tests installs them first and tells the tests
# where they are (exported to the recipe and to the commands it starts).
test-go test-e2e contract-check: $(REFTOOLS_STAMP)
test-go test-e2e contract-check: export IMGPIPE_REFTOOLS := $(REFTOOLS)

# The HEIC, AVIF and Display P3 samples are made with them too.
samples: $(REFTOOLS_STAMP)
samples: export IMGPIPE_REFTOOLS := $(REFTOOLS)

# make bench compares a 12 MP HEIC with libvips's heifload (reftools' vips).
bench: $(REFTOOLS_STAMP)
bench: export IMGPIPE_REFTOOLS := $(REFTOOLS)
