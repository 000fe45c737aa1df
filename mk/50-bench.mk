# Performance: the fastjpeg decoder's tests run in test-go; this fragment
# adds the side-by-side thumbnail benchmark, which is not part of `make test`
# (it takes minutes and measures speed, not correctness).
$(call needs,GO TOOLS TOOLS_BIN,mk/50-bench.mk)

##@ Performance: the side-by-side thumbnail benchmark (mk/50-bench.mk)

BENCH_IMAGES  := $(TOOLS)/bench-images
BENCH_DEBS    := mate-backgrounds plasma-workspace-wallpapers
BENCH_ROUNDS  ?= 7
BENCH_OUT     ?= docs/benchmarks.md
BENCH_JSON    ?= docs/benchmarks.json
# sharp, the peer, pinned by bench/sharp/package-lock.json and installed
# with npm ci into .tools/sharp (its prebuilt libvips comes with the package).
SHARP_DIR     := $(TOOLS)/sharp
SHARP_STAMP   := $(SHARP_DIR)/.installed-$(shell sha256sum bench/sharp/package-lock.json | cut -c1-16)
NODE          ?= node
# apt needs root; use sudo when we are not root and it works without a password.
APT_SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo -n)

.PHONY: bench bench-images bench-vips bench-sharp

bench-images: $(BENCH_IMAGES)/.extracted ## Fetch the benchmark photos (Debian packages, GPL-2+, never committed)

$(BENCH_IMAGES)/.extracted:
	@mkdir -p $(BENCH_IMAGES)/debs
	@cd $(BENCH_IMAGES)/debs && if ! ls mate-backgrounds_*.deb plasma-workspace-wallpapers_*.deb >/dev/null 2>&1; then \
		apt-get download $(BENCH_DEBS) 2>/dev/null || { $(APT_SUDO) apt-get update -qq && apt-get download $(BENCH_DEBS); }; \
	fi
	@for f in $(BENCH_IMAGES)/debs/*.deb; do dpkg-deb -x "$$f" $(BENCH_IMAGES)/root; done
	@touch $@

# vipsthumbnail is the secondary yardstick; without it the table has no vipsthumbnail rows.
bench-vips:
	@command -v vipsthumbnail >/dev/null || { \
		echo "bench: installing libvips-tools with apt"; \
		{ $(APT_SUDO) apt-get update -qq && $(APT_SUDO) apt-get install -y -qq --no-install-recommends libvips-tools >/dev/null; } \
		|| echo "bench: libvips-tools could not be installed; vipsthumbnail will be skipped"; }

bench-sharp: $(SHARP_STAMP) ## Install sharp (pinned by bench/sharp/package-lock.json) into .tools/sharp

$(SHARP_STAMP): bench/sharp/package.json bench/sharp/package-lock.json
	@command -v $(NODE) >/dev/null && command -v npm >/dev/null || { echo "bench: sharp needs node and npm (Debian: apt-get install nodejs npm)" >&2; exit 1; }
	@rm -rf $(SHARP_DIR) && mkdir -p $(SHARP_DIR)
	@cp bench/sharp/package.json bench/sharp/package-lock.json $(SHARP_DIR)/
	cd $(SHARP_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

bench: bench-images bench-vips bench-sharp ## Thumbnail benchmark (imgpipe vs sharp, vipsthumbnail, stdlib+nfnt; 1 core and all); writes docs/benchmarks.md and .json
	$(GO) build -o $(TOOLS_BIN)/thumbbench ./bench/cmd/thumbbench
	$(TOOLS_BIN)/thumbbench -images $(BENCH_IMAGES) -rounds $(BENCH_ROUNDS) -out $(BENCH_OUT) -json $(BENCH_JSON) \
		-node $(NODE) -sharp $(SHARP_DIR)/node_modules/sharp -sharp-worker bench/sharp/worker.js
