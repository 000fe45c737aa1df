package itest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewRun(t *testing.T) {
	tests := []struct {
		in      string
		wantID  string
		wantErr string
	}{
		{in: "Ab3xQz", wantID: "ab3xqz"},
		{in: "abcd", wantID: "abcd"},
		{in: "0123456789ab", wantID: "0123456789ab"},
		{in: "", wantErr: `run id "" must be 4 to 12 ASCII letters or digits`},
		{in: "abc", wantErr: `run id "abc" must be 4 to 12`},
		{in: "0123456789abc", wantErr: `run id "0123456789abc" must be 4 to 12`},
		{in: "ab-cd", wantErr: `run id "ab-cd"`},
		{in: "abçd", wantErr: `run id "abçd"`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			r, err := NewRun(tc.in)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantID, r.ID)
		})
	}
}

func TestRunNames(t *testing.T) {
	r, err := NewRun("K3x9QA")
	require.NoError(t, err)
	assert.Equal(t, "it-k3x9qa", r.Environment())
	assert.Equal(t, "imgpipe-it-k3x9qa", r.ResourcePrefix())
	assert.Equal(t, map[string]string{
		"imgpipe:test-run":   "k3x9qa",
		"imgpipe:test-suite": "stack",
		"imgpipe:owner":      "imgpipe-integration-tests",
	}, r.Tags("stack"))
}

func TestTagsWithRunTagsWin(t *testing.T) {
	r := Run{ID: "abcd12"}
	extra := map[string]string{"team": "media", TagRun: "someone-else"}
	got := r.TagsWith("storage", extra)
	assert.Equal(t, "media", got["team"])
	assert.Equal(t, "abcd12", got[TagRun], "the run tag cannot be overridden: cleanup finds resources by it")
	assert.Equal(t, "storage", got[TagSuite])
	assert.Equal(t, "someone-else", extra[TagRun], "the caller's map is not modified")
	assert.Len(t, r.TagsWith("storage", nil), 3)
}

func TestWriteBackendOverride(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, WriteBackendOverride(dir))

	path := filepath.Join(dir, BackendOverrideFile)
	assert.Regexp(t, `_override\.tf$`, BackendOverrideFile, "Terraform only merges files named *_override.tf as overrides")

	f, diags := hclparse.NewParser().ParseHCLFile(path)
	require.False(t, diags.HasErrors(), diags.Error())
	content, diags := f.Body.Content(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "terraform"}}})
	require.False(t, diags.HasErrors(), diags.Error())
	require.Len(t, content.Blocks, 1)
	inner, diags := content.Blocks[0].Body.Content(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "backend", LabelNames: []string{"type"}}}})
	require.False(t, diags.HasErrors(), diags.Error())
	require.Len(t, inner.Blocks, 1)
	assert.Equal(t, []string{"local"}, inner.Blocks[0].Labels)
}

func TestWriteBackendOverrideBadDir(t *testing.T) {
	err := WriteBackendOverride(filepath.Join(t.TempDir(), "missing"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "backend override")

	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	err = WriteBackendOverride(file)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not a directory")
}

func TestRepoRoot(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644))
	deep := filepath.Join(root, "test", "fixtures", "storage")
	require.NoError(t, os.MkdirAll(deep, 0o755))

	got, err := RepoRoot(deep)
	require.NoError(t, err)
	assert.Equal(t, root, got)
	assert.Equal(t, filepath.Join(root, "out", "integration", "stack"), StateDir(got, "stack"))

	// This package's own repository.
	here, err := RepoRoot(".")
	require.NoError(t, err)
	assert.FileExists(t, filepath.Join(here, "internal", "contract", "contract.go"))
}
