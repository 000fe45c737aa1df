package contract

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
			for _, f := range ThumbnailFormats {
				up, sz, ok := UploadKeyOfThumbnail(ThumbnailsPrefix, UploadsPrefix, f.Key(ThumbnailsPrefix, UploadsPrefix, key, size))
				assert.True(t, ok)
				assert.Equal(t, key, up, f.Name)
				assert.Equal(t, size, sz)
			}
		}
	}
	for _, bad := range []string{
		"uploads/cat.png", "thumbnails/cat.png.jpg", "thumbnails/abc/cat.png.jpg", "thumbnails/0256/cat.png.jpg",
		"thumbnails/256/cat.png", "thumbnails/256/.jpg", "thumbnails/-1/a.jpg", "thumbnails/256", "thumbnails/256/.webp", "thumbnails/256/cat.png.gif",
	} {
		_, _, ok := UploadKeyOfThumbnail(ThumbnailsPrefix, UploadsPrefix, bad)
		assert.False(t, ok, bad)
	}
}

func TestFormatKeys(t *testing.T) {
	const key = "uploads/a/cat.png"
	// The JPEG key is the one written before formats were configurable.
	assert.Equal(t, ThumbnailKey(ThumbnailsPrefix, UploadsPrefix, key, 256), FormatJPEG.Key(ThumbnailsPrefix, UploadsPrefix, key, 256))
	assert.Equal(t, "thumbnails/256/a/cat.png.jpg", FormatJPEG.Key(ThumbnailsPrefix, UploadsPrefix, key, 256))
	assert.Equal(t, "thumbnails/256/a/cat.png.webp", FormatWebP.Key(ThumbnailsPrefix, UploadsPrefix, key, 256))
	assert.Equal(t, "thumbnails/1024/a/cat.png.avif", FormatAVIF.Key(ThumbnailsPrefix, UploadsPrefix, key, 1024))
	exts, types := map[string]bool{}, map[string]bool{}
	for _, f := range ThumbnailFormats {
		assert.False(t, exts[f.Ext] || types[f.ContentType], "%s shares its extension or Content-Type", f.Name)
		exts[f.Ext], types[f.ContentType] = true, true
		got, ok := LookupThumbnailFormat(f.Name)
		assert.True(t, ok)
		assert.Equal(t, f, got)
	}
}

func TestParseThumbnailFormats(t *testing.T) {
	tests := []struct {
		in      string
		want    []ThumbnailFormat
		wantErr string
	}{
		{"jpeg", []ThumbnailFormat{FormatJPEG}, ""},
		{"webp,jpeg", []ThumbnailFormat{FormatJPEG, FormatWebP}, ""},
		{" AVIF , webp ,jpeg,webp", []ThumbnailFormat{FormatJPEG, FormatWebP, FormatAVIF}, ""},
		{"webp", []ThumbnailFormat{FormatWebP}, ""},
		{"jpg", nil, `"jpg" is not a thumbnail format (jpeg, webp, avif)`},
		{"jpeg,,webp", nil, `"" is not a thumbnail format`},
		{"", nil, `"" is not a thumbnail format`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseThumbnailFormats(tc.in)
			if tc.wantErr != "" {
				assert.ErrorContains(t, err, tc.wantErr)
				return
			}
			assert.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestSettingsAreConsistent checks every declared setting: unique names,
// a default of its kind that its own limits accept, and exactly one way
// for Terraform to set it.
func TestSettingsAreConsistent(t *testing.T) {
	names, envs := map[string]bool{}, map[string]bool{}
	for _, s := range Settings {
		t.Run(s.Name, func(t *testing.T) {
			assert.False(t, names[s.Name], "name used twice")
			assert.False(t, envs[s.Env], "environment variable used twice")
			names[s.Name], envs[s.Env] = true, true
			assert.Regexp(t, `^[a-z][a-z0-9_]*$`, s.Name)
			assert.Regexp(t, `^[A-Z][A-Z0-9_]*$`, s.Env)
			assert.False(t, s.Input && s.HCL != "", "an Input setting gets its value from its input variable, not from HCL")
			if s.Input {
				assert.NotEmpty(t, s.Description, "an input variable needs a description")
			}
			if s.Required {
				assert.Nil(t, s.Default, "a required setting has no default")
				return
			}
			switch s.Kind {
			case KindString:
				assert.IsType(t, "", s.Default)
				if s.Pattern != "" {
					assert.Regexp(t, "^(?:"+s.Pattern+")$", s.Default, "the default matches the pattern")
					assert.NotEmpty(t, s.PatternDoc, "a pattern needs its description")
				}
			case KindInt:
				d, ok := s.Default.(int)
				require.True(t, ok, "default %#v is no int", s.Default)
				assert.True(t, s.Range.Contains(int64(d)), "default %d outside %v", d, s.Range)
				assert.LessOrEqual(t, s.Range.Min, s.Range.Max)
			case KindIntList:
				d, ok := s.Default.([]int)
				require.True(t, ok, "default %#v is no []int", s.Default)
				assert.True(t, s.Count.Contains(int64(len(d))), "%d defaults, allowed %v", len(d), s.Count)
				seen := map[int]bool{}
				for _, n := range d {
					assert.True(t, s.Range.Contains(int64(n)), "default %d outside %v", n, s.Range)
					assert.False(t, seen[n], "default %d twice", n)
					seen[n] = true
				}
			case KindEnum:
				assert.Contains(t, s.Values, s.Default)
			case KindEnumList:
				d, ok := s.Default.([]string)
				require.True(t, ok, "default %#v is no []string", s.Default)
				assert.True(t, s.Count.Contains(int64(len(d))), "%d defaults, allowed %v", len(d), s.Count)
				assert.LessOrEqual(t, s.Count.Max, int64(len(s.Values)))
				for _, v := range d {
					assert.Contains(t, s.Values, v)
				}
			case KindBool:
				assert.IsType(t, false, s.Default)
			default:
				t.Errorf("unknown kind %q", s.Kind)
			}
		})
	}
}

func TestAccepted(t *testing.T) {
	assert.Equal(t, "an integer from 1 to 100", SettingJPEGQuality.Accepted())
	assert.Equal(t, "DEBUG, INFO, WARN or ERROR (case-insensitive)", SettingLogLevel.Accepted())
	assert.Equal(t, `a comma-separated list of 1 to 8 distinct integers from 16 to 4096, e.g. "256,1024"`, SettingThumbnailSizes.Accepted())
	assert.Equal(t, "256,1024", SettingThumbnailSizes.EnvDefault())
	assert.Equal(t, "false", SettingS3UsePathStyle.EnvDefault())
	assert.Empty(t, SettingTableName.EnvDefault())
}
