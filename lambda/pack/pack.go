// Package pack writes the Lambda deployment zip reproducibly: the same
// files give the same bytes (and so the same sha256 for Terraform's
// source_code_hash), whatever their mtimes, owners or the time of the run.
// Entries are written in the given order with a fixed modification time,
// a fixed mode and Deflate compression (deterministic for a given Go
// toolchain).
package pack

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// ModTime is the modification time of every entry: the earliest an MS-DOS
// timestamp can hold, so no build time leaks into the archive.
var ModTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// Entry is one file of the archive.
type Entry struct {
	Name string      // path inside the archive, slash-separated
	Mode fs.FileMode // permission bits, e.g. 0o755 for bootstrap
	Data []byte
}

// Write writes entries as a zip archive to w.
func Write(w io.Writer, entries []Entry) error {
	zw := zip.NewWriter(w)
	for _, e := range entries {
		if e.Name == "" || e.Name[0] == '/' {
			return fmt.Errorf("pack: bad entry name %q", e.Name)
		}
		h := &zip.FileHeader{Name: e.Name, Method: zip.Deflate, Modified: ModTime}
		h.SetMode(e.Mode.Perm())
		f, err := zw.CreateHeader(h)
		if err != nil {
			return fmt.Errorf("pack: add %s: %w", e.Name, err)
		}
		if _, err := f.Write(e.Data); err != nil {
			return fmt.Errorf("pack: write %s: %w", e.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("pack: finish archive: %w", err)
	}
	return nil
}

// Sums returns the hex sha256 and the base64 sha256 (Terraform's
// filebase64sha256, the Lambda's source_code_hash) of data.
func Sums(data []byte) (hexSum, base64Sum string) {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:]), base64.StdEncoding.EncodeToString(s[:])
}

// ZipFiles writes the archive of the files at paths to out, each stored
// under its base name with mode, and returns the archive's bytes. The file
// is written to a temporary name and renamed, so out is never half-written.
func ZipFiles(out string, mode fs.FileMode, paths ...string) ([]byte, error) {
	var entries []Entry
	for _, p := range paths {
		data, err := os.ReadFile(p) // #nosec G304 -- packs the files its caller names (make package's bootstrap)
		if err != nil {
			return nil, fmt.Errorf("pack: %w", err)
		}
		entries = append(entries, Entry{Name: filepath.Base(p), Mode: mode, Data: data})
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".pack-*")
	if err != nil {
		return nil, fmt.Errorf("pack: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // gone after the rename; else best-effort clean-up
	if err := Write(tmp, entries); err != nil {
		return nil, errors.Join(err, tmp.Close())
	}
	if err := tmp.Chmod(0o644); err != nil {
		return nil, errors.Join(fmt.Errorf("pack: %w", err), tmp.Close())
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("pack: %w", err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return nil, fmt.Errorf("pack: %w", err)
	}
	return os.ReadFile(out) // #nosec G304 -- the archive just written, at the caller's path
}
