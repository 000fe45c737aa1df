package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckImagesOutsideOutput(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"out/run/uploads", "images", "out/runs-other"} {
		require.NoError(t, os.MkdirAll(filepath.Join(root, d), 0o755))
	}
	require.NoError(t, os.Symlink(filepath.Join(root, "out/run/uploads"), filepath.Join(root, "link-to-uploads")))
	require.NoError(t, os.Symlink(filepath.Join(root, "out"), filepath.Join(root, "link-to-out")))
	tests := []struct {
		name, images, out string
		inside            bool
	}{
		{"separate folders", "images", "out/run", false},
		{"images under the output folder", "out/run/uploads", "out/run", true},
		{"the output folder itself", "out/run", "out/run", true},
		{"unclean paths", "./out/../out/run/uploads/", "out/run/", true},
		{"sibling with a common name prefix", "out/runs-other", "out/run", false},
		{"output inside the images folder", "out", "out/run", false},
		{"images through a symlink", "link-to-uploads", "out/run", true},
		{"output through a symlink", "out/run/uploads", "link-to-out/run", true},
		{"output not created yet", "images", "out/new/run", false},
		{"images inside an output not created yet", "out/new/run/x", "out/new", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Chdir(root)
			err := checkImagesOutsideOutput(tc.images, tc.out)
			if !tc.inside {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorContains(t, err, "images folder "+tc.images)
			assert.ErrorContains(t, err, "is inside the output folder "+tc.out)
		})
	}
}

// run refuses before touching anything: the inputs survive.
func TestRunRefusesImagesInsideOutput(t *testing.T) {
	out := t.TempDir()
	images := filepath.Join(out, "uploads")
	require.NoError(t, os.MkdirAll(filepath.Join(out, "logs"), 0o755))
	require.NoError(t, os.MkdirAll(images, 0o755))
	photo := filepath.Join(images, "photo.jpg")
	require.NoError(t, os.WriteFile(photo, []byte("user data"), 0o644))

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), images, out, "unused", time.Second, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "is inside the output folder")
	got, err := os.ReadFile(photo)
	require.NoError(t, err, "the input is still there")
	assert.Equal(t, "user data", string(got))
	assert.DirExists(t, filepath.Join(out, "logs"), "nothing in the output folder was cleared")
}
