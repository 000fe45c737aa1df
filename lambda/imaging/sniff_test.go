package imaging

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/fault"
)

func TestSniff(t *testing.T) {
	cases := []struct {
		name   string
		data   string
		format Format
		reason contract.Reason
		says   string
	}{
		{"jpeg", "\xff\xd8\xff\xe0rest", FormatJPEG, "", ""},
		{"png", "\x89PNG\r\n\x1a\nrest", FormatPNG, "", ""},
		{"gif87a", "GIF87a...", FormatGIF, "", ""},
		{"gif89a", "GIF89a...", FormatGIF, "", ""},
		{"webp", "RIFF\x00\x00\x00\x00WEBPVP8 ", FormatWebP, "", ""},
		{"bmp", "BM\x00\x00", FormatBMP, "", ""},
		{"tiff little-endian", "II*\x00\x08\x00\x00\x00", FormatTIFF, "", ""},
		{"tiff big-endian", "MM\x00*\x00\x00\x00\x08", FormatTIFF, "", ""},
		{"empty", "", "", contract.ReasonEmpty, "zero bytes"},
		{"jpeg SOI alone", "\xff\xd8", "", contract.ReasonUnsupportedFormat, "ffd8"},
		{"text", "just some words\n", "", contract.ReasonUnsupportedFormat, "looks like text"},
		{"json", `{"a": 1}`, "", contract.ReasonUnsupportedFormat, "JSON"},
		{"html", "<!doctype html><html>", "", contract.ReasonUnsupportedFormat, "XML/HTML"},
		{"zip", "PK\x03\x04\x14\x00", "", contract.ReasonUnsupportedFormat, "ZIP"},
		{"avif", "\x00\x00\x00\x1cftypavif\x00\x00", "", contract.ReasonUnsupportedFormat, "AVIF"},
		{"short riff", "RIFF\x00\x00", "", contract.ReasonUnsupportedFormat, "RIFF"},
		{"gif87b", "GIF87b", "", contract.ReasonUnsupportedFormat, "GIF with an unknown version"},
		{"binary", "\x00\x9f\x92\x96", "", contract.ReasonUnsupportedFormat, "first 4: 009f9296"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := sniff([]byte(tc.data))
			if tc.reason == "" {
				require.NoError(t, err)
				assert.Equal(t, tc.format, f)
				return
			}
			require.Error(t, err)
			r, ok := fault.ReasonOf(err)
			require.True(t, ok)
			assert.Equal(t, tc.reason, r)
			assert.Contains(t, err.Error(), tc.says)
		})
	}
}

func TestLooksLikeText(t *testing.T) {
	assert.True(t, looksLikeText([]byte("héllo\tworld\r\n")))
	assert.False(t, looksLikeText([]byte("abc\x00def")))
	assert.False(t, looksLikeText([]byte("\xc3\x28 invalid")))
	assert.False(t, looksLikeText(nil))
}
