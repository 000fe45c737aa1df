package reftools

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is a testing.TB that records Skipf/Fatalf instead of stopping
// the goroutine, so the helpers' failure paths can be observed.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                          {}
func (r *recorder) Skipf(format string, args ...any) { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}
func (r *recorder) Failed() bool  { return r.failed != "" }
func (r *recorder) Skipped() bool { return r.skipped != "" }

// fakeTools makes a tools folder with one tool that prints its arguments
// and one that fails.
func fakeTools(t *testing.T) string {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "bin"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "icc", "colord"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bin", "echoer"), []byte("#!/bin/sh\necho \"args: $*\"\n"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bin", "broken"), []byte("#!/bin/sh\necho 'bad input' >&2\nexit 3\n"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "icc", "colord", "Test.icc"), []byte("icc"), 0o644))
	return dir
}

func TestUnsetSkipsSayingMakeReftools(t *testing.T) {
	t.Setenv(EnvVar, "")
	r := &recorder{TB: t}
	assert.Empty(t, Path(r, "heif-enc"))
	assert.Contains(t, r.skipped, "make reftools")
	assert.Empty(t, r.failed)
}

func TestSetButMissingFails(t *testing.T) {
	t.Setenv(EnvVar, filepath.Join(t.TempDir(), "nowhere"))
	r := &recorder{TB: t}
	Dir(r)
	assert.Contains(t, r.failed, "not a folder of reference tools")
	assert.Empty(t, r.skipped)

	t.Setenv(EnvVar, fakeTools(t))
	r = &recorder{TB: t}
	Path(r, "heif-enc")
	assert.Contains(t, r.failed, `reference tool "heif-enc" is not installed`)

	r = &recorder{TB: t}
	Profile(r, "colord/Missing.icc")
	assert.Contains(t, r.failed, `ICC profile "colord/Missing.icc" is not installed`)
}

func TestRunReturnsStdoutAndFailsOnExitStatus(t *testing.T) {
	t.Setenv(EnvVar, fakeTools(t))
	assert.Equal(t, "args: -o out.heic in.png\n", string(Run(t, "echoer", "-o", "out.heic", "in.png")))
	assert.FileExists(t, Profile(t, "colord/Test.icc"))

	r := &recorder{TB: t}
	assert.Nil(t, Run(r, "broken", "x"))
	assert.Contains(t, r.failed, "broken x: exit status 3")
	assert.Contains(t, r.failed, "bad input")
}

// TestInstalledTools checks the real installation when make has set it up:
// every tool the imaging and colour tests use runs, and the profiles they
// name are there.
func TestInstalledTools(t *testing.T) {
	Dir(t)
	for _, tc := range []struct{ tool, arg string }{
		{"heif-enc", "--list-encoders"}, {"avifenc", "--version"},
		{"avifdec", "--version"}, {"cwebp", "-version"}, {"dwebp", "-version"},
		{"vips", "--version"}, {"vipsheader", "--version"},
	} {
		t.Run(tc.tool, func(t *testing.T) { assert.NotEmpty(t, Run(t, tc.tool, tc.arg)) })
	}
	for _, tool := range []string{"jpgicc", "tificc", "transicc", "heif-convert", "heif-info", "vipsthumbnail"} {
		Path(t, tool)
	}
	for _, p := range []string{"sRGB.icc", "Gray.icc", "colord/AdobeRGB1998.icc", "colord/ProPhotoRGB.icc",
		"colord/SwappedRedAndGreen.icc", "colord/WideGamutRGB.icc"} {
		Profile(t, p)
	}
}
