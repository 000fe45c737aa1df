package pack

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestZipFilesIsReproducible(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bootstrap")
	content := bytes.Repeat([]byte("\x7fELF not really a binary "), 1000)
	require.NoError(t, os.WriteFile(bin, content, 0o600))

	first, err := ZipFiles(filepath.Join(dir, "a.zip"), 0o755, bin)
	require.NoError(t, err)
	// Same bytes, different mtime and permissions on disk, another run.
	require.NoError(t, os.Chtimes(bin, time.Now().Add(-time.Hour), time.Now().Add(-time.Hour)))
	require.NoError(t, os.Chmod(bin, 0o700))
	second, err := ZipFiles(filepath.Join(dir, "b.zip"), 0o755, bin)
	require.NoError(t, err)
	assert.Equal(t, first, second, "packaging twice gives identical bytes")

	// Different content, different archive.
	require.NoError(t, os.WriteFile(bin, append(content, '!'), 0o600))
	third, err := ZipFiles(filepath.Join(dir, "c.zip"), 0o755, bin)
	require.NoError(t, err)
	assert.NotEqual(t, first, third)

	zr, err := zip.NewReader(bytes.NewReader(first), int64(len(first)))
	require.NoError(t, err)
	require.Len(t, zr.File, 1)
	f := zr.File[0]
	assert.Equal(t, "bootstrap", f.Name)
	assert.Equal(t, os.FileMode(0o755), f.Mode().Perm(), "bootstrap must be executable")
	assert.True(t, f.Modified.Equal(ModTime), "fixed mtime, got %v", f.Modified)
	rc, err := f.Open()
	require.NoError(t, err)
	got, err := io.ReadAll(rc)
	require.NoError(t, err)
	assert.Equal(t, content, got)
	st, err := os.Stat(filepath.Join(dir, "a.zip"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), st.Mode().Perm())
}

func TestWriteRejectsBadNames(t *testing.T) {
	for _, name := range []string{"", "/abs"} {
		assert.Error(t, Write(io.Discard, []Entry{{Name: name, Mode: 0o644}}))
	}
}

func TestZipFilesMissingInput(t *testing.T) {
	_, err := ZipFiles(filepath.Join(t.TempDir(), "x.zip"), 0o755, "/nonexistent/bootstrap")
	assert.ErrorContains(t, err, "/nonexistent/bootstrap")
}

func TestSums(t *testing.T) {
	data := []byte("abc")
	s := sha256.Sum256(data)
	h, b := Sums(data)
	assert.Equal(t, hex.EncodeToString(s[:]), h)
	assert.Equal(t, base64.StdEncoding.EncodeToString(s[:]), b)
	assert.Equal(t, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", h)
}
