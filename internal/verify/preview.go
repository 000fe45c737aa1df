package verify

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/imgpipe/imgpipe/lambda/imaging/preview"
	"github.com/imgpipe/imgpipe/lambda/metadata"
)

// AssertPreview checks a PROCESSED record of version 2 or later: its
// placeholder decodes as a 4×3 BlurHash and its average and dominant
// colours are #rrggbb.
func AssertPreview(t testing.TB, rec *metadata.Record) {
	t.Helper()
	assert.GreaterOrEqual(t, rec.RecordVersion, 2, "%s: record version", rec.Key)
	_, err := preview.DecodePlaceholder(rec.Placeholder, 32, 32)
	assert.NoError(t, err, "%s: placeholder %q", rec.Key, rec.Placeholder)
	for name, c := range map[string]string{"averageColor": rec.AverageColor, "dominantColor": rec.DominantColor} {
		_, err := preview.ParseColor(c)
		assert.NoError(t, err, "%s: %s", rec.Key, name)
	}
}
