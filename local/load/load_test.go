package load

import (
	"bytes"
	"image"
	_ "image/jpeg" // decode the generated images
	_ "image/png"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/local/faults"
)

func TestGenerateVariesAndRepeats(t *testing.T) {
	seen := map[string]bool{}
	formats := map[string]int{}
	sizes := map[int]bool{}
	for i := range 30 {
		img, err := Generate(7, i)
		require.NoError(t, err)
		cfg, format, err := image.DecodeConfig(bytes.NewReader(img.Body))
		require.NoError(t, err, img.Name)
		assert.Equal(t, img.Width, cfg.Width, img.Name)
		assert.Equal(t, img.Height, cfg.Height, img.Name)
		assert.LessOrEqual(t, max(cfg.Width, cfg.Height), maxEdge)
		assert.Equal(t, "image/"+format, img.ContentType)
		formats[format]++
		sizes[cfg.Width] = true
		assert.False(t, seen[string(img.Body)], "image %d repeats an earlier one's bytes", i)
		seen[string(img.Body)] = true
	}
	assert.Len(t, formats, 2, "JPEG and PNG")
	assert.Greater(t, len(sizes), 20, "sizes vary")
	a, err := Generate(7, 3)
	require.NoError(t, err)
	b, err := Generate(7, 3)
	require.NoError(t, err)
	assert.Equal(t, a, b, "the same seed and index give the same image")
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	assert.Equal(t, 50*time.Millisecond, percentile(d, 50))
	assert.Equal(t, 99*time.Millisecond, percentile(d, 99))
	assert.Equal(t, 100*time.Millisecond, percentile(d, 100))
	assert.Equal(t, time.Duration(0), percentile(nil, 50))
	assert.Equal(t, 7*time.Millisecond, percentile([]time.Duration{7 * time.Millisecond}, 99))
}

func TestSummarizeNamesWhatIsLost(t *testing.T) {
	ok := Result{Uploaded: 3, Records: 2, DeadLettered: []string{"uploads/c.jpg"}, DLQMessages: 1,
		Latencies: []time.Duration{time.Second, 3 * time.Second}, Elapsed: 4 * time.Second}
	s := Summarize(ok, "sqs", Options{N: 3}, faults.Default, faults.Counts{Kills: 2}, nil)
	assert.False(t, s.Lost, "a dead-lettered upload is accounted for")
	assert.Equal(t, 1, s.DLQ)
	assert.Equal(t, Latency{P50: 1000, P99: 3000, Max: 3000}, s.LatencyMs)
	assert.InDelta(t, 0.5, s.ThroughputPerS, 1e-9)
	assert.Equal(t, int64(2), s.Faults.Kills)

	for name, tc := range map[string]struct {
		res  Result
		want string
	}{
		"missing":    {Result{Uploaded: 2, Records: 1, Missing: []string{"uploads/b.jpg"}}, "1 uploads have no record and no dead-letter message (lost): uploads/b.jpg"},
		"duplicate":  {Result{Uploaded: 1, Records: 1, Duplicates: 1}, "1 duplicate records"},
		"failed":     {Result{Uploaded: 1, Records: 1, Failed: 1}, "1 generated images have a FAILED record"},
		"thumbnail":  {Result{Uploaded: 1, Records: 1, ThumbnailsMissing: []string{"thumbnails/a_256.jpg"}}, "thumbnails/a_256.jpg"},
		"not upload": {Result{UploadErrors: []string{"upload 0: SlowDown"}}, "1 uploads failed: upload 0: SlowDown"},
	} {
		s := Summarize(tc.res, "direct", Options{N: 2}, faults.Spec{}, faults.Counts{}, nil)
		assert.True(t, s.Lost, name)
		assert.Contains(t, s.Verdict[0], tc.want, name)
		var b bytes.Buffer
		require.NoError(t, s.Table(&b))
		assert.Contains(t, b.String(), "LOST", name)
	}
}
