// Package config reads the processor's whole configuration from environment
// variables (names and defaults in internal/contract) and validates it at
// start-up, so a bad deployment fails before touching any AWS API with a
// message naming the variable, the value and what is accepted.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/imgpipe/imgpipe/internal/contract"
)

// Bounds of the validated values.
const (
	MinThumbnailSize  = 16
	MaxThumbnailSize  = 4096
	MinJPEGQuality    = 1
	MaxJPEGQuality    = 100
	MinConcurrency    = 1
	MaxConcurrency    = 64
	maxThumbnailSizes = 8
	// MaxDeletedRecordTTLDays bounds DELETED_RECORD_TTL_DAYS (ten years).
	MaxDeletedRecordTTLDays = 3650
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
	S3UsePathStyle    bool
	// DeletedRecordTTL is how long a DELETED record is kept before the
	// table's TTL may remove it; 0 keeps it.
	DeletedRecordTTL time.Duration
}

// LookupFunc reads one environment variable, like os.LookupEnv.
type LookupFunc func(name string) (string, bool)

// Load reads and validates every variable. All problems are reported at
// once, each naming the variable, the bad value and the accepted values.
func Load(lookup LookupFunc) (Config, error) {
	r := reader{lookup: lookup}
	c := Config{
		TableName:         r.required(contract.EnvTableName),
		Environment:       r.required(contract.EnvEnvironment),
		UploadsPrefix:     r.prefix(contract.EnvUploadsPrefix, contract.UploadsPrefix),
		ThumbnailsPrefix:  r.prefix(contract.EnvThumbnailsPrefix, contract.ThumbnailsPrefix),
		ThumbnailSizes:    r.sizes(contract.EnvThumbnailSizes, contract.DefaultThumbnailSizes),
		JPEGQuality:       int(r.intRange(contract.EnvJPEGQuality, contract.DefaultJPEGQuality, MinJPEGQuality, MaxJPEGQuality)),
		MaxImageBytes:     r.intRange(contract.EnvMaxImageBytes, contract.DefaultMaxImageBytes, 1, 1<<40),
		MaxImagePixels:    r.intRange(contract.EnvMaxImagePixels, contract.DefaultMaxImagePixels, 1, 1<<40),
		MetricNamespace:   r.namespace(contract.EnvMetricNamespace, contract.DefaultMetricNamespace),
		RecordConcurrency: int(r.intRange(contract.EnvRecordConcurrency, contract.DefaultRecordConcurrency, MinConcurrency, MaxConcurrency)),
		LogLevel:          r.level(contract.EnvLogLevel, contract.DefaultLogLevel),
		S3UsePathStyle:    r.boolean(contract.EnvS3UsePathStyle, false),
		DeletedRecordTTL: time.Duration(r.intRange(contract.EnvDeletedRecordTTLDays, contract.DefaultDeletedRecordTTLDays,
			0, MaxDeletedRecordTTLDays)) * 24 * time.Hour,
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

func (r *reader) required(name string) string {
	v, ok := r.get(name)
	if !ok {
		r.errs = append(r.errs, fmt.Errorf("%s is required and not set", name))
	}
	return v
}

func (r *reader) prefix(name, def string) string {
	v, ok := r.get(name)
	if !ok {
		return def
	}
	if !strings.HasSuffix(v, "/") || strings.HasPrefix(v, "/") || strings.Contains(v, "//") {
		r.fail(name, v, `a key prefix such as "`+def+`": not starting with "/", ending with "/", no empty path segment`)
	}
	return v
}

func (r *reader) intRange(name string, def, lo, hi int64) int64 {
	v, ok := r.get(name)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		r.fail(name, v, fmt.Sprintf("an integer from %d to %d", lo, hi))
		return def
	}
	return n
}

// ParseSizes parses a comma-separated list of thumbnail sizes (longest edge,
// pixels): each an integer within [MinThumbnailSize, MaxThumbnailSize]. The
// result is deduplicated and sorted ascending.
func ParseSizes(s string) ([]int, error) {
	var sizes []int
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		n, err := strconv.Atoi(part)
		if err != nil || n < MinThumbnailSize || n > MaxThumbnailSize {
			return nil, fmt.Errorf("size %q is not an integer from %d to %d", part, MinThumbnailSize, MaxThumbnailSize)
		}
		sizes = append(sizes, n)
	}
	slices.Sort(sizes)
	sizes = slices.Compact(sizes)
	if len(sizes) > maxThumbnailSizes {
		return nil, fmt.Errorf("%d distinct sizes, at most %d allowed", len(sizes), maxThumbnailSizes)
	}
	return sizes, nil
}

func (r *reader) sizes(name, def string) []int {
	v, ok := r.get(name)
	if !ok {
		v = def
	}
	sizes, err := ParseSizes(v)
	if err != nil {
		r.fail(name, v, fmt.Sprintf("a comma-separated list of 1 to %d integers from %d to %d, e.g. %q (%v)",
			maxThumbnailSizes, MinThumbnailSize, MaxThumbnailSize, contract.DefaultThumbnailSizes, err))
	}
	return sizes
}

func (r *reader) namespace(name, def string) string {
	v, ok := r.get(name)
	if !ok {
		return def
	}
	if len(v) > 255 || strings.HasPrefix(v, "AWS/") || strings.ContainsFunc(v, func(c rune) bool {
		return c < 0x20 || c > 0x7e || c == ':'
	}) {
		r.fail(name, v, `a CloudWatch namespace: 1 to 255 printable ASCII characters, no ":", not starting with "AWS/"`)
	}
	return v
}

var levels = map[string]slog.Level{"DEBUG": slog.LevelDebug, "INFO": slog.LevelInfo, "WARN": slog.LevelWarn, "ERROR": slog.LevelError}

func (r *reader) level(name, def string) slog.Level {
	v, ok := r.get(name)
	if !ok {
		v = def
	}
	l, found := levels[strings.ToUpper(v)]
	if !found {
		r.fail(name, v, "DEBUG, INFO, WARN or ERROR (case-insensitive)")
	}
	return l
}

func (r *reader) boolean(name string, def bool) bool {
	v, ok := r.get(name)
	if !ok {
		return def
	}
	switch strings.ToLower(v) {
	case "true":
		return true
	case "false":
		return false
	}
	r.fail(name, v, "true or false")
	return def
}
