package itest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// BackendOverrideFile is the name of the file WriteBackendOverride writes.
// Terraform merges files named *_override.tf last; a backend block in one
// replaces the configuration's backend.
const BackendOverrideFile = "integration_override.tf"

// BackendOverride swaps the root stack's partial `backend "s3" {}` for
// local state in the working copy, so an ephemeral test environment needs
// no state bucket and its state lives (and dies) with the temp folder.
const BackendOverride = `# Written by the integration suites (test/itest) into a temporary copy of
# the configuration: local state instead of the S3 backend.
terraform {
  backend "local" {}
}
`

// WriteBackendOverride writes BackendOverride into dir, which must be a
// temporary working copy (never the repository's own terraform/ folder).
func WriteBackendOverride(dir string) error {
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("itest: backend override: %w", err)
	}
	if !info.IsDir() {
		return fmt.Errorf("itest: backend override: %s is not a directory", dir)
	}
	path := filepath.Join(dir, BackendOverrideFile)
	if err := os.WriteFile(path, []byte(BackendOverride), 0o600); err != nil {
		return fmt.Errorf("itest: backend override: %w", err)
	}
	return nil
}

// RepoRoot walks up from dir to the folder holding go.mod.
func RepoRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("itest: repo root: %w", err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("itest: repo root: %w", err)
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("itest: no go.mod in %s or any parent", abs)
		}
	}
}

// StateDir is where a suite keeps what its stages share (Terraform
// options, run id) between `go test` invocations: out/integration/<suite>
// under the repository root (git-ignored). Keeping it outside the temp
// copy lets `SKIP_deploy=true` find a kept environment again.
func StateDir(repoRoot, suite string) string {
	return filepath.Join(repoRoot, "out", "integration", suite)
}
