// Package reftools lets tests find and run the reference tools that
// `make reftools` installs from Debian (heif-enc, avifenc, jpgicc, tificc,
// transicc, cwebp, vips, ...) and the ICC profiles installed with them.
// It is test support: nothing in the Lambda imports it.
//
// The tools live under $IMGPIPE_REFTOOLS (bin/ holds one wrapper per
// program, icc/ the profiles of colord-data and icc-profiles-free).
// Every make target that runs Go tests sets that variable after installing
// them. When it is unset (a plain `go test`), a test that needs a tool is
// skipped with a message saying to run `make reftools`; when it is set and
// a tool is missing or fails, the test fails, so CI always runs them.
package reftools

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// EnvVar names the folder `make reftools` installs into.
const EnvVar = "IMGPIPE_REFTOOLS"

// Dir returns the reference tools' folder. It skips the test when EnvVar
// is unset and fails it when EnvVar names no folder.
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv(EnvVar)
	if dir == "" {
		t.Skipf("%s is unset: this test needs the Debian reference tools; run `make reftools` and set %s=$PWD/.tools/reftools (make test does both)", EnvVar, EnvVar)
		return ""
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Fatalf("%s=%q is not a folder of reference tools (run make reftools): %v", EnvVar, dir, err)
		return ""
	}
	return dir
}

// Path returns the path of a tool's wrapper (e.g. "heif-enc"); the test
// fails when the tool is not installed.
func Path(t testing.TB, tool string) string {
	t.Helper()
	dir := Dir(t)
	if dir == "" {
		return ""
	}
	p := filepath.Join(dir, "bin", tool)
	if st, err := os.Stat(p); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		t.Fatalf("reference tool %q is not installed under %s/bin (add its package to tools/reftools and run make reftools): %v", tool, dir, err)
		return ""
	}
	return p
}

// Command returns an exec.Cmd for a tool, for tests that need stdin or
// their own handling of the outcome.
func Command(t testing.TB, tool string, args ...string) *exec.Cmd {
	t.Helper()
	return exec.Command(Path(t, tool), args...)
}

// Run runs a tool and returns its standard output. A tool that exits
// non-zero fails the test with its command line and standard error.
func Run(t testing.TB, tool string, args ...string) []byte {
	t.Helper()
	path := Path(t, tool)
	if path == "" { // skipped or failed (a recording testing.TB returns)
		return nil
	}
	cmd := exec.Command(path, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, stderr.String())
		return nil
	}
	return stdout.Bytes()
}

// Profile returns the path of an installed ICC profile, relative to the
// profiles folder: "sRGB.icc", "colord/AdobeRGB1998.icc",
// "colord/ProPhotoRGB.icc", "colord/SwappedRedAndGreen.icc", ... The test
// fails when it is missing.
func Profile(t testing.TB, name string) string {
	t.Helper()
	dir := Dir(t)
	if dir == "" {
		return ""
	}
	p := filepath.Join(dir, "icc", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("ICC profile %q is not installed under %s/icc (run make reftools): %v", name, dir, err)
		return ""
	}
	return p
}
