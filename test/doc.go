// Package test holds the Terratest suites that deploy ephemeral imgpipe
// environments on real AWS, assert that thumbnails, metadata records,
// metrics and alarms appear, and destroy them. They sit behind the
// `integration` build tag: `make test` only compiles and vets them (go vet
// -tags integration ./...), `make test-integration` runs them with AWS
// credentials (test/README.md).
//
//   - TestStack deploys the root stack terraform/ (modules storage,
//     processing and monitoring together) and checks the whole pipeline.
//   - TestStorageModule deploys modules/storage alone (test/fixtures/storage).
//   - TestProcessingModule deploys modules/processing alone, wired to a
//     bucket and table of its own fixture (test/fixtures/processing).
//
// Each test runs in three stages, deploy, validate and cleanup, which
// SKIP_deploy, SKIP_validate and SKIP_cleanup skip (Terratest's
// test_structure), so an environment can be kept and tested again. The
// assertions on records and thumbnails come from internal/verify, the same
// code the local end-to-end suite runs against kumo in `make test`; the
// AWS-free helpers are in test/itest and test/preflight.
package test
