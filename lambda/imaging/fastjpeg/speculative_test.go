package fastjpeg

import (
	"bytes"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pixelsOf returns the planes of a decoded image as one byte slice.
func pixelsOf(t testing.TB, img image.Image) []byte {
	t.Helper()
	switch m := img.(type) {
	case *image.YCbCr:
		return append(append(append([]byte(nil), m.Y...), m.Cb...), m.Cr...)
	case *image.Gray:
		return m.Pix
	}
	t.Fatalf("unexpected %T", img)
	return nil
}

// TestSpeculativeDecodeIsExact: with two CPUs, large baseline scans are
// entropy-decoded in two halves; the pixels must be exactly those of the
// sequential decode, and the halves must actually meet.
func TestSpeculativeDecodeIsExact(t *testing.T) {
	inputs := map[string][]byte{
		"generated 1400x1100 q90":  encode(t, photo(1400, 1100, 1), 90),
		"generated 1024x1536 q60":  encode(t, photo(1024, 1536, 2), 60),
		"generated 2048x1024 q100": encode(t, photo(2048, 1024, 3), 100),
	}
	if b, err := os.ReadFile(filepath.Join("..", "..", "..", ".tools", "bench-images", "phone-12mp.jpg")); err == nil {
		inputs["phone-12mp"] = b
	}
	before := specStats.synced.Load()
	for name, data := range inputs {
		for _, scale := range []int{2, 4, 8} {
			t.Run(fmt.Sprintf("%s/scale%d", name, scale), func(t *testing.T) {
				prev := runtime.GOMAXPROCS(1)
				seq, err := Decode(data, scale)
				runtime.GOMAXPROCS(2)
				require.NoError(t, err)
				par, err := Decode(data, scale)
				runtime.GOMAXPROCS(prev)
				require.NoError(t, err)
				assert.Equal(t, seq.Bounds(), par.Bounds())
				assert.True(t, bytes.Equal(pixelsOf(t, seq), pixelsOf(t, par)), "speculative decode differs from the sequential one")
			})
		}
	}
	assert.Greater(t, specStats.synced.Load(), before, "no speculative decode synchronised")
	t.Logf("synced %d, sequential %d, redone %d", specStats.synced.Load(), specStats.sequential.Load(), specStats.redone.Load())
}

// TestSpeculativeDecodeOfDamagedData: damage in either half is reported as
// the sequential decoder reports it (or tolerated as it tolerates it).
func TestSpeculativeDecodeOfDamagedData(t *testing.T) {
	good := encode(t, photo(1400, 1100, 4), 85)
	sos := bytes.Index(good, []byte{0xFF, 0xDA})
	require.Positive(t, sos)
	for _, at := range []float64{0.3, 0.55, 0.75, 0.98} {
		for _, cut := range []bool{false, true} {
			data := bytes.Clone(good)
			i := sos + 20 + int(at*float64(len(good)-sos-22))
			if cut {
				data = data[:i]
			} else {
				for k := i; k < i+40 && k < len(data)-2; k++ {
					if data[k] != 0xFF && data[k-1] != 0xFF {
						data[k] ^= 0x5A
					}
				}
			}
			for _, scale := range []int{2, 8} {
				prev := runtime.GOMAXPROCS(1)
				seq, errSeq := Decode(data, scale)
				runtime.GOMAXPROCS(2)
				par, errPar := Decode(data, scale)
				runtime.GOMAXPROCS(prev)
				if errSeq != nil {
					assert.Error(t, errPar, "at %.2f cut %v scale %d: sequential fails with %v", at, cut, scale, errSeq)
					continue
				}
				require.NoError(t, errPar, "at %.2f cut %v scale %d", at, cut, scale)
				assert.True(t, bytes.Equal(pixelsOf(t, seq), pixelsOf(t, par)), "at %.2f cut %v scale %d: pixels differ", at, cut, scale)
			}
		}
	}
}

// FuzzSpeculativeMatchesSequential damages a large baseline JPEG (a few
// flipped bytes, maybe a cut) and checks that the speculative decoder
// agrees with the sequential one: both fail, or both give the same pixels.
func FuzzSpeculativeMatchesSequential(f *testing.F) {
	good := encode(f, photo(1100, 1000, 5), 80)
	f.Add(uint32(0), uint8(0), uint32(0), uint8(2))
	f.Add(uint32(len(good)/2), uint8(0x40), uint32(0), uint8(8))
	f.Add(uint32(len(good)/3), uint8(0x01), uint32(len(good)*2/3), uint8(4))
	f.Fuzz(func(t *testing.T, at uint32, flip uint8, cut uint32, sel uint8) {
		data := bytes.Clone(good)
		for k := range 3 {
			if i := int(at)%len(data) + 7*k; i < len(data) {
				data[i] ^= flip
			}
		}
		if c := int(cut) % (len(data) + 1); c > 0 {
			data = data[:c]
		}
		scale := []int{2, 4, 8}[int(sel)%3]
		prev := runtime.GOMAXPROCS(1)
		seq, errSeq := Decode(data, scale)
		runtime.GOMAXPROCS(2)
		par, errPar := Decode(data, scale)
		runtime.GOMAXPROCS(prev)
		if (errSeq == nil) != (errPar == nil) {
			t.Fatalf("sequential: %v; speculative: %v", errSeq, errPar)
		}
		if errSeq == nil && !bytes.Equal(pixelsOf(t, seq), pixelsOf(t, par)) {
			t.Fatal("speculative pixels differ from sequential ones")
		}
	})
}

func TestUnstuffedBits(t *testing.T) {
	for _, tc := range []struct {
		data []byte
		want uint64
	}{
		{nil, 0},
		{[]byte{1, 2, 3}, 24},
		{[]byte{0xFF, 0, 5}, 16},
		{[]byte{0xFF, 0, 0xFF, 0}, 16},
		{[]byte{7, 0xFF}, 16}, // a trailing 0xFF (the start of a marker) is counted as data here
	} {
		assert.Equal(t, tc.want, unstuffedBits(tc.data), "%x", tc.data)
	}
}
