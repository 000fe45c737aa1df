# Performance: the fastjpeg decoder's tests run in test-go; this
# fragment adds the side-by-side thumbnail benchmark, which is not part of
# `make test` (it takes minutes and measures speed, not correctness).
$(call needs,GO TOOLS TOOLS_BIN,mk/50-bench.mk)

##@ Performance: the side-by-side thumbnail benchmark (mk/50-bench.mk)

BENCH_IMAGES  := $(TOOLS)/bench-images
BENCH_DEBS    := mate-backgrounds plasma-workspace-wallpapers
BENCH_ROUNDS  ?= 5
BENCH_OUT     ?= docs/benchmarks.md
# apt needs root; use sudo when we are not root and it works without a password.
APT_SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo -n)

.PHONY: bench bench-images bench-vips

bench-images: $(BENCH_IMAGES)/.extracted ## Fetch the benchmark photos (Debian packages, GPL-2+, never committed)

$(BENCH_IMAGES)/.extracted:
	@mkdir -p $(BENCH_IMAGES)/debs
	@cd $(BENCH_IMAGES)/debs && if ! ls mate-backgrounds_*.deb plasma-workspace-wallpapers_*.deb >/dev/null 2>&1; then \
		apt-get download $(BENCH_DEBS) 2>/dev/null || { $(APT_SUDO) apt-get update -qq && apt-get download $(BENCH_DEBS); }; \
	fi
	@for f in $(BENCH_IMAGES)/debs/*.deb; do dpkg-deb -x "$$f" $(BENCH_IMAGES)/root; done
	@touch $@

# libvips is the yardstick; without it the table has no libvips column.
bench-vips:
	@command -v vipsthumbnail >/dev/null || { \
		echo "bench: installing libvips-tools with apt"; \
		{ $(APT_SUDO) apt-get update -qq && $(APT_SUDO) apt-get install -y -qq --no-install-recommends libvips-tools >/dev/null; } \
		|| echo "bench: libvips-tools could not be installed; libvips will be skipped"; }

bench: bench-images bench-vips ## Side-by-side thumbnail benchmark (imgpipe vs stdlib+nfnt, x/image/draw, libvips); writes docs/benchmarks.md
	$(GO) build -o $(TOOLS_BIN)/thumbbench ./bench/cmd/thumbbench
	$(TOOLS_BIN)/thumbbench -images $(BENCH_IMAGES) -rounds $(BENCH_ROUNDS) -out $(BENCH_OUT)
