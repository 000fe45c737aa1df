# Security checks in `make test`: gosec on the Go code, and the proof that
# inputs reaching the Makefile from workflows are never run as code.
$(call needs,TOOLS ROOT GO,mk/55-security.mk)

##@ Security checks (mk/55-security.mk)

TEST_TARGETS += test-gosec test-injection

# gosec (securego, Apache-2.0, the Go security linter the OpenSSF lists);
# built from its module, ~8 min cold on this 2-core machine, then cached.
GOSEC_VERSION := 2.30.0
GOSEC := $(TOOLS)/gosec-v$(GOSEC_VERSION)/gosec

# Findings gosec cannot tell from bugs, excluded by path and rule; every
# other finding is fixed, or carries `#nosec <rule> -- <reason>` at its line
# (gosec runs with -nosec-require-rules -nosec-require-justification).
GOSEC_EXCLUDE :=
# The decoders and pixel loops narrow integers on purpose: each value is
# clamped, masked or bounded by the format (Huffman codes of at most 16
# bits, 8-bit samples) before it narrows, and a wrapped value of a malformed
# image can only give wrong pixels, never an out-of-range index (slices are
# bounds-checked). FuzzDecode and FuzzProcess cover these paths. G602
# ("slice index out of range") misreads indexing of fixed-size arrays by
# loops over their own length (the JPEG encoder's Huffman tables); Go
# bounds-checks every index anyway.
GOSEC_EXCLUDE += lambda/imaging/.*:G115,G602
# Test support: 16-bit colour channels shifted down to 8 bits; the fields
# of small synthetic HEIF/AVIF files; the counts of a fake DynamoDB's
# test-sized tables.
GOSEC_EXCLUDE += internal/colortest/.*:G115
GOSEC_EXCLUDE += internal/heiftest/.*:G115
GOSEC_EXCLUDE += internal/awstest/.*:G115
# Developer tools (benchmark, local stack, sample generator, schema
# stand-in, README/HCL generators, the HCL reader the local stack uses,
# the docs and notices checkers) read and write the paths and run the
# programs (go, vipsthumbnail, themselves) that the developer or the code
# names; that is their job. Files they write are meant to be read (reports,
# logs, committed docs and HCL, samples): 0644 like any checked-out file.
GOSEC_EXCLUDE += bench/.*:G115,G204,G301,G304,G306
GOSEC_EXCLUDE += local/.*:G115,G204,G301,G302,G304,G306,G702,G703
# The local harness's random choices (which requests the fault injector
# faults, which sandbox it kills, the generated load images, a load run's
# id) are seeded so a run can be repeated (FAULTS=...,seed=N); none is a
# secret or a token: math/rand/v2 (G404) is the right generator.
GOSEC_EXCLUDE += local/.*:G404
# The local stack's fault injector answers the SDK (an S3-style XML error
# naming the request path), never a browser: no cross-site scripting.
GOSEC_EXCLUDE += local/stack/faults\.go:G705
GOSEC_EXCLUDE += tools/tfstandin/.*:G304
GOSEC_EXCLUDE += internal/contract/cmd/genhcl/.*:G301,G304,G306
GOSEC_EXCLUDE += internal/contract/hclgen/.*:G304
GOSEC_EXCLUDE += internal/tfmodule/.*:G304
GOSEC_EXCLUDE += internal/tfdocs/cmd/tfdocs/.*:G304,G306
GOSEC_EXCLUDE += internal/doccheck/.*:G204,G304
GOSEC_EXCLUDE += internal/notices/cmd/notices/.*:G306
# Test support running the pinned Debian reference tools from the folder
# IMGPIPE_REFTOOLS names (make test sets it to .tools/reftools).
GOSEC_EXCLUDE += internal/reftools/.*:G204,G703

gosec_empty :=
gosec_space := $(gosec_empty) $(gosec_empty)
GOSEC_FLAGS := -quiet -fmt text -nosec-require-rules -nosec-require-justification \
	-exclude-rules "$(subst $(gosec_space),;,$(strip $(GOSEC_EXCLUDE)))"

.PHONY: test-gosec test-injection gosec-tool

test-gosec: $(GOSEC) ## gosec on every Go package (with and without the integration tag)
	$(GOSEC) $(GOSEC_FLAGS) ./...
	$(GOSEC) $(GOSEC_FLAGS) -tags integration ./...

test-injection: ## Prove INTEGRATION_RUN, RUN and VERSION are data: `make -n` with injection payloads runs and prints none of them
	@tools/security/make-injection-test.sh "$(MAKE)" "$(ROOT)"

gosec-tool: $(GOSEC) ## Install the pinned gosec under .tools/

$(GOSEC):
	GOBIN=$(@D) $(GO) install -ldflags "-X main.Version=v$(GOSEC_VERSION)" github.com/securego/gosec/v2/cmd/gosec@v$(GOSEC_VERSION)
