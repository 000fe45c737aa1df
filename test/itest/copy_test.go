package itest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCopyFilter(t *testing.T) {
	root := filepath.Join(string(filepath.Separator), "work", ".hidden-checkout", "repo")
	keep := CopyFilter(root, ConfigTrees)
	tests := []struct {
		rel  string
		want bool
	}{
		{"modules", true},
		{"modules/storage/main.tf", true},
		{"terraform/main.tf", true},
		{"terraform/environments/dev.tfvars", true},
		{"terraform/.terraform.lock.hcl", true},
		{"test", true}, // on the way to test/fixtures
		{"test/fixtures/processing/main.tf", true},
		{"test/stack_test.go", false},
		{"test/itest", false},
		{"lambda/cmd/processor/main.go", false},
		{"dist/processor.zip", false},
		{"out/integration/stack", false},
		{".git", false},
		{"terraform/.terraform", false},
		{"terraform/.terraform/providers/x", false},
		{"terraform/terraform.tfstate", false},
		{"terraform/terraform.tfstate.backup", false},
		{"terraform/terraform.tfvars", false},
		{"modules/storage/.main.tf.swp", false},
		{"testing/fixtures", false},
		{"modulesx/a.tf", false},
	}
	for _, tc := range tests {
		t.Run(tc.rel, func(t *testing.T) {
			assert.Equal(t, tc.want, keep(filepath.Join(root, filepath.FromSlash(tc.rel))))
		})
	}
	assert.False(t, keep(filepath.Join(root, "..", "other")), "nothing outside the root")
}

func TestCopyConfig(t *testing.T) {
	repo := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(repo, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	write("go.mod", "module x\n")
	write("modules/storage/main.tf", "# storage\n")
	write("terraform/main.tf", `module "storage" { source = "../modules/storage" }`+"\n")
	write("terraform/terraform.tfstate", "{}")
	write("terraform/.terraform/modules/modules.json", "{}")
	write("lambda/main.go", "package main\n")

	dest := t.TempDir()
	dir, tmp, err := CopyConfig(repo, dest, "itest-copy", "terraform")
	require.NoError(t, err)
	assert.Equal(t, dest, filepath.Dir(tmp), "one new folder under destRoot")
	assert.Equal(t, filepath.Join(tmp, filepath.Base(repo), "terraform"), dir)
	assert.Equal(t, "terraform", filepath.Base(dir))
	assert.FileExists(t, filepath.Join(dir, "main.tf"))
	assert.FileExists(t, filepath.Join(dir, "..", "modules", "storage", "main.tf"), "relative module sources resolve in the copy")
	assert.NoFileExists(t, filepath.Join(dir, "terraform.tfstate"))
	assert.NoDirExists(t, filepath.Join(dir, ".terraform"))
	assert.NoDirExists(t, filepath.Join(dir, "..", "lambda"))

	_, _, err = CopyConfig(repo, t.TempDir(), "itest-copy", "test/fixtures/missing")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "configuration folder test/fixtures/missing")
}
