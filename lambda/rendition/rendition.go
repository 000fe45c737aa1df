// Package rendition names what a version's thumbnails depend on and
// condenses it into a fingerprint stored in the metadata record.
//
// Two results for the same object version with the same fingerprint are the
// same result (a redelivered event: a duplicate, nothing is rewritten). A
// result with a different fingerprint was made under other settings or by
// other imaging code: it replaces the stored record and counts as
// reprocessed (see lambda/metadata's write rule). `imgpipe reprocess
// --older-than-config` finds the records whose fingerprint differs from the
// one of the deployed configuration.
package rendition

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/config"
)

// Version is the version of the rendition code. Bump it when the imaging
// code changes the thumbnails it makes from the same bytes and settings
// (resampling, encoder, orientation or colour handling), so that every
// stored record becomes older than the code and can be reprocessed.
//
// Version 3: lossy WebP uploads are decoded in full range (their thumbnails
// were washed out), and records gain the placeholder and colours.
const Version = 3

// Settings are every input that decides the thumbnails of an image. Adding
// a setting is one field here and one line in FromConfig. Give the field
// `json:",omitempty"` when its zero value means "what the code did before
// the setting existed", so adding it leaves existing fingerprints (and
// records) current.
type Settings struct {
	Version int      `json:"version"`
	Sizes   []int    `json:"sizes"`   // longest edges, ascending
	Formats []string `json:"formats"` // encodings written per size
	Quality int      `json:"quality"` // JPEG quality
	// WebPQuality and AVIFQuality are the qualities of those formats; 0
	// when the format is not written.
	WebPQuality int `json:"webpQuality,omitempty"`
	AVIFQuality int `json:"avifQuality,omitempty"`
	// ColorOutput is "preserve" when thumbnails keep the source's colours;
	// "" for sRGB, what thumbnails always were before the setting.
	ColorOutput string `json:"colorOutput,omitempty"`
	// CacheControl is the thumbnails' Cache-Control header ("" for none):
	// a reprocess after changing it rewrites the objects with the new one.
	CacheControl string `json:"cacheControl,omitempty"`
}

// FromConfig returns the settings of a processor configuration.
func FromConfig(c config.Config) Settings {
	s := Settings{
		Version:      Version,
		Sizes:        c.ThumbnailSizes,
		Quality:      c.JPEGQuality,
		CacheControl: c.ThumbnailCacheControl,
	}
	for _, f := range c.ThumbnailFormats {
		s.Formats = append(s.Formats, f.Name)
		switch f {
		case contract.FormatWebP:
			s.WebPQuality = c.WebPQuality
		case contract.FormatAVIF:
			s.AVIFQuality = c.AVIFQuality
		}
	}
	if len(s.Formats) == 0 {
		s.Formats = []string{contract.FormatJPEG.Name}
	}
	if c.ColorOutput != "" && c.ColorOutput != contract.DefaultColorOutput {
		s.ColorOutput = c.ColorOutput
	}
	return s
}

// Fingerprint is a short stable digest of s: 32 hex digits of the SHA-256
// of its canonical JSON (sizes and formats sorted, so their order in the
// configuration does not matter).
func (s Settings) Fingerprint() string {
	c := s
	c.Sizes = slices.Sorted(slices.Values(s.Sizes))
	c.Formats = slices.Sorted(slices.Values(s.Formats))
	b, err := json.Marshal(c)
	if err != nil {
		// Settings holds only ints and strings: Marshal cannot fail.
		panic(fmt.Sprintf("rendition: encode settings: %v", err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
