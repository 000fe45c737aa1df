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
	KindBool    Kind = "bool"    // "true" or "false" (case-insensitive); HCL bool
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
	Default     any      // string (KindString, KindEnum), int (KindInt), []int (KindIntList) or bool (KindBool)
	Range       Range    // KindInt: of the value; KindIntList: of each element
	Count       Range    // KindIntList: how many distinct elements
	Values      []string // KindEnum: the accepted values, upper case
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
	case KindBool:
		return "true or false"
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
	}
	return ""
}

func orList(values []string) string {
	if len(values) < 2 {
		return strings.Join(values, "")
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}
