# Go: vet (including the build-tagged AWS suites) and unit tests.
TEST_TARGETS += test-go

.PHONY: test-go vet
vet: ## go vet, with and without the integration build tag
	$(GO) vet ./...
	$(GO) vet -tags integration ./...

test-go: vet ## Go unit, fuzz-seed and end-to-end tests
	$(GO) test -count=1 ./...
