// Package metadata defines the metadata record of one uploaded object
// version and stores it in DynamoDB with a write condition that never lets
// an older or worse result replace a newer or better one.
package metadata

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/imgpipe/imgpipe/internal/contract"
)

// Record is the DynamoDB item describing one object version. Attribute
// names of the table and index keys are contract.TableHashKey,
// contract.TableRangeKey and contract.StatusIndexHashKey (a test holds the
// tags to them). The e2e checks unmarshal items into this type with
// attributevalue.UnmarshalMap.
type Record struct {
	// RecordVersion is the version of this schema the record was written
	// with (RecordVersion); absent (0) in records written before versions,
	// which are version 1: no formats, placeholder or colours.
	RecordVersion int `dynamodbav:"recordVersion,omitempty"`
	// ImageID is the hex SHA-256 of bucket, key and versionId (or ETag when
	// the bucket is unversioned): see ImageID.
	ImageID string `dynamodbav:"imageId"`
	// UploadTimestamp is the object's LastModified (the event time when the
	// object could not be read) in Unix milliseconds.
	UploadTimestamp int64 `dynamodbav:"uploadTimestamp"`

	Status         string `dynamodbav:"status"`                   // contract.StatusProcessed, StatusFailed or StatusDeleted
	FailureReason  string `dynamodbav:"failureReason,omitempty"`  // a contract.Reason, FAILED only
	FailureMessage string `dynamodbav:"failureMessage,omitempty"` // human-readable detail, FAILED only

	Bucket      string `dynamodbav:"bucket"`
	Key         string `dynamodbav:"key"`
	VersionID   string `dynamodbav:"versionId,omitempty"`
	ETag        string `dynamodbav:"etag,omitempty"` // without quotes
	Size        int64  `dynamodbav:"size"`
	ContentType string `dynamodbav:"contentType,omitempty"` // as stored on the object; never trusted for decoding

	Format      string `dynamodbav:"format,omitempty"` // sniffed from the bytes
	Width       int    `dynamodbav:"width,omitempty"`  // upright, after EXIF orientation (HEIF: after clap/irot/imir)
	Height      int    `dynamodbav:"height,omitempty"`
	Orientation int    `dynamodbav:"orientation,omitempty"` // orientation applied, 1..8: EXIF's, or HEIF irot/imir as its EXIF equivalent
	BitDepth    int    `dynamodbav:"bitDepth,omitempty"`    // bits per colour sample of the original (8; 10/12 for HDR HEIC/AVIF; 16 for deep PNG/TIFF)
	HasAlpha    bool   `dynamodbav:"hasAlpha,omitempty"`    // the original has an alpha channel (thumbnails composite it over white)
	SHA256      string `dynamodbav:"sha256,omitempty"`      // hex digest of the object's bytes
	Exif        *Exif  `dynamodbav:"exif,omitempty"`

	// Colour of the original (docs/colour.md): the description of its ICC
	// profile (or of its nclx / PNG colour chunks), its colour space, how the
	// thumbnails got their colours (none, converted, preserved, fallback) and
	// what colour information was ignored and why.
	ColorProfile string `dynamodbav:"colorProfile,omitempty"`
	ColorSpace   string `dynamodbav:"colorSpace,omitempty"`
	ColorAction  string `dynamodbav:"colorAction,omitempty"`
	ColorNote    string `dynamodbav:"colorNote,omitempty"`

	// Placeholder is a BlurHash (4×3 components) of the smallest
	// thumbnail, in sRGB; AverageColor and DominantColor are "#rrggbb" in
	// sRGB (lambda/imaging/preview says how they are computed).
	Placeholder   string `dynamodbav:"placeholder,omitempty"`
	AverageColor  string `dynamodbav:"averageColor,omitempty"`
	DominantColor string `dynamodbav:"dominantColor,omitempty"`

	// Thumbnails maps the size (longest edge, decimal string) to its thumbnail.
	Thumbnails map[string]Thumbnail `dynamodbav:"thumbnails,omitempty"`
	// Superseded is true when a newer version of the key was already current
	// when this version was processed, so its thumbnails were not written
	// (they belong to the newer version).
	Superseded bool `dynamodbav:"superseded,omitempty"`
	// Rendition is the fingerprint of the settings and code that made this
	// result (lambda/rendition): a result with another fingerprint replaces
	// a PROCESSED record, one with the same is a duplicate. Empty in records
	// written before fingerprints existed, which any new result replaces.
	Rendition string `dynamodbav:"rendition,omitempty"`

	ProcessedAt int64 `dynamodbav:"processedAt"` // Unix milliseconds when this attempt produced the record
	DurationMs  int64 `dynamodbav:"durationMs"`  // processing time of this attempt

	// DeletedAt is when the version was found deleted (Unix ms), DELETED only.
	DeletedAt int64 `dynamodbav:"deletedAt,omitempty"`
	// ExpiresAt is when DynamoDB's TTL may remove the DELETED record (Unix
	// seconds; attribute contract.TableTTLAttribute), when a TTL is set.
	ExpiresAt int64 `dynamodbav:"expiresAt,omitempty"`
}

// Deleted is the DELETED record of the version rec describes, found deleted
// at at, in the schema version this code writes. It keeps the version's
// identity (bucket, key, versionId, size, content type, upload time), its
// dimensions and format, and nothing else: the EXIF summary, orientation,
// digest, ETag, thumbnails, placeholder, colours, failure details and
// every other field derived from the image's content are dropped (an
// allowlist, so a field added to Record later is dropped too unless added
// here). keepFor > 0 sets ExpiresAt that long after at.
func Deleted(rec Record, at time.Time, keepFor time.Duration) Record {
	d := Record{
		RecordVersion:   RecordVersion,
		ImageID:         rec.ImageID,
		UploadTimestamp: rec.UploadTimestamp,
		Status:          contract.StatusDeleted,
		Bucket:          rec.Bucket,
		Key:             rec.Key,
		VersionID:       rec.VersionID,
		Size:            rec.Size,
		ContentType:     rec.ContentType,
		Format:          rec.Format,
		Width:           rec.Width,
		Height:          rec.Height,
		ProcessedAt:     at.UnixMilli(),
		DeletedAt:       at.UnixMilli(),
	}
	if keepFor > 0 {
		d.ExpiresAt = at.Add(keepFor).Unix()
	}
	return d
}

// Exif is the EXIF summary of the original, when it has one.
type Exif struct {
	Make    string `dynamodbav:"make,omitempty"`
	Model   string `dynamodbav:"model,omitempty"`
	TakenAt string `dynamodbav:"takenAt,omitempty"` // RFC 3339
}

// RecordVersion is the schema version of the records this code writes:
//
//   - 1 (no recordVersion attribute): thumbnails are JPEG only.
//   - 2: recordVersion; per size a formats map of every format written; the
//     placeholder, averageColor and dominantColor of the image. Key, Width,
//     Height and Bytes of a size mean what they meant in version 1.
const RecordVersion = 2

// Thumbnail describes the thumbnail of one size. Key and Bytes are those
// of its primary format: the JPEG whenever jpeg is configured (always by
// default, so they mean what they did before formats existed), else the
// first configured format in the order jpeg, webp, avif. Formats lists
// every format written, the primary one included.
type Thumbnail struct {
	Key     string                `dynamodbav:"key"`
	Width   int                   `dynamodbav:"width"`
	Height  int                   `dynamodbav:"height"`
	Bytes   int64                 `dynamodbav:"bytes"`
	Formats map[string]FormatFile `dynamodbav:"formats,omitempty"` // by format name: "jpeg", "webp", "avif"
}

// FormatFile is the thumbnail of one size in one format.
type FormatFile struct {
	Key         string `dynamodbav:"key"`
	Bytes       int64  `dynamodbav:"bytes"`
	ContentType string `dynamodbav:"contentType"`
}

// Keys are the object keys of every file t lists: the primary key and
// each format's (each once), sorted.
func (t Thumbnail) Keys() []string {
	seen := map[string]bool{}
	if t.Key != "" {
		seen[t.Key] = true
	}
	for _, f := range t.Formats {
		if f.Key != "" {
			seen[f.Key] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// NormalizeETag strips the quotes S3 puts around ETags in API responses
// (S3 events carry the bare value), so both spellings give one identity.
func NormalizeETag(etag string) string { return strings.Trim(etag, `"`) }

// ImageID derives the record's id from the object's identity: bucket, key
// and versionId, or the ETag when there is no versionId (unversioned
// bucket, or an S3-compatible store that sends none). A retried or
// duplicated event for the same version therefore maps to the same item.
func ImageID(bucket, key, versionID, etag string) string {
	h := sha256.New()
	for _, part := range []string{bucket, key} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	if versionID != "" {
		h.Write([]byte("version:" + versionID))
	} else {
		h.Write([]byte("etag:" + NormalizeETag(etag)))
	}
	return hex.EncodeToString(h.Sum(nil))
}
