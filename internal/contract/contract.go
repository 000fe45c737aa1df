// Package contract is the single source of truth for every name and
// setting that the Go Lambda, the local stack, the Terratest suites and the
// Terraform modules must agree on: object prefixes, DynamoDB key and index
// names, record status values, failure reasons, the metric namespace and
// metric names, and the Lambda's settings (settings.go: environment
// variables with their kinds, defaults and limits).
//
// The Terraform side is generated from these values (modules/contract, and
// the setting inputs and function environment of modules/processing) and
// a test proves the two agree. Change a value here, run `make generate`,
// and commit both.
//
// # Adding a setting of the Lambda
//
//  1. Add its Env* constant below and a Setting in settings.go (and to
//     Settings): kind, default, limits, and either Input (modules/processing
//     gets an input variable of that name) or the HCL expression the module
//     sets it to.
//  2. Run `make generate`: modules/contract exposes the name and default;
//     modules/processing gets the input variable (with its validation) and
//     the line of the function's environment block.
//  3. Read it in lambda/config (a field of Config and one line of Load;
//     TestLoadReadsEverySetting fails until you do) and document it.
//  4. For an Input setting, forward it from the root stack (terraform/).
//
// The local stack needs no change: it evaluates the environment block of
// modules/processing. A setting that needs infrastructure (a queue, say)
// also needs its resource in the module and a provisioning step in
// local/stack (see its package doc).
package contract

import (
	"strconv"
	"strings"
)

// Object key prefixes inside the image bucket.
const (
	// UploadsPrefix is where originals are uploaded; only keys under it are processed.
	UploadsPrefix = "uploads/"
	// ThumbnailsPrefix is where thumbnails are written; it is never processed.
	ThumbnailsPrefix = "thumbnails/"
	// BatchOperationsPrefix holds the CSV manifests and completion reports
	// of S3 Batch Operations jobs (`imgpipe backfill --engine batch`), under
	// "manifests/" and "reports/". It is never processed.
	BatchOperationsPrefix = "batch-operations/"
)

// Ingestion modes: how S3's notifications of uploads reach the function
// (the input "ingestion" of modules/processing, whose default is its one
// declaration).
const (
	// IngestionDirect: S3 invokes the function asynchronously.
	IngestionDirect = "direct"
	// IngestionSQS: S3 notifies an ingest queue, which an event source
	// mapping drains into the function in batches.
	IngestionSQS = "sqs"
)

// IngestionModes lists the ingestion modes.
var IngestionModes = []string{IngestionDirect, IngestionSQS}

// LogRetentionDays are the retention periods CloudWatch Logs accepts for a
// log group, in days: the only values the modules' log_retention_days
// inputs take (their validations are held to this list by a test).
var LogRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// DynamoDB metadata table schema (kept from the CloudFormation seed so
// existing users can move over).
const (
	TableHashKey        = "imageId"         // S
	TableRangeKey       = "uploadTimestamp" // N, Unix milliseconds of the object's upload
	StatusIndexName     = "StatusIndex"
	StatusIndexHashKey  = "status"      // S
	StatusIndexRangeKey = TableRangeKey // N
)

// Record status values.
const (
	StatusProcessed = "PROCESSED"
	StatusFailed    = "FAILED"
	// StatusDeleted: the version was deleted (or hidden by a delete marker
	// while it was current); its thumbnails are gone and the record keeps
	// no content-derived field but its dimensions and format.
	StatusDeleted = "DELETED"
)

// Reason names why an image failed permanently. It is stored in the FAILED
// record and used as the Reason dimension of the ProcessingErrors metric.
type Reason string

// Permanent failure reasons.
const (
	ReasonEmpty             Reason = "empty"              // zero-byte object
	ReasonTooLarge          Reason = "too_large"          // object bigger than the byte cap
	ReasonUnsupportedFormat Reason = "unsupported_format" // bytes are no image format we accept
	ReasonTooManyPixels     Reason = "too_many_pixels"    // dimensions over the pixel cap
	ReasonCorrupt           Reason = "corrupt"            // truncated or malformed image data
	ReasonNotFound          Reason = "not_found"          // the object (version) no longer exists
	ReasonKeyTooLong        Reason = "key_too_long"       // a thumbnail key would exceed S3's 1024-byte key limit
)

// Reasons lists every permanent failure reason, in a stable order.
var Reasons = []Reason{
	ReasonEmpty, ReasonTooLarge, ReasonUnsupportedFormat,
	ReasonTooManyPixels, ReasonCorrupt, ReasonNotFound, ReasonKeyTooLong,
}

// Metrics, emitted as CloudWatch Embedded Metric Format.
const (
	DefaultMetricNamespace     = "ImageProcessing"
	MetricDimensionEnvironment = "Environment"
	MetricDimensionReason      = "Reason"

	MetricImagesProcessed   = "ImagesProcessed"
	MetricImagesReprocessed = "ImagesReprocessed" // a PROCESSED record replaced under a new rendition fingerprint
	MetricProcessingErrors  = "ProcessingErrors"
	MetricProcessingLatency = "ProcessingLatency"
	MetricBytesIn           = "BytesIn"
	MetricThumbnailBytes    = "ThumbnailBytes"
	MetricImagesDeleted     = "ImagesDeleted"
)

// Environment variables read by the Lambda (lambda/cmd/processor).
const (
	EnvTableName         = "METADATA_TABLE"     // required: DynamoDB table name
	EnvEnvironment       = "ENVIRONMENT"        // required: value of the Environment metric dimension
	EnvUploadsPrefix     = "UPLOADS_PREFIX"     // default UploadsPrefix
	EnvThumbnailsPrefix  = "THUMBNAILS_PREFIX"  // default ThumbnailsPrefix
	EnvThumbnailSizes    = "THUMBNAIL_SIZES"    // default DefaultThumbnailSizes
	EnvJPEGQuality       = "JPEG_QUALITY"       // default DefaultJPEGQuality
	EnvMaxImageBytes     = "MAX_IMAGE_BYTES"    // default DefaultMaxImageBytes
	EnvMaxImagePixels    = "MAX_IMAGE_PIXELS"   // default DefaultMaxImagePixels
	EnvMetricNamespace   = "METRIC_NAMESPACE"   // default DefaultMetricNamespace
	EnvRecordConcurrency = "RECORD_CONCURRENCY" // default DefaultRecordConcurrency
	EnvLogLevel          = "LOG_LEVEL"          // default DefaultLogLevel
	// EnvDeletedRecordTTLDays: days a DELETED record is kept before
	// DynamoDB's TTL removes it (TableTTLAttribute); 0 keeps it forever.
	EnvDeletedRecordTTLDays = "DELETED_RECORD_TTL_DAYS" // default DefaultDeletedRecordTTLDays
	// Thumbnail formats and their settings (docs/formats.md).
	EnvThumbnailFormats      = "THUMBNAIL_FORMATS"       // default DefaultThumbnailFormats
	EnvWebPQuality           = "WEBP_QUALITY"            // default DefaultWebPQuality
	EnvAVIFQuality           = "AVIF_QUALITY"            // default DefaultAVIFQuality
	EnvThumbnailCacheControl = "THUMBNAIL_CACHE_CONTROL" // default DefaultThumbnailCacheControl
	EnvColorOutput           = "COLOR_OUTPUT"            // default DefaultColorOutput (docs/colour.md)
	// EnvS3UsePathStyle makes the S3 client use path-style addressing
	// ("true"/"false", default false). Only S3-compatible endpoints without
	// virtual-host DNS (the local stack) need it; Terraform never sets it.
	EnvS3UsePathStyle = "S3_USE_PATH_STYLE"
)

// ThumbnailKey is the deterministic key of the thumbnail of size px for the
// original at key: thumbnailsPrefix + "<size>/" + key with uploadsPrefix
// removed + ".jpg". The original's extension is kept, so "a.png" and
// "a.jpg" never share a thumbnail, and reprocessing overwrites rather than
// duplicates. key must start with uploadsPrefix.
func ThumbnailKey(thumbnailsPrefix, uploadsPrefix, key string, size int) string {
	return thumbnailsPrefix + strconv.Itoa(size) + "/" + strings.TrimPrefix(key, uploadsPrefix) + ".jpg"
}

// UploadKeyOfThumbnail inverts ThumbnailKey and ThumbnailFormat.Key: it
// returns the upload key and the size a thumbnail key was made for, and ok
// false when key is not of the form thumbnailsPrefix + "<size>/" + name +
// the extension of one of ThumbnailFormats.
func UploadKeyOfThumbnail(thumbnailsPrefix, uploadsPrefix, key string) (uploadKey string, size int, ok bool) {
	rest, found := strings.CutPrefix(key, thumbnailsPrefix)
	if !found {
		return "", 0, false
	}
	sizePart, name, found := strings.Cut(rest, "/")
	if !found {
		return "", 0, false
	}
	size, err := strconv.Atoi(sizePart)
	if err != nil || size <= 0 || strconv.Itoa(size) != sizePart {
		return "", 0, false
	}
	for _, f := range ThumbnailFormats {
		if n, found := strings.CutSuffix(name, f.Ext); found && n != "" {
			return uploadsPrefix + n, size, true
		}
	}
	return "", 0, false
}
