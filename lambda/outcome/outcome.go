// Package outcome turns the metadata table's stream records into the
// outcome events other services consume ("Image Processed", "Image
// Failed", "Image Deleted" on an EventBridge bus).
//
// It is the enrichment step of the events pipe (DynamoDB stream →
// EventBridge Pipes: filter → this enrichment → event bus): Pipes hands it
// a batch of stream records, already filtered by contract.PipeFilterPatterns,
// and sends each event it answers to the bus, taking the detail-type and
// the detail from the fields contract.PipeEnriched* name. The Lambda that
// processes images publishes nothing: an event exists because a record was
// written, so a crash after the write loses no event, and a redelivered S3
// event that writes nothing announces nothing.
//
// The detail is the record's public view, plain JSON (Detail, schema
// version contract.EventSchemaVersion): DynamoDB's typed JSON never
// reaches consumers.
package outcome

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/metadata"
)

// Event is the enrichment's answer for one stream record. Its JSON field
// names are contract.PipeEnrichedEventIDField, PipeEnrichedDetailTypeField
// and PipeEnrichedDetailField (a test holds them together).
type Event struct {
	// EventID is the stream record's eventID: Pipes matches it to retry
	// only the records whose events the bus refused.
	EventID    string `json:"eventID"`
	DetailType string `json:"detailType"`
	Detail     Detail `json:"detail"`
}

// Detail is the event's detail: the public fields of the record whose
// write the event announces. Optional fields are absent, not null, when
// the record has no value for them. Field names and meanings change only
// with contract.EventSchemaVersion.
type Detail struct {
	SchemaVersion string `json:"schemaVersion"`
	// OutcomeID identifies the stored outcome (the stream record's
	// eventID). Delivery is at least once: a consumer that must act once
	// per outcome deduplicates on it.
	OutcomeID string `json:"outcomeId"`
	ImageID   string `json:"imageId"`
	Bucket    string `json:"bucket"`
	Key       string `json:"key"`
	VersionID string `json:"versionId,omitempty"`
	Status    string `json:"status"`
	// Reason is the failure reason (a contract.Reason), FAILED only.
	Reason string `json:"reason,omitempty"`
	Size   int64  `json:"size"`
	Format string `json:"format,omitempty"`
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
	// Thumbnails are the thumbnails written for this version, smallest
	// first; none when it failed, was deleted, or was superseded.
	Thumbnails []Thumbnail `json:"thumbnails,omitempty"`
	// Placeholder is the BlurHash of the smallest thumbnail, when the
	// record has one (PROCESSED, with thumbnails).
	Placeholder string `json:"placeholder,omitempty"`
	// Superseded: a newer version was current, so this one wrote no
	// thumbnails.
	Superseded bool `json:"superseded,omitempty"`
	// UploadedAt is the version's upload time; ProcessedAt when this
	// outcome was stored; DeletedAt when the version was found deleted
	// (DELETED only). RFC 3339, UTC, millisecond precision.
	UploadedAt  string `json:"uploadedAt"`
	ProcessedAt string `json:"processedAt"`
	DeletedAt   string `json:"deletedAt,omitempty"`
}

// Thumbnail is the thumbnail of one size. Key and Bytes are those of its
// primary format (the JPEG whenever JPEG is configured); Formats lists
// every format written, the primary one included.
type Thumbnail struct {
	Size    int             `json:"size"` // longest edge the configuration asked for, px
	Key     string          `json:"key"`
	Width   int             `json:"width"`
	Height  int             `json:"height"`
	Bytes   int64           `json:"bytes"`
	Formats []ThumbnailFile `json:"formats,omitempty"`
}

// ThumbnailFile is the thumbnail of one size in one format.
type ThumbnailFile struct {
	Format      string `json:"format"` // jpeg, webp or avif
	Key         string `json:"key"`
	Bytes       int64  `json:"bytes"`
	ContentType string `json:"contentType"`
}

// Enrich decodes a batch of stream records as Pipes sends it to its
// enrichment (a JSON array) and returns one event per record, in order. A
// record that cannot be announced (no new image, a status that is no
// outcome, an undecodable image) fails the whole batch with an error
// naming it: Pipes retries, then sends the batch to the pipe's
// dead-letter queue.
func Enrich(payload []byte) ([]Event, error) {
	var recs []events.DynamoDBEventRecord
	if err := json.Unmarshal(payload, &recs); err != nil {
		return nil, fmt.Errorf("outcome: the payload is no JSON array of DynamoDB stream records: %w", err)
	}
	return FromRecords(recs)
}

// FromRecords returns the event of each stream record, in order.
func FromRecords(recs []events.DynamoDBEventRecord) ([]Event, error) {
	out := make([]Event, 0, len(recs))
	var errs []error
	for _, r := range recs {
		ev, err := FromRecord(r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, ev)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// FromRecord returns the event announcing the write r records.
func FromRecord(r events.DynamoDBEventRecord) (Event, error) {
	if len(r.Change.NewImage) == 0 {
		return Event{}, fmt.Errorf("outcome: stream record %s (%s) has no new image: a pipe reading this table needs its stream view NEW_AND_OLD_IMAGES, and only writes are outcomes", r.EventID, r.EventName)
	}
	item, err := toItem(r.Change.NewImage)
	if err != nil {
		return Event{}, fmt.Errorf("outcome: stream record %s: %w", r.EventID, err)
	}
	var rec metadata.Record
	if err := attributevalue.UnmarshalMap(item, &rec); err != nil {
		return Event{}, fmt.Errorf("outcome: stream record %s: the new image is no metadata record: %w", r.EventID, err)
	}
	detailType := contract.EventDetailType(rec.Status)
	if detailType == "" {
		return Event{}, fmt.Errorf("outcome: stream record %s: status %q is no outcome (want %s, %s or %s)",
			r.EventID, rec.Status, contract.StatusProcessed, contract.StatusFailed, contract.StatusDeleted)
	}
	d, err := detailOf(r.EventID, rec)
	if err != nil {
		return Event{}, fmt.Errorf("outcome: stream record %s: %w", r.EventID, err)
	}
	return Event{EventID: r.EventID, DetailType: detailType, Detail: d}, nil
}

func detailOf(outcomeID string, rec metadata.Record) (Detail, error) {
	d := Detail{
		SchemaVersion: contract.EventSchemaVersion,
		OutcomeID:     outcomeID,
		ImageID:       rec.ImageID,
		Bucket:        rec.Bucket,
		Key:           rec.Key,
		VersionID:     rec.VersionID,
		Status:        rec.Status,
		Size:          rec.Size,
		Format:        rec.Format,
		Width:         rec.Width,
		Height:        rec.Height,
		Superseded:    rec.Superseded,
		Placeholder:   rec.Placeholder,
		UploadedAt:    millis(rec.UploadTimestamp),
		ProcessedAt:   millis(rec.ProcessedAt),
	}
	if rec.Status == contract.StatusFailed {
		d.Reason = rec.FailureReason
	}
	if rec.DeletedAt != 0 {
		d.DeletedAt = millis(rec.DeletedAt)
	}
	for size, t := range rec.Thumbnails {
		n, err := strconv.Atoi(size)
		if err != nil {
			return Detail{}, fmt.Errorf("thumbnail size %q is no decimal number", size)
		}
		th := Thumbnail{Size: n, Key: t.Key, Width: t.Width, Height: t.Height, Bytes: t.Bytes}
		// In the contract's order of formats (jpeg, webp, avif).
		names := slices.SortedFunc(maps.Keys(t.Formats), func(a, b string) int {
			return cmp.Or(cmp.Compare(formatRank(a), formatRank(b)), cmp.Compare(a, b))
		})
		for _, f := range names {
			ff := t.Formats[f]
			th.Formats = append(th.Formats, ThumbnailFile{Format: f, Key: ff.Key, Bytes: ff.Bytes, ContentType: ff.ContentType})
		}
		d.Thumbnails = append(d.Thumbnails, th)
	}
	slices.SortFunc(d.Thumbnails, func(a, b Thumbnail) int {
		return cmp.Or(cmp.Compare(a.Size, b.Size), cmp.Compare(a.Key, b.Key))
	})
	return d, nil
}

// formatRank is the position of format name in contract.ThumbnailFormats
// (after them all when unknown).
func formatRank(name string) int {
	for i, f := range contract.ThumbnailFormats {
		if f.Name == name {
			return i
		}
	}
	return len(contract.ThumbnailFormats)
}

// millis renders Unix milliseconds as RFC 3339 in UTC with milliseconds.
func millis(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// toItem converts a stream image (aws-lambda-go's DynamoDB JSON types) to
// the SDK's attribute values, which attributevalue decodes.
func toItem(image map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	item := make(map[string]types.AttributeValue, len(image))
	for name, v := range image {
		av, err := toAV(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", name, err)
		}
		item[name] = av
	}
	return item, nil
}

func toAV(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeMap:
		m, err := toItem(v.Map())
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	case events.DataTypeList:
		l := make([]types.AttributeValue, 0, len(v.List()))
		for i, e := range v.List() {
			av, err := toAV(e)
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
			l = append(l, av)
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	}
	return nil, fmt.Errorf("unknown DynamoDB data type %d", v.DataType())
}
