package rendition_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/config"
	"github.com/imgpipe/imgpipe/lambda/rendition"
)

func TestFromConfig(t *testing.T) {
	s := rendition.FromConfig(config.Config{ThumbnailSizes: []int{256, 1024}, JPEGQuality: 82})
	assert.Equal(t, rendition.Settings{Version: rendition.Version, Sizes: []int{256, 1024}, Formats: []string{"jpeg"}, Quality: 82}, s)
	s = rendition.FromConfig(config.Config{ThumbnailSizes: []int{256}, JPEGQuality: 82,
		ThumbnailFormats: []contract.ThumbnailFormat{contract.FormatJPEG, contract.FormatWebP}, WebPQuality: 72, AVIFQuality: 58,
		ThumbnailCacheControl: "public, max-age=86400", ColorOutput: "srgb"})
	assert.Equal(t, rendition.Settings{Version: rendition.Version, Sizes: []int{256}, Formats: []string{"jpeg", "webp"}, Quality: 82,
		WebPQuality: 72, CacheControl: "public, max-age=86400"}, s, "AVIF's quality only counts when AVIF is written; srgb is the default")
	s = rendition.FromConfig(config.Config{ThumbnailSizes: []int{256}, JPEGQuality: 82,
		ThumbnailFormats: []contract.ThumbnailFormat{contract.FormatAVIF}, WebPQuality: 72, AVIFQuality: 58, ColorOutput: "preserve"})
	assert.Equal(t, rendition.Settings{Version: rendition.Version, Sizes: []int{256}, Formats: []string{"avif"}, Quality: 82,
		AVIFQuality: 58, ColorOutput: "preserve"}, s)
}

// The canonical form is part of the stored data: changing it by accident
// would make every record look older than the configuration.
func TestFingerprintCanonicalForm(t *testing.T) {
	s := rendition.Settings{Version: 1, Sizes: []int{1024, 256}, Formats: []string{"jpeg"}, Quality: 82}
	sum := sha256.Sum256([]byte(`{"version":1,"sizes":[256,1024],"formats":["jpeg"],"quality":82}`))
	assert.Equal(t, hex.EncodeToString(sum[:16]), s.Fingerprint(), "settings at their zero value leave the fingerprint as it was before they existed")
	s.Formats, s.WebPQuality, s.ColorOutput, s.CacheControl = []string{"webp", "jpeg"}, 75, "preserve", "max-age=60"
	sum = sha256.Sum256([]byte(`{"version":1,"sizes":[256,1024],"formats":["jpeg","webp"],"quality":82,"webpQuality":75,"colorOutput":"preserve","cacheControl":"max-age=60"}`))
	assert.Equal(t, hex.EncodeToString(sum[:16]), s.Fingerprint())
	assert.Equal(t, []int{1024, 256}, s.Sizes, "Fingerprint does not reorder the caller's slice")
}

func TestFingerprintChangesWithEverySetting(t *testing.T) {
	base := rendition.Settings{Version: 1, Sizes: []int{256, 1024}, Formats: []string{"jpeg"}, Quality: 82}
	tests := []struct {
		name   string
		change func(*rendition.Settings)
		same   bool
	}{
		{"nothing", func(*rendition.Settings) {}, true},
		{"sizes in another order", func(s *rendition.Settings) { s.Sizes = []int{1024, 256} }, true},
		{"a size added", func(s *rendition.Settings) { s.Sizes = []int{256, 512, 1024} }, false},
		{"a size removed", func(s *rendition.Settings) { s.Sizes = []int{256} }, false},
		{"quality", func(s *rendition.Settings) { s.Quality = 90 }, false},
		{"format", func(s *rendition.Settings) { s.Formats = []string{"jpeg", "webp"} }, false},
		{"code version", func(s *rendition.Settings) { s.Version = 2 }, false},
		{"webp quality", func(s *rendition.Settings) { s.Formats, s.WebPQuality = []string{"jpeg", "webp"}, 75 }, false},
		{"avif quality", func(s *rendition.Settings) { s.AVIFQuality = 60 }, false},
		{"colour output", func(s *rendition.Settings) { s.ColorOutput = "preserve" }, false},
		{"cache control", func(s *rendition.Settings) { s.CacheControl = "public, max-age=60" }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := base
			s.Sizes = append([]int(nil), base.Sizes...)
			tc.change(&s)
			assert.Equal(t, tc.same, s.Fingerprint() == base.Fingerprint())
			assert.Regexp(t, "^[0-9a-f]{32}$", s.Fingerprint())
		})
	}
}
