package config

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
)

func env(kv map[string]string) LookupFunc {
	return func(name string) (string, bool) { v, ok := kv[name]; return v, ok }
}

func base(extra map[string]string) map[string]string {
	m := map[string]string{contract.EnvTableName: "imgpipe-dev-metadata", contract.EnvEnvironment: "dev"}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(base(nil)))
	require.NoError(t, err)
	assert.Equal(t, Config{
		TableName:             "imgpipe-dev-metadata",
		Environment:           "dev",
		UploadsPrefix:         contract.UploadsPrefix,
		ThumbnailsPrefix:      contract.ThumbnailsPrefix,
		ThumbnailSizes:        []int{256, 1024},
		JPEGQuality:           contract.DefaultJPEGQuality,
		MaxImageBytes:         contract.DefaultMaxImageBytes,
		MaxImagePixels:        contract.DefaultMaxImagePixels,
		MetricNamespace:       contract.DefaultMetricNamespace,
		RecordConcurrency:     contract.DefaultRecordConcurrency,
		LogLevel:              slog.LevelInfo,
		ThumbnailFormats:      []contract.ThumbnailFormat{contract.FormatJPEG},
		WebPQuality:           contract.DefaultWebPQuality,
		AVIFQuality:           contract.DefaultAVIFQuality,
		ThumbnailCacheControl: contract.DefaultThumbnailCacheControl,
		ColorOutput:           "srgb",
		S3UsePathStyle:        false,
	}, c)
}

func TestLoadValues(t *testing.T) {
	c, err := Load(env(base(map[string]string{
		contract.EnvUploadsPrefix:         "in/",
		contract.EnvThumbnailsPrefix:      "out/thumbs/",
		contract.EnvThumbnailSizes:        " 512, 128,512 ,64",
		contract.EnvJPEGQuality:           "100",
		contract.EnvMaxImageBytes:         "1048576",
		contract.EnvMaxImagePixels:        "1000000",
		contract.EnvMetricNamespace:       "Team/Images",
		contract.EnvRecordConcurrency:     "64",
		contract.EnvLogLevel:              "debug",
		contract.EnvS3UsePathStyle:        "TRUE",
		contract.EnvThumbnailFormats:      "webp, JPEG",
		contract.EnvWebPQuality:           "80",
		contract.EnvAVIFQuality:           "40",
		contract.EnvThumbnailCacheControl: "no-cache",
		contract.EnvColorOutput:           "Preserve",
		contract.EnvDeletedRecordTTLDays:  "30",
	})))
	require.NoError(t, err)
	assert.Equal(t, "in/", c.UploadsPrefix)
	assert.Equal(t, "out/thumbs/", c.ThumbnailsPrefix)
	assert.Equal(t, []int{64, 128, 512}, c.ThumbnailSizes)
	assert.Equal(t, 100, c.JPEGQuality)
	assert.EqualValues(t, 1<<20, c.MaxImageBytes)
	assert.EqualValues(t, 1_000_000, c.MaxImagePixels)
	assert.Equal(t, "Team/Images", c.MetricNamespace)
	assert.Equal(t, 64, c.RecordConcurrency)
	assert.Equal(t, slog.LevelDebug, c.LogLevel)
	assert.True(t, c.S3UsePathStyle)
	assert.Equal(t, 30*24*time.Hour, c.DeletedRecordTTL)
	assert.Equal(t, []contract.ThumbnailFormat{contract.FormatJPEG, contract.FormatWebP}, c.ThumbnailFormats, "canonical order")
	assert.Equal(t, 80, c.WebPQuality)
	assert.Equal(t, 40, c.AVIFQuality)
	assert.Equal(t, "no-cache", c.ThumbnailCacheControl)
	assert.Equal(t, "preserve", c.ColorOutput)
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name, variable, value string
		wantInMessage         string
	}{
		{"quality zero", contract.EnvJPEGQuality, "0", "from 1 to 100"},
		{"quality too high", contract.EnvJPEGQuality, "101", "from 1 to 100"},
		{"quality not a number", contract.EnvJPEGQuality, "high", "from 1 to 100"},
		{"size too small", contract.EnvThumbnailSizes, "8,256", "16 to 4096"},
		{"size too big", contract.EnvThumbnailSizes, "256,5000", "16 to 4096"},
		{"size negative", contract.EnvThumbnailSizes, "-256", "16 to 4096"},
		{"size empty item", contract.EnvThumbnailSizes, "256,,1024", "comma-separated"},
		{"too many sizes", contract.EnvThumbnailSizes, "16,32,64,128,256,512,1024,2048,4096", "at most 8"},
		{"byte cap zero", contract.EnvMaxImageBytes, "0", "from 1 to"},
		{"byte cap negative", contract.EnvMaxImageBytes, "-5", "from 1 to"},
		{"pixel cap float", contract.EnvMaxImagePixels, "1.5e7", "from 1 to"},
		{"concurrency zero", contract.EnvRecordConcurrency, "0", "from 1 to 64"},
		{"concurrency too high", contract.EnvRecordConcurrency, "65", "from 1 to 64"},
		{"log level", contract.EnvLogLevel, "verbose", "DEBUG, INFO, WARN or ERROR"},
		{"path style", contract.EnvS3UsePathStyle, "yes", "true or false"},
		{"prefix without slash", contract.EnvUploadsPrefix, "uploads", `ending with "/"`},
		{"prefix with leading slash", contract.EnvUploadsPrefix, "/uploads/", `not starting with "/"`},
		{"thumbnails nested in uploads", contract.EnvThumbnailsPrefix, "uploads/thumbs/", "does not nest"},
		{"uploads nested in thumbnails", contract.EnvUploadsPrefix, "thumbnails/in/", "does not nest"},
		{"aws namespace", contract.EnvMetricNamespace, "AWS/Lambda", "CloudWatch namespace"},
		{"deleted record TTL negative", contract.EnvDeletedRecordTTLDays, "-1", "from 0 to 3650"},
		{"deleted record TTL too long", contract.EnvDeletedRecordTTLDays, "3651", "from 0 to 3650"},
		{"unknown format", contract.EnvThumbnailFormats, "jpeg,gif", `"gif" is not a thumbnail format (jpeg, webp, avif)`},
		{"format list empty item", contract.EnvThumbnailFormats, "jpeg,,webp", "1 to 3 of jpeg, webp, avif"},
		{"webp quality", contract.EnvWebPQuality, "0", "from 1 to 100"},
		{"avif quality", contract.EnvAVIFQuality, "101", "from 1 to 100"},
		{"cache control not ASCII", contract.EnvThumbnailCacheControl, "max-age=60, ü", "printable ASCII"},
		{"colour output", contract.EnvColorOutput, "p3", "srgb or preserve"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(env(base(map[string]string{tc.variable: tc.value})))
			require.Error(t, err)
			msg := err.Error()
			assert.Contains(t, msg, tc.wantInMessage)
			assert.Contains(t, msg, `"`+tc.value+`"`, "the message names the bad value")
		})
	}
}

func TestLoadRequiredAndAllErrorsAtOnce(t *testing.T) {
	_, err := Load(env(map[string]string{contract.EnvTableName: "  ", contract.EnvJPEGQuality: "0"}))
	require.Error(t, err)
	for _, want := range []string{contract.EnvTableName + " is required", contract.EnvEnvironment + " is required", contract.EnvJPEGQuality} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestParseSizes(t *testing.T) {
	tests := []struct {
		in      string
		want    []int
		wantErr bool
	}{
		{"256,1024", []int{256, 1024}, false},
		{"1024,256,256", []int{256, 1024}, false},
		{"16", []int{16}, false},
		{"4096", []int{4096}, false},
		{"15", nil, true},
		{"4097", nil, true},
		{"", nil, true},
		{"256;1024", nil, true},
		{"0x100", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSizes(tc.in)
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestLoadReadsEverySetting: a Setting declared in internal/contract but
// not read by Load (or read under another name) fails here.
func TestLoadReadsEverySetting(t *testing.T) {
	read := map[string]bool{}
	_, err := Load(func(name string) (string, bool) {
		read[name] = true
		return "", false
	})
	require.Error(t, err, "the required settings are unset")
	want := map[string]bool{}
	for _, s := range contract.Settings {
		want[s.Env] = true
	}
	assert.Equal(t, want, read)
}

// TestDefaultsAreValid: every default of contract.Settings passes Load's
// own validation, as if it had been set explicitly.
func TestDefaultsAreValid(t *testing.T) {
	explicit := base(nil)
	for _, s := range contract.Settings {
		if !s.Required {
			explicit[s.Env] = s.EnvDefault()
		}
	}
	c, err := Load(env(explicit))
	require.NoError(t, err)
	d, err := Load(env(base(nil)))
	require.NoError(t, err)
	assert.Equal(t, d, c, "defaults spelled out give the same configuration")
}

func TestEveryLogLevelIsAccepted(t *testing.T) {
	for _, name := range contract.LogLevels {
		for _, spelled := range []string{name, strings.ToLower(name)} {
			c, err := Load(env(base(map[string]string{contract.EnvLogLevel: spelled})))
			require.NoError(t, err, spelled)
			assert.Equal(t, name, c.LogLevel.String())
		}
	}
}
