package runner

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCollectListsFilesWithKeys(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.jpg", "a photo ü.png", "sub/c.gif", ".hidden.jpg", ".git/x"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(name), 0o644))
	}
	got, err := Collect(dir, "uploads/")
	require.NoError(t, err)
	var keys []string
	for _, in := range got {
		keys = append(keys, in.Key)
		assert.Equal(t, int64(len(in.Name)), in.Size)
	}
	assert.Equal(t, []string{"uploads/a photo ü.png", "uploads/b.jpg", "uploads/sub/c.gif"}, keys)
}

func TestCollectRejectsBadFolders(t *testing.T) {
	_, err := Collect(filepath.Join(t.TempDir(), "nope"), "uploads/")
	assert.ErrorContains(t, err, "images folder")

	_, err = Collect(t.TempDir(), "uploads/")
	assert.ErrorContains(t, err, "holds no files")

	f := filepath.Join(t.TempDir(), "file.jpg")
	require.NoError(t, os.WriteFile(f, nil, 0o644))
	_, err = Collect(f, "uploads/")
	assert.ErrorContains(t, err, "is not a directory")
}
