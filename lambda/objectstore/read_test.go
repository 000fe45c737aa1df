package objectstore

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadCapped(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 300) // 3000 bytes
	tests := []struct {
		name      string
		body      []byte
		size, max int64
		wantLen   int
		wantCap   int // 0: not checked (the buffer had to grow)
	}{
		{"size known: one buffer of size+1", body, 3000, 5000, 3000, 3001},
		{"size known, at the cap", body, 3000, 3000, 3000, 3001},
		{"over the cap: stops at cap+1", body, 3000, 1000, 1001, 1001},
		{"size unknown", body, 0, 5000, 3000, 0},
		{"size unknown, over the cap", body, 0, 1000, 1001, 0},
		{"Content-Length smaller than the body", body, 100, 5000, 3000, 0},
		{"empty body", []byte{}, 0, 5000, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for name, r := range map[string]io.Reader{
				"whole":    bytes.NewReader(tc.body),
				"one byte": iotest.OneByteReader(bytes.NewReader(tc.body)),
				"half":     iotest.HalfReader(bytes.NewReader(tc.body)),
			} {
				got, err := readCapped(r, tc.size, tc.max)
				require.NoError(t, err, name)
				assert.Equal(t, tc.body[:tc.wantLen], got, name)
				if tc.wantCap > 0 {
					assert.Equal(t, tc.wantCap, cap(got), "%s: allocated once", name)
				}
			}
		})
	}
	boom := errors.New("connection reset")
	_, err := readCapped(io.MultiReader(bytes.NewReader(body[:10]), iotest.ErrReader(boom)), 3000, 5000)
	assert.ErrorIs(t, err, boom)
}
