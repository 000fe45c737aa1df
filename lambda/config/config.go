// Package config reads the processor's whole configuration from environment
// variables (names and defaults in internal/contract) and validates it at
// start-up, so a bad deployment fails before touching any AWS API with a
// message naming the variable, the value and what is accepted.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/imgpipe/imgpipe/internal/contract"
)

// Config is the validated configuration of the processor.
type Config struct {
	TableName         string
	Environment       string
	UploadsPrefix     string
	ThumbnailsPrefix  string
	ThumbnailSizes    []int // sorted ascending, deduplicated
	JPEGQuality       int
	MaxImageBytes     int64
	MaxImagePixels    int64
	MetricNamespace   string
	RecordConcurrency int
	LogLevel          slog.Level
	// ThumbnailFormats are the formats written per size, in canonical
	// order (contract.ParseThumbnailFormats): jpeg alone by default.
	ThumbnailFormats      []contract.ThumbnailFormat
	WebPQuality           int
	AVIFQuality           int
	ThumbnailCacheControl string
	ColorOutput           string // one of contract.ColorOutputs
	S3UsePathStyle        bool
	// DeletedRecordTTL is how long a DELETED record is kept before the
	// table's TTL may remove it; 0 keeps it.
	DeletedRecordTTL time.Duration
}

// LookupFunc reads one environment variable, like os.LookupEnv.
type LookupFunc func(name string) (string, bool)

// Load reads and validates every variable of contract.Settings. All
// problems are reported at once, each naming the variable, the bad value
// and the accepted values.
func Load(lookup LookupFunc) (Config, error) {
	r := reader{lookup: lookup}
	c := Config{
		TableName:             r.required(contract.SettingTableName),
		Environment:           r.required(contract.SettingEnvironment),
		UploadsPrefix:         r.prefix(contract.SettingUploadsPrefix),
		ThumbnailsPrefix:      r.prefix(contract.SettingThumbnailsPrefix),
		ThumbnailSizes:        r.sizes(contract.SettingThumbnailSizes),
		JPEGQuality:           int(r.integer(contract.SettingJPEGQuality)),
		MaxImageBytes:         r.integer(contract.SettingMaxImageBytes),
		MaxImagePixels:        r.integer(contract.SettingMaxImagePixels),
		MetricNamespace:       r.namespace(contract.SettingMetricNamespace),
		RecordConcurrency:     int(r.integer(contract.SettingRecordConcurrency)),
		LogLevel:              r.level(contract.SettingLogLevel),
		ThumbnailFormats:      r.formats(contract.SettingThumbnailFormats),
		WebPQuality:           int(r.integer(contract.SettingWebPQuality)),
		AVIFQuality:           int(r.integer(contract.SettingAVIFQuality)),
		ThumbnailCacheControl: r.pattern(contract.SettingThumbnailCacheControl),
		ColorOutput:           r.enum(contract.SettingColorOutput),
		S3UsePathStyle:        r.boolean(contract.SettingS3UsePathStyle),
		DeletedRecordTTL:      time.Duration(r.integer(contract.SettingDeletedRecordTTLDays)) * 24 * time.Hour,
	}
	if c.UploadsPrefix != "" && c.ThumbnailsPrefix != "" &&
		(strings.HasPrefix(c.ThumbnailsPrefix, c.UploadsPrefix) || strings.HasPrefix(c.UploadsPrefix, c.ThumbnailsPrefix)) {
		r.fail(contract.EnvThumbnailsPrefix, c.ThumbnailsPrefix,
			fmt.Sprintf("a prefix that does not nest with %s=%q (thumbnails under the uploads prefix would trigger the processor on its own output)", contract.EnvUploadsPrefix, c.UploadsPrefix))
	}
	if err := errors.Join(r.errs...); err != nil {
		return Config{}, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return c, nil
}

type reader struct {
	lookup LookupFunc
	errs   []error
}

func (r *reader) fail(name, value, accepted string) {
	r.errs = append(r.errs, fmt.Errorf("%s=%q is invalid: accepted values: %s", name, value, accepted))
}

// get returns the trimmed value, or "" and false when unset or blank.
func (r *reader) get(name string) (string, bool) {
	v, ok := r.lookup(name)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

func (r *reader) required(s contract.Setting) string {
	v, ok := r.get(s.Env)
	if !ok {
		r.errs = append(r.errs, fmt.Errorf("%s is required and not set", s.Env))
	}
	return v
}

// value returns the setting's value, or its default as the environment
// spells it when unset.
func (r *reader) value(s contract.Setting) string {
	if v, ok := r.get(s.Env); ok {
		return v
	}
	return s.EnvDefault()
}

func (r *reader) prefix(s contract.Setting) string {
	v, ok := r.get(s.Env)
	if !ok {
		return s.EnvDefault()
	}
	if !strings.HasSuffix(v, "/") || strings.HasPrefix(v, "/") || strings.Contains(v, "//") {
		r.fail(s.Env, v, `a key prefix such as "`+s.EnvDefault()+`": not starting with "/", ending with "/", no empty path segment`)
	}
	return v
}

// integer reads a KindInt setting.
func (r *reader) integer(s contract.Setting) int64 {
	v := r.value(s)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || !s.Range.Contains(n) {
		r.fail(s.Env, v, s.Accepted())
		return int64(s.Default.(int))
	}
	return n
}

// ParseSizes parses a list of thumbnail sizes (longest edge, pixels) as
// THUMBNAIL_SIZES spells it: comma-separated integers, each within
// contract.SettingThumbnailSizes.Range, at most Count.Max distinct ones.
// The result is deduplicated and sorted ascending.
func ParseSizes(v string) ([]int, error) {
	lim := contract.SettingThumbnailSizes
	var sizes []int
	for part := range strings.SplitSeq(v, ",") {
		part = strings.TrimSpace(part)
		n, err := strconv.Atoi(part)
		if err != nil || !lim.Range.Contains(int64(n)) {
			return nil, fmt.Errorf("size %q is not an integer from %d to %d", part, lim.Range.Min, lim.Range.Max)
		}
		sizes = append(sizes, n)
	}
	slices.Sort(sizes)
	sizes = slices.Compact(sizes)
	switch n := int64(len(sizes)); {
	case n > lim.Count.Max:
		return nil, fmt.Errorf("%d distinct sizes, at most %d allowed", n, lim.Count.Max)
	case n < lim.Count.Min:
		return nil, fmt.Errorf("%d distinct sizes, at least %d needed", n, lim.Count.Min)
	}
	return sizes, nil
}

func (r *reader) sizes(s contract.Setting) []int {
	v := r.value(s)
	sizes, err := ParseSizes(v)
	if err != nil {
		r.fail(s.Env, v, fmt.Sprintf("%s (%v)", s.Accepted(), err))
	}
	return sizes
}

func (r *reader) namespace(s contract.Setting) string {
	v, ok := r.get(s.Env)
	if !ok {
		return s.EnvDefault()
	}
	if len(v) > 255 || strings.HasPrefix(v, "AWS/") || strings.ContainsFunc(v, func(c rune) bool {
		return c < 0x20 || c > 0x7e || c == ':'
	}) {
		r.fail(s.Env, v, `a CloudWatch namespace: 1 to 255 printable ASCII characters, no ":", not starting with "AWS/"`)
	}
	return v
}

// level reads the KindEnum LOG_LEVEL: one of contract.LogLevels, which are
// slog's level names.
func (r *reader) level(s contract.Setting) slog.Level {
	v := r.value(s)
	var l slog.Level
	if !slices.Contains(s.Values, strings.ToUpper(v)) || l.UnmarshalText([]byte(strings.ToUpper(v))) != nil {
		r.fail(s.Env, v, s.Accepted())
		_ = l.UnmarshalText([]byte(s.EnvDefault()))
	}
	return l
}

// formats reads the KindEnumList THUMBNAIL_FORMATS.
func (r *reader) formats(s contract.Setting) []contract.ThumbnailFormat {
	v := r.value(s)
	fs, err := contract.ParseThumbnailFormats(v)
	if err == nil && !s.Count.Contains(int64(len(fs))) {
		err = fmt.Errorf("%d formats, %d to %d allowed", len(fs), s.Count.Min, s.Count.Max)
	}
	if err != nil {
		r.fail(s.Env, v, fmt.Sprintf("%s (%v)", s.Accepted(), err))
		fs, _ = contract.ParseThumbnailFormats(s.EnvDefault())
	}
	return fs
}

// enum reads a KindEnum setting, case-insensitively, as its Values spell it.
func (r *reader) enum(s contract.Setting) string {
	v := r.value(s)
	for _, want := range s.Values {
		if strings.EqualFold(v, want) {
			return want
		}
	}
	r.fail(s.Env, v, s.Accepted())
	return s.EnvDefault()
}

// pattern reads a KindString setting whose value must match s.Pattern.
func (r *reader) pattern(s contract.Setting) string {
	v := r.value(s)
	if !regexp.MustCompile(`^(?:` + s.Pattern + `)$`).MatchString(v) {
		r.fail(s.Env, v, s.Accepted())
		return s.EnvDefault()
	}
	return v
}

func (r *reader) boolean(s contract.Setting) bool {
	v, ok := r.get(s.Env)
	if !ok {
		return s.Default.(bool)
	}
	switch strings.ToLower(v) {
	case "true":
		return true
	case "false":
		return false
	}
	r.fail(s.Env, v, s.Accepted())
	return s.Default.(bool)
}
