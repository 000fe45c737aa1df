package contract

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestThumbnailKey(t *testing.T) {
	tests := []struct {
		key  string
		size int
		want string
	}{
		{"uploads/cat.png", 256, "thumbnails/256/cat.png.jpg"},
		{"uploads/a/b/c.JPG", 1024, "thumbnails/1024/a/b/c.JPG.jpg"},
		{"uploads/holiday photo ü.jpeg", 256, "thumbnails/256/holiday photo ü.jpeg.jpg"},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			got := ThumbnailKey(ThumbnailsPrefix, UploadsPrefix, tc.key, tc.size)
			assert.Equal(t, tc.want, got)
			assert.False(t, strings.HasPrefix(got, UploadsPrefix), "a thumbnail must never land under the uploads prefix")
		})
	}
}

func TestPrefixesDoNotNest(t *testing.T) {
	prefixes := []string{UploadsPrefix, ThumbnailsPrefix, BatchOperationsPrefix}
	for _, a := range prefixes {
		for _, b := range prefixes {
			if a != b {
				assert.False(t, strings.HasPrefix(a, b), "%q nests in %q", a, b)
			}
		}
	}
}

func TestUploadKeyOfThumbnail(t *testing.T) {
	for _, key := range []string{"uploads/cat.png", "uploads/a/b/c.JPG", "uploads/holiday photo ü.jpeg", "uploads/x.jpg"} {
		for _, size := range []int{16, 256, 4096} {
			up, sz, ok := UploadKeyOfThumbnail(ThumbnailsPrefix, UploadsPrefix, ThumbnailKey(ThumbnailsPrefix, UploadsPrefix, key, size))
			assert.True(t, ok)
			assert.Equal(t, key, up)
			assert.Equal(t, size, sz)
		}
	}
	for _, bad := range []string{
		"uploads/cat.png", "thumbnails/cat.png.jpg", "thumbnails/abc/cat.png.jpg", "thumbnails/0256/cat.png.jpg",
		"thumbnails/256/cat.png", "thumbnails/256/.jpg", "thumbnails/-1/a.jpg", "thumbnails/256",
	} {
		_, _, ok := UploadKeyOfThumbnail(ThumbnailsPrefix, UploadsPrefix, bad)
		assert.False(t, ok, bad)
	}
}
