package contract

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is the type of a setting: how the Lambda reads it from its
// environment and which HCL type the input variable that sets it has.
type Kind string

// The kinds of setting.
const (
	KindString  Kind = "string"  // any text; HCL string
	KindInt     Kind = "int"     // a whole number within Range, decimal in the environment; HCL number
	KindIntList Kind = "intlist" // Count distinct whole numbers, each within Range, comma-separated in the environment; HCL list(number)
	KindEnum    Kind = "enum"    // one of Values (case-insensitive in the environment); HCL string
	// KindEnumList is Count distinct Values, comma-separated in the
	// environment (case-insensitive); HCL list(string).
	KindEnumList Kind = "enumlist"
	KindBool     Kind = "bool" // "true" or "false" (case-insensitive); HCL bool
)

// Range is an inclusive range of whole numbers.
type Range struct{ Min, Max int64 }

// Contains reports whether n is within r.
func (r Range) Contains(n int64) bool { return n >= r.Min && n <= r.Max }

// Setting declares one environment variable of the Lambda: its name, its
// kind, default and accepted values, and how modules/processing sets it on
// the function. Every consumer reads it from here:
//
//   - lambda/config parses and validates the variable with Kind, Default,
//     Range, Count and Values (and a test proves Load reads every Setting);
//   - internal/contract/hclgen generates, for each Input setting, the input
//     variable of modules/processing (description, type, default and
//     validation), and the function's environment block for every setting
//     that has an Input or an HCL expression;
//   - the local stack (local/stack) evaluates that environment block, so it
//     sets what Terraform would set.
type Setting struct {
	// Name is the setting's snake_case name: its key in the env and
	// defaults outputs of modules/contract and, for an Input setting, the
	// name of the input variable of modules/processing.
	Name string
	Env  string // the environment variable, one of the Env* constants
	Kind Kind
	// Description describes the input variable (Input settings).
	Description string
	Required    bool     // no default: the Lambda refuses to start without it
	Default     any      // string (KindString, KindEnum), int (KindInt), []int (KindIntList), []string (KindEnumList) or bool (KindBool)
	Range       Range    // KindInt: of the value; KindIntList: of each element
	Count       Range    // KindIntList, KindEnumList: how many distinct elements
	Values      []string // KindEnum, KindEnumList: the accepted values, as HCL spells them
	// Pattern is, for a KindString setting, an RE2 expression the whole
	// value must match (the Lambda's validation and the input variable's,
	// with regex()); "" for any text.
	Pattern string
	// PatternDoc says what Pattern accepts, for error messages.
	PatternDoc string
	// Input: modules/processing has an input variable Name that sets it.
	Input bool
	// HCL is, for a setting that is not Input, the HCL expression the
	// module sets it to (e.g. "var.table_name"); "" when Terraform never
	// sets it (only the local stack does).
	HCL string
}

// Defaults of the optional settings.
const (
	DefaultJPEGQuality       = 82
	DefaultMaxImageBytes     = 50 << 20   // 50 MiB
	DefaultMaxImagePixels    = 50_000_000 // 50 MP
	DefaultRecordConcurrency = 4
	DefaultLogLevel          = "INFO"
	// DefaultDeletedRecordTTLDays keeps DELETED records forever.
	DefaultDeletedRecordTTLDays = 0
)

// Defaults of the thumbnail format settings (docs/formats.md). The WebP and
// AVIF qualities are the ones at which those formats match the SSIM of JPEG
// at DefaultJPEGQuality on the bench photos (make bench, "Thumbnail
// formats"). The Cache-Control lets browsers and CDNs keep a thumbnail for
// a day, and no longer: reprocessing rewrites the same keys (a new quality,
// format or colour fix), so "immutable" or a year would keep stale
// thumbnails in caches long after.
const (
	DefaultWebPQuality           = 72
	DefaultAVIFQuality           = 58
	DefaultThumbnailCacheControl = "public, max-age=86400"
	DefaultColorOutput           = "srgb"
)

// DefaultThumbnailFormats are the formats written when THUMBNAIL_FORMATS is
// unset: JPEG only, as before formats were configurable. Do not modify.
var DefaultThumbnailFormats = []string{FormatJPEG.Name}

// ColorOutputs are the values COLOR_OUTPUT accepts (docs/colour.md).
var ColorOutputs = []string{"srgb", "preserve"}

// DefaultThumbnailSizes are the thumbnail sizes (longest edge, pixels) made
// when THUMBNAIL_SIZES is unset. Do not modify.
var DefaultThumbnailSizes = []int{256, 1024}

// LogLevels are the values LOG_LEVEL accepts, lowest first: slog's level
// names.
var LogLevels = []string{"DEBUG", "INFO", "WARN", "ERROR"}

// The settings, by name. Settings lists them all.
var (
	SettingTableName = Setting{
		Name: "table_name", Env: EnvTableName, Kind: KindString, Required: true,
		HCL: "var.table_name",
	}
	SettingEnvironment = Setting{
		Name: "environment", Env: EnvEnvironment, Kind: KindString, Required: true,
		HCL: "var.environment",
	}
	SettingUploadsPrefix = Setting{
		Name: "uploads_prefix", Env: EnvUploadsPrefix, Kind: KindString, Default: UploadsPrefix,
		HCL: "module.contract.uploads_prefix",
	}
	SettingThumbnailsPrefix = Setting{
		Name: "thumbnails_prefix", Env: EnvThumbnailsPrefix, Kind: KindString, Default: ThumbnailsPrefix,
		HCL: "module.contract.thumbnails_prefix",
	}
	SettingThumbnailSizes = Setting{
		Name: "thumbnail_sizes", Env: EnvThumbnailSizes, Kind: KindIntList, Default: DefaultThumbnailSizes,
		Description: "Longest edge, in pixels, of each thumbnail made per image.",
		Range:       Range{16, 4096}, Count: Range{1, 8}, Input: true,
	}
	SettingJPEGQuality = Setting{
		Name: "jpeg_quality", Env: EnvJPEGQuality, Kind: KindInt, Default: DefaultJPEGQuality,
		Description: "JPEG quality of the thumbnails.",
		Range:       Range{1, 100}, Input: true,
	}
	SettingMaxImageBytes = Setting{
		Name: "max_image_bytes", Env: EnvMaxImageBytes, Kind: KindInt, Default: DefaultMaxImageBytes,
		Description: "Largest original, in bytes, the function processes; a bigger one gets a FAILED record (too_large).",
		Range:       Range{1, 1 << 40}, Input: true,
	}
	SettingMaxImagePixels = Setting{
		Name: "max_image_pixels", Env: EnvMaxImagePixels, Kind: KindInt, Default: DefaultMaxImagePixels,
		Description: "Most pixels (width x height) of an original the function decodes; a bigger one gets a FAILED record (too_many_pixels).",
		Range:       Range{1, 1 << 40}, Input: true,
	}
	SettingMetricNamespace = Setting{
		Name: "metric_namespace", Env: EnvMetricNamespace, Kind: KindString, Default: DefaultMetricNamespace,
		HCL: "module.contract.metric_namespace",
	}
	SettingRecordConcurrency = Setting{
		Name: "record_concurrency", Env: EnvRecordConcurrency, Kind: KindInt, Default: DefaultRecordConcurrency,
		Description: "S3 event records of one invocation processed at once.",
		Range:       Range{1, 64}, Input: true,
	}
	SettingLogLevel = Setting{
		Name: "log_level", Env: EnvLogLevel, Kind: KindEnum, Default: DefaultLogLevel, Values: LogLevels,
		Description: "Lowest level the function logs (its LOG_LEVEL): DEBUG, INFO, WARN or ERROR. EMF metric lines are always kept.",
		Input:       true,
	}
	SettingDeletedRecordTTLDays = Setting{
		Name: "deleted_record_ttl_days", Env: EnvDeletedRecordTTLDays, Kind: KindInt, Default: DefaultDeletedRecordTTLDays,
		Description: "Days a DELETED record is kept before the table's TTL removes it (the function sets the record's " + TableTTLAttribute + " attribute; the storage module's ttl_enabled must be on); 0 keeps DELETED records.",
		Range:       Range{0, 3650}, Input: true,
	}
	SettingThumbnailFormats = Setting{
		Name: "thumbnail_formats", Env: EnvThumbnailFormats, Kind: KindEnumList, Default: DefaultThumbnailFormats,
		Description: "Formats every thumbnail size is written in, each once from the same pixels: jpeg (key .jpg, as always), webp, avif.",
		Values:      ThumbnailFormatNames(), Count: Range{1, int64(len(ThumbnailFormats))}, Input: true,
	}
	SettingWebPQuality = Setting{
		Name: "webp_quality", Env: EnvWebPQuality, Kind: KindInt, Default: DefaultWebPQuality,
		Description: "Quality of the WebP thumbnails (libwebp's scale); the default matches the JPEG default's SSIM.",
		Range:       Range{1, 100}, Input: true,
	}
	SettingAVIFQuality = Setting{
		Name: "avif_quality", Env: EnvAVIFQuality, Kind: KindInt, Default: DefaultAVIFQuality,
		Description: "Quality of the AVIF thumbnails (libavif's scale); the default matches the JPEG default's SSIM.",
		Range:       Range{1, 100}, Input: true,
	}
	SettingThumbnailCacheControl = Setting{
		Name: "thumbnail_cache_control", Env: EnvThumbnailCacheControl, Kind: KindString, Default: DefaultThumbnailCacheControl,
		Description: "Cache-Control header of every thumbnail object. Reprocessing rewrites the same keys, so keep max-age short enough for a fix to reach clients.",
		Pattern:     `[ -~]{1,256}`, PatternDoc: "1 to 256 printable ASCII characters (a Cache-Control header value)",
		Input: true,
	}
	SettingColorOutput = Setting{
		Name: "color_output", Env: EnvColorOutput, Kind: KindEnum, Default: DefaultColorOutput, Values: ColorOutputs,
		Description: "srgb converts every thumbnail to sRGB; preserve keeps the source's colours and embeds its ICC profile (JPEG, WebP; AVIF is always sRGB).",
		Input:       true,
	}
	SettingS3UsePathStyle = Setting{
		Name: "s3_use_path_style", Env: EnvS3UsePathStyle, Kind: KindBool, Default: false,
	}
)

// Settings lists every environment variable of the Lambda, in the order of
// the function's environment block.
var Settings = []Setting{
	SettingTableName, SettingEnvironment, SettingUploadsPrefix, SettingThumbnailsPrefix,
	SettingThumbnailSizes, SettingJPEGQuality, SettingMaxImageBytes, SettingMaxImagePixels,
	SettingMetricNamespace, SettingRecordConcurrency, SettingLogLevel, SettingDeletedRecordTTLDays,
	SettingThumbnailFormats, SettingWebPQuality, SettingAVIFQuality, SettingThumbnailCacheControl, SettingColorOutput,
	SettingS3UsePathStyle,
}

// Accepted describes the values s accepts, for error messages:
// "an integer from 1 to 100".
func (s Setting) Accepted() string {
	switch s.Kind {
	case KindInt:
		return fmt.Sprintf("an integer from %d to %d", s.Range.Min, s.Range.Max)
	case KindIntList:
		return fmt.Sprintf("a comma-separated list of %d to %d distinct integers from %d to %d, e.g. %q",
			s.Count.Min, s.Count.Max, s.Range.Min, s.Range.Max, s.EnvDefault())
	case KindEnum:
		return orList(s.Values) + " (case-insensitive)"
	case KindEnumList:
		return fmt.Sprintf("a comma-separated list of %d to %d of %s (case-insensitive, each once), e.g. %q",
			s.Count.Min, s.Count.Max, strings.Join(s.Values, ", "), strings.Join(s.Values[:min(2, len(s.Values))], ","))
	case KindBool:
		return "true or false"
	}
	if s.PatternDoc != "" {
		return s.PatternDoc
	}
	return "any text"
}

// EnvDefault is the default as the environment would spell it ("" when
// the setting is required).
func (s Setting) EnvDefault() string {
	switch d := s.Default.(type) {
	case string:
		return d
	case int:
		return strconv.Itoa(d)
	case bool:
		return strconv.FormatBool(d)
	case []int:
		parts := make([]string, len(d))
		for i, n := range d {
			parts[i] = strconv.Itoa(n)
		}
		return strings.Join(parts, ",")
	case []string:
		return strings.Join(d, ",")
	}
	return ""
}

func orList(values []string) string {
	if len(values) < 2 {
		return strings.Join(values, "")
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}
