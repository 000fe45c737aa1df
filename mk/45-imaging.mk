# Imaging (lambda/imaging): fuzzing and the imaging benchmark. The fuzz
# seeds and all imaging tests already run in `make test` (test-go).
$(call needs,GO,mk/45-imaging.mk)

##@ Imaging: fuzzing and the imaging benchmark (mk/45-imaging.mk)

FUZZTIME ?= 60s

.PHONY: fuzz-imaging bench-imaging
fuzz-imaging: ## Fuzz the imaging entry points for FUZZTIME each (default 60s); crashers land in lambda/imaging/testdata/fuzz
	$(GO) test -run '^$$' -fuzz '^FuzzProcess$$' -fuzztime $(FUZZTIME) ./lambda/imaging/
	$(GO) test -run '^$$' -fuzz '^FuzzParseExif$$' -fuzztime $(FUZZTIME) ./lambda/imaging/
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./lambda/imaging/heif/

bench-imaging: ## Benchmark the full imaging job on a generated 12 MP JPEG against stdlib decode + nfnt/resize
	$(GO) test -run '^$$' -bench 'Process12MP|Resize12MP' -benchmem -count 3 ./lambda/imaging/
