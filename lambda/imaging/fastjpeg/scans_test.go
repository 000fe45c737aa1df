package fastjpeg

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repeatScan returns data with its first scan (SOS segment and entropy-coded
// data, up to EOI) repeated n times.
func repeatScan(t *testing.T, data []byte, n int) []byte {
	t.Helper()
	sos := bytes.Index(data, []byte{0xFF, mSOS})
	require.Positive(t, sos)
	scan := data[sos : len(data)-2]
	out := bytes.Clone(data[:sos])
	for range n {
		out = append(out, scan...)
	}
	return append(out, 0xFF, mEOI)
}

func TestCountScans(t *testing.T) {
	baseline := encode(t, photo(64, 64, 3), 90)
	progressive := testdata(t, "video-001.progressive.jpeg")
	restarts := testdata(t, "video-001.restart2.jpeg")
	require.True(t, bytes.Contains(restarts, []byte{0xFF, mRST0}), "the file has restart markers")
	// An APP1 segment whose payload is a whole JPEG, like an EXIF thumbnail.
	app1 := append([]byte{0xFF, 0xE1, byte((len(baseline) + 2) >> 8), byte(len(baseline) + 2)}, baseline...)
	withThumb := append(append(bytes.Clone(baseline[:2]), app1...), baseline[2:]...)

	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"baseline", baseline, 1},
		{"progressive", progressive, 10}, // libjpeg's default progression
		{"segment payloads are skipped", withThumb, 1},
		{"restart markers and stuffing are not scans", restarts, 1},
		{"counting stops past the limit", repeatScan(t, baseline, 3*MaxScans), MaxScans + 1},
		{"no EOI", baseline[:len(baseline)-2], 1},
		{"empty", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, countScans(tt.data))
		})
	}
}

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return data
}

func TestDecodeRefusesTooManyScans(t *testing.T) {
	good := encode(t, photo(40, 30, 4), 80)
	_, err := Decode(repeatScan(t, good, MaxScans), 1)
	require.NoError(t, err, "MaxScans scans are allowed")

	tests := []struct {
		name string
		data []byte
	}{
		{"baseline", repeatScan(t, good, MaxScans+1)},
		// A variant this decoder hands to image/jpeg is refused as corrupt,
		// not unsupported, so that the fallback is bounded too.
		{"arithmetic-coded", replaceSOF(repeatScan(t, good, MaxScans+1), 0xC9)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.data, 8)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrCorrupt), "got %v", err)
			assert.False(t, errors.Is(err, ErrUnsupported), "got %v", err)
			assert.ErrorContains(t, err, "scans")
		})
	}
}
