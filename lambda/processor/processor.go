// Package processor is the Lambda handler: for every S3 ObjectCreated
// record under the uploads prefix it reads the object (with a byte cap),
// makes thumbnails, writes them next to the original's key under the
// thumbnails prefix, stores a metadata record and emits metrics.
//
// Failures come in two classes (lambda/fault). A permanent one (a bad
// image) gets a FAILED record and counts as handled. A transient one
// (throttling, 5xx, network, deadline, access denied) makes Handle return
// an error naming the key, so Lambda retries the event and finally parks it
// in the dead-letter queue. Records of one event run concurrently with a
// bound; every record's work is independent, so one record's transient
// failure does not undo the others' (their retry is idempotent).
//
// Invoke is the function's entry point: it recognises each event shape the
// function is wired to and ends every record in handleRecord, which
// reports an Outcome per record.
package processor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/fault"
	"github.com/imgpipe/imgpipe/lambda/imaging"
	"github.com/imgpipe/imgpipe/lambda/metadata"
	"github.com/imgpipe/imgpipe/lambda/objectstore"
)

// Objects reads originals and writes thumbnails (objectstore.Store).
type Objects interface {
	Read(ctx context.Context, bucket, key, versionID string, maxBytes int64) (objectstore.Object, error)
	Current(ctx context.Context, bucket, key string) (versionID, etag string, exists bool, err error)
	PutThumbnail(ctx context.Context, bucket string, t objectstore.Thumbnail) error
	Versions(ctx context.Context, bucket, key string) ([]objectstore.Version, error)
	DeleteThumbnail(ctx context.Context, bucket, key string) error
}

// Records stores metadata records (metadata.Store). Put's result says
// whether rec was written and which record it replaced; not written means
// the stored record of the same version was kept (a duplicate). Versions
// returns the records of one object version.
type Records interface {
	Put(ctx context.Context, rec metadata.Record) (metadata.PutResult, error)
	Versions(ctx context.Context, imageID string) ([]metadata.Record, error)
}

// Imager makes the thumbnails of one image (imaging.Processor).
type Imager interface {
	Process(ctx context.Context, data []byte) (*imaging.Result, error)
}

// Metrics counts outcomes (metrics.Emitter).
type Metrics interface {
	Processed(latency time.Duration, bytesIn, thumbnailBytes int64) error
	Reprocessed(latency time.Duration, bytesIn, thumbnailBytes int64) error
	Failed(reason contract.Reason, latency time.Duration, bytesIn int64) error
	Deleted() error
}

// Options configure a Handler.
type Options struct {
	UploadsPrefix    string
	ThumbnailsPrefix string
	MaxImageBytes    int64
	// ThumbnailSizes are the configured sizes (longest edge, px); they
	// decide the length of the thumbnail keys. At least one.
	ThumbnailSizes []int
	// ThumbnailFormats are the configured formats, in canonical order
	// (contract.ParseThumbnailFormats); [contract.FormatJPEG] when empty.
	// The imager must make exactly these.
	ThumbnailFormats []contract.ThumbnailFormat
	// CacheControl is the Cache-Control of every thumbnail object; "" for
	// none.
	CacheControl string
	// Rendition is the fingerprint of the thumbnail settings and imaging
	// code (lambda/rendition), stored in every record.
	Rendition   string
	Concurrency int // records processed at once, >= 1
	// DeletedRecordTTL, when > 0, sets a DELETED record's expiry (the
	// table's TTL attribute) that long after the delete.
	DeletedRecordTTL time.Duration
	Logger           *slog.Logger
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// Bounds of the safety margin kept before the invocation deadline: a tenth
// of the time left when the invocation starts, clamped to this range.
const (
	MinDeadlineMargin = 200 * time.Millisecond
	MaxDeadlineMargin = 2 * time.Second
	maxFailureMessage = 1024
	// MaxKeyBytes is the longest object key S3 accepts, in UTF-8 bytes.
	MaxKeyBytes = 1024
)

// ErrDeadline is the cause of the transient error of records that could not
// finish before the safety margin ahead of the invocation deadline.
var ErrDeadline = errors.New("stopped before the invocation deadline")

// Handler handles S3 events.
type Handler struct {
	objects Objects
	records Records
	imager  Imager
	metrics Metrics
	opts    Options
	log     *slog.Logger
	now     func() time.Time
}

// New returns a Handler.
func New(objects Objects, records Records, imager Imager, metrics Metrics, opts Options) (*Handler, error) {
	var problems []string
	if opts.UploadsPrefix == "" || opts.ThumbnailsPrefix == "" {
		problems = append(problems, "UploadsPrefix and ThumbnailsPrefix must not be empty")
	}
	if opts.MaxImageBytes <= 0 {
		problems = append(problems, fmt.Sprintf("MaxImageBytes is %d, must be > 0", opts.MaxImageBytes))
	}
	if len(opts.ThumbnailSizes) == 0 {
		problems = append(problems, "ThumbnailSizes must not be empty")
	}
	if opts.Rendition == "" {
		problems = append(problems, "Rendition (the settings fingerprint) must not be empty")
	}
	if opts.Concurrency < 1 {
		problems = append(problems, fmt.Sprintf("Concurrency is %d, must be >= 1", opts.Concurrency))
	}
	if opts.DeletedRecordTTL < 0 {
		problems = append(problems, fmt.Sprintf("DeletedRecordTTL is %s, must be >= 0", opts.DeletedRecordTTL))
	}
	if len(opts.ThumbnailFormats) == 0 {
		opts.ThumbnailFormats = []contract.ThumbnailFormat{contract.FormatJPEG}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("processor: invalid options: %s", strings.Join(problems, "; "))
	}
	h := &Handler{objects: objects, records: records, imager: imager, metrics: metrics, opts: opts, log: opts.Logger, now: opts.Now}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	return h, nil
}

// Handle processes every record of ev. It returns nil when each record was
// handled (processed, recorded as FAILED, or ignored), else the joined
// transient errors, each naming its bucket and key.
func (h *Handler) Handle(ctx context.Context, ev events.S3Event) error {
	ctx, cancel := h.withSafetyMargin(ctx)
	defer cancel()
	log := h.log
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		log = log.With("requestId", lc.AwsRequestID)
	}

	errs := make([]error, len(ev.Records))
	sem := make(chan struct{}, h.opts.Concurrency)
	var wg sync.WaitGroup
	for i, rec := range ev.Records {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			errs[i] = h.recordError(rec, fault.Transient(fmt.Errorf("not started: %w (%w)", ErrDeadline, ctx.Err())))
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			defer func() {
				if p := recover(); p != nil {
					log.Error("record panicked", "outcome", "retry", "bucket", rec.S3.Bucket.Name, "key", decodedKey(rec), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
					errs[i] = h.recordError(rec, fault.Transient(fmt.Errorf("panic: %v", p)))
				}
			}()
			if _, err := h.handleRecord(ctx, log, rec); err != nil {
				errs[i] = h.recordError(rec, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (h *Handler) recordError(rec events.S3EventRecord, err error) error {
	return fmt.Errorf("s3://%s/%s: %w", rec.S3.Bucket.Name, decodedKey(rec), err)
}

// withSafetyMargin derives a context that ends a margin before the
// invocation deadline, so records stop with a transient error while there
// is still time to return it (instead of Lambda killing the process).
func (h *Handler) withSafetyMargin(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	margin := min(max(deadline.Sub(h.now())/10, MinDeadlineMargin), MaxDeadlineMargin)
	return context.WithDeadlineCause(ctx, deadline.Add(-margin), ErrDeadline)
}

// decodedKey is the object key with the event's URL encoding removed
// (aws-lambda-go decodes it while unmarshalling the event; records built in
// code may only carry the raw key).
func decodedKey(rec events.S3EventRecord) string {
	if k := rec.S3.Object.URLDecodedKey; k != "" {
		return k
	}
	if k, err := url.QueryUnescape(rec.S3.Object.Key); err == nil {
		return k
	}
	return rec.S3.Object.Key
}

// Outcome is what became of one S3 event record. Every entry point (S3
// event notifications, and the other event shapes Invoke accepts) reports
// per record through it.
type Outcome int

// Outcomes of a record.
const (
	// OutcomeRetry: a transient failure; handleRecord returned the error and
	// nothing was recorded, so the record must be delivered again.
	OutcomeRetry Outcome = iota
	// OutcomeIgnored: not for the processor (event type, prefix, folder).
	OutcomeIgnored
	// OutcomeProcessed: a PROCESSED record was written.
	OutcomeProcessed
	// OutcomeFailed: a permanent failure; a FAILED record was written.
	OutcomeFailed
	// OutcomeDuplicate: the table already held this version's result, so
	// nothing was written or counted.
	OutcomeDuplicate
	// OutcomeReprocessed: a PROCESSED record made with another rendition
	// fingerprint was replaced by a new PROCESSED record.
	OutcomeReprocessed
	// OutcomeDeleted: a DELETED record was written (an ObjectRemoved event,
	// or a version found gone before it was processed).
	OutcomeDeleted
)

var outcomeNames = [...]string{"retry", "ignored", "processed", "failed", "duplicate", "reprocessed", "deleted"}

func (o Outcome) String() string {
	if o >= 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// job is one record in progress.
type job struct {
	start   time.Time
	rec     events.S3EventRecord
	bucket  string
	key     string
	obj     objectstore.Object
	log     *slog.Logger
	outcome Outcome // set by store and fail once the record's fate is decided
}

// handleRecord runs one record. A nil error comes with the outcome
// OutcomeIgnored, OutcomeProcessed, OutcomeReprocessed, OutcomeFailed,
// OutcomeDuplicate or OutcomeDeleted; a non-nil error is transient and
// comes with OutcomeRetry. ObjectRemoved records go to remove (delete.go).
func (h *Handler) handleRecord(ctx context.Context, log *slog.Logger, rec events.S3EventRecord) (Outcome, error) {
	j := &job{start: h.now(), rec: rec, bucket: rec.S3.Bucket.Name, key: decodedKey(rec)}
	j.log = log.With("bucket", j.bucket, "key", j.key, "eventName", rec.EventName)
	if v := rec.S3.Object.VersionID; v != "" {
		j.log = j.log.With("versionId", v)
	}
	if why := h.ignoreReason(rec.EventName, j.key); why != "" {
		level := slog.LevelInfo
		if strings.HasPrefix(j.key, h.opts.ThumbnailsPrefix) {
			level = slog.LevelWarn // the trigger should never send these
		}
		j.log.Log(ctx, level, "record ignored", "outcome", "ignored", "why", why)
		return OutcomeIgnored, nil
	}
	var err error
	if isRemoval(rec.EventName) {
		err = h.remove(ctx, j)
	} else {
		err = h.process(ctx, j)
		if reason, ok := fault.ReasonOf(err); ok {
			err = h.fail(ctx, j, reason, err)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			err = fault.Transient(fmt.Errorf("%w: %w", context.Cause(ctx), err))
		}
		j.log.Error("record failed transiently; the event will be retried", "outcome", "retry", "error", err.Error(),
			"durationMs", h.now().Sub(j.start).Milliseconds())
		return OutcomeRetry, err
	}
	return j.outcome, nil
}

// ignoreReason says why a record is not processed, or "" to process it.
func (h *Handler) ignoreReason(eventName, key string) string {
	switch {
	case !strings.Contains(eventName, "ObjectCreated:") && !isRemoval(eventName):
		// AWS sends "ObjectCreated:Put", some S3-compatible stores "s3:ObjectCreated:Put".
		return "neither an ObjectCreated nor an ObjectRemoved event"
	case strings.HasPrefix(key, h.opts.ThumbnailsPrefix):
		return "under the thumbnails prefix " + h.opts.ThumbnailsPrefix + " (recursion guard: check the trigger's prefix filter)"
	case !strings.HasPrefix(key, h.opts.UploadsPrefix):
		return "outside the uploads prefix " + h.opts.UploadsPrefix
	case strings.HasSuffix(key, "/"):
		return "a folder placeholder, not an object"
	}
	return ""
}

// process runs one record up to its PROCESSED record. A permanent error
// returned from here becomes a FAILED record.
func (h *Handler) process(ctx context.Context, j *job) error {
	if err := h.checkKeyLength(j.key); err != nil {
		j.obj = objectstore.Object{VersionID: j.rec.S3.Object.VersionID, Size: j.rec.S3.Object.Size}
		return err
	}
	if size := j.rec.S3.Object.Size; size > h.opts.MaxImageBytes {
		j.obj = objectstore.Object{VersionID: j.rec.S3.Object.VersionID, Size: size}
		return fault.Permanentf(contract.ReasonTooLarge, "object is %d bytes (from the event), over the cap of %d bytes", size, h.opts.MaxImageBytes)
	}
	obj, err := h.objects.Read(ctx, j.bucket, j.key, j.rec.S3.Object.VersionID, h.opts.MaxImageBytes)
	j.obj = obj
	if err != nil {
		return err
	}
	if len(obj.Data) == 0 {
		return fault.Permanentf(contract.ReasonEmpty, "object has zero bytes")
	}
	res, err := h.runImager(ctx, obj.Data)
	if err != nil {
		return err
	}
	return h.store(ctx, j, res)
}

// checkKeyLength fails permanently when the longest thumbnail key of key
// would exceed S3's key limit: PutObject would refuse it on every retry.
func (h *Handler) checkKeyLength(key string) error {
	longest := 0
	for _, size := range h.opts.ThumbnailSizes {
		for _, f := range h.opts.ThumbnailFormats {
			longest = max(longest, len(f.Key(h.opts.ThumbnailsPrefix, h.opts.UploadsPrefix, key, size)))
		}
	}
	if longest > MaxKeyBytes {
		return fault.Permanentf(contract.ReasonKeyTooLong,
			"key is %d bytes, so its longest thumbnail key would be %d bytes, over the S3 limit of %d bytes", len(key), longest, MaxKeyBytes)
	}
	return nil
}

// runImager runs the imager but stops waiting for it when ctx ends, so a
// long decode cannot run into the invocation deadline.
func (h *Handler) runImager(ctx context.Context, data []byte) (*imaging.Result, error) {
	type out struct {
		res *imaging.Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- out{err: fault.Transient(fmt.Errorf("imaging panicked: %v\n%s", p, debug.Stack()))}
			}
		}()
		res, err := h.imager.Process(ctx, data)
		done <- out{res, err}
	}()
	select {
	case o := <-done:
		if o.err == nil && o.res == nil {
			return nil, fault.Transient(errors.New("imaging returned neither a result nor an error"))
		}
		if o.err != nil && !fault.IsPermanent(o.err) {
			return nil, fault.Transient(fmt.Errorf("imaging: %w", o.err))
		}
		return o.res, o.err
	case <-ctx.Done():
		return nil, fault.Transient(fmt.Errorf("imaging: %w", context.Cause(ctx)))
	}
}

// isCurrent reports whether the version read is still the key's current
// version: by versionId when both sides have one, else by ETag.
func isCurrent(read objectstore.Object, curVersion, curETag string, exists bool) bool {
	if !exists {
		return false
	}
	if read.VersionID != "" && curVersion != "" {
		return read.VersionID == curVersion
	}
	return read.ETag == curETag
}

// store writes the thumbnails (unless the version is superseded) and the
// PROCESSED record.
//
// Thumbnails live at one key per original key, shared by all its versions,
// so an event for an older version must not overwrite the thumbnails of a
// newer one (S3 does not order event delivery). Just before writing, the
// key's current version is checked; when it is no longer the version read,
// the thumbnails are skipped and the record says superseded. The newer
// version's own event writes its thumbnails. The check narrows the race to
// the time between the check and the writes (milliseconds, while a newer
// upload's event takes longer than that to arrive and be processed).
func (h *Handler) store(ctx context.Context, j *job, res *imaging.Result) error {
	curVersion, curETag, exists, err := h.objects.Current(ctx, j.bucket, j.key)
	if err != nil {
		return err
	}
	superseded := !isCurrent(j.obj, curVersion, curETag, exists)
	if superseded {
		// A delete of this version may have been handled first (S3 does
		// not order events): then nothing is written.
		base := h.baseRecord(j)
		if deleted, err := h.deletedBefore(ctx, j, &base); err != nil || deleted {
			return err
		}
	}
	var thumbs map[string]metadata.Thumbnail
	var thumbBytes int64
	if superseded {
		j.log.Warn("a newer version is current: thumbnails not written", "currentVersionId", curVersion, "currentETag", curETag, "currentExists", exists)
	} else {
		thumbs = make(map[string]metadata.Thumbnail, len(res.Thumbnails))
		for _, t := range res.Thumbnails {
			rt, n, err := h.putThumbnail(ctx, j, t)
			if err != nil {
				return err
			}
			thumbs[strconv.Itoa(t.Size)] = rt
			thumbBytes += n
		}
	}
	sum := sha256.Sum256(j.obj.Data)
	rec := h.baseRecord(j)
	rec.Status = contract.StatusProcessed
	rec.Format, rec.Width, rec.Height, rec.Orientation = string(res.Format), res.Width, res.Height, int(res.Orientation)
	rec.ColorProfile, rec.ColorSpace, rec.ColorAction, rec.ColorNote = res.ColorProfile, res.ColorSpace, string(res.ColorAction), res.ColorNote
	rec.BitDepth, rec.HasAlpha = res.BitDepth, res.HasAlpha
	rec.Placeholder, rec.AverageColor, rec.DominantColor = res.Placeholder, res.AverageColor, res.DominantColor
	rec.SHA256 = hex.EncodeToString(sum[:])
	rec.Thumbnails = thumbs
	rec.Superseded = superseded
	if e := res.Exif; e != nil && (e.Make != "" || e.Model != "" || !e.TakenAt.IsZero()) {
		rec.Exif = &metadata.Exif{Make: e.Make, Model: e.Model}
		if !e.TakenAt.IsZero() {
			rec.Exif.TakenAt = e.TakenAt.Format(time.RFC3339)
		}
	}
	put, err := h.put(ctx, j, &rec)
	if err != nil {
		return err
	}
	if !put.Written {
		h.logDuplicate(ctx, j, &rec)
		return nil
	}
	latency := time.Duration(rec.DurationMs) * time.Millisecond
	if put.Reprocessed() {
		deleted := h.deleteStale(ctx, j, put.Previous, &rec)
		j.outcome = OutcomeReprocessed
		h.emit(j, h.metrics.Reprocessed(latency, j.obj.Size, thumbBytes))
		j.log.Info("image reprocessed", "outcome", "reprocessed", "imageId", rec.ImageID, "recordWritten", true,
			"superseded", superseded, "thumbnails", len(thumbs), "rendition", rec.Rendition,
			"previousRendition", put.Previous.Rendition, "thumbnailsDeleted", deleted, "durationMs", rec.DurationMs)
		return nil
	}
	j.outcome = OutcomeProcessed
	h.emit(j, h.metrics.Processed(latency, j.obj.Size, thumbBytes))
	j.log.Info("image processed", "outcome", "processed", "imageId", rec.ImageID, "recordWritten", true,
		"superseded", superseded, "thumbnails", len(thumbs), "durationMs", rec.DurationMs)
	return nil
}

// putThumbnail writes one size in every format the imager made, and
// returns its record entry and the bytes written. The record's primary
// key is the first configured format's: JPEG's whenever jpeg is
// configured (metadata.Thumbnail).
func (h *Handler) putThumbnail(ctx context.Context, j *job, t imaging.Thumbnail) (metadata.Thumbnail, int64, error) {
	rt := metadata.Thumbnail{Width: t.Width, Height: t.Height, Formats: make(map[string]metadata.FormatFile, len(t.Encodings))}
	if len(t.Encodings) != len(h.opts.ThumbnailFormats) {
		return rt, 0, fault.Transient(fmt.Errorf("the imager made %d formats of the %d px thumbnail, %d are configured", len(t.Encodings), t.Size, len(h.opts.ThumbnailFormats)))
	}
	var n int64
	for i, f := range h.opts.ThumbnailFormats {
		e := t.Encodings[i]
		if string(e.Format) != f.Name {
			return rt, 0, fault.Transient(fmt.Errorf("the imager made %s for the %d px thumbnail where %s is configured", e.Format, t.Size, f.Name))
		}
		key := f.Key(h.opts.ThumbnailsPrefix, h.opts.UploadsPrefix, j.key, t.Size)
		err := h.objects.PutThumbnail(ctx, j.bucket, objectstore.Thumbnail{Key: key, Body: e.Data, ContentType: f.ContentType, CacheControl: h.opts.CacheControl})
		if err != nil {
			return rt, 0, err
		}
		rt.Formats[f.Name] = metadata.FormatFile{Key: key, Bytes: int64(len(e.Data)), ContentType: f.ContentType}
		if i == 0 {
			rt.Key, rt.Bytes = key, int64(len(e.Data))
		}
		n += int64(len(e.Data))
	}
	return rt, n, nil
}

// deleteStale deletes the thumbnails the replaced record lists that the
// new record does not (sizes or formats no longer configured), and returns
// how many it deleted. Thumbnail keys are shared by all versions of an
// upload key, so nothing is deleted when the new record is superseded (the
// newer version owns the thumbnails). A failed delete is logged and left
// for `imgpipe audit --fix` (which finds thumbnails of unconfigured sizes
// and formats): the new record is already written, so a retry would see a
// duplicate and could not redo it.
func (h *Handler) deleteStale(ctx context.Context, j *job, prev, rec *metadata.Record) int {
	if rec.Superseded || prev == nil {
		return 0
	}
	keep := map[string]bool{}
	for _, t := range rec.Thumbnails {
		for _, k := range t.Keys() {
			keep[k] = true
		}
	}
	sizes := slices.Sorted(maps.Keys(prev.Thumbnails))
	deleted := 0
	for _, size := range sizes {
		for _, key := range prev.Thumbnails[size].Keys() {
			if keep[key] || !strings.HasPrefix(key, h.opts.ThumbnailsPrefix) {
				continue
			}
			if err := h.objects.DeleteThumbnail(ctx, j.bucket, key); err != nil {
				j.log.Error("thumbnail no longer configured not deleted; `imgpipe audit --fix` removes it",
					"thumbnailKey", key, "size", size, "error", err.Error())
				continue
			}
			deleted++
		}
	}
	return deleted
}

// fail writes the FAILED record of a permanent failure; a version found
// gone is recorded DELETED instead (gone, in delete.go).
func (h *Handler) fail(ctx context.Context, j *job, reason contract.Reason, cause error) error {
	if reason == contract.ReasonNotFound {
		return h.gone(ctx, j, cause)
	}
	rec := h.baseRecord(j)
	rec.Status = contract.StatusFailed
	rec.FailureReason = string(reason)
	rec.FailureMessage = truncate(cause.Error(), maxFailureMessage)
	if j.obj.Data != nil {
		sum := sha256.Sum256(j.obj.Data)
		rec.SHA256 = hex.EncodeToString(sum[:])
	}
	res, err := h.put(ctx, j, &rec)
	if err != nil {
		j.log.Error("FAILED record not written; the event will be retried", "outcome", "retry", "reason", string(reason), "error", err.Error())
		return err
	}
	if !res.Written {
		h.logDuplicate(ctx, j, &rec)
		return nil
	}
	j.outcome = OutcomeFailed
	h.emit(j, h.metrics.Failed(reason, time.Duration(rec.DurationMs)*time.Millisecond, int64(len(j.obj.Data))))
	j.log.Warn("image failed permanently", "outcome", "failed", "reason", string(reason), "error", rec.FailureMessage,
		"imageId", rec.ImageID, "recordWritten", true, "durationMs", rec.DurationMs)
	return nil
}

// logDuplicate reports a result the store refused because the table already
// holds the version's result (a redelivered or retried event): nothing is
// written, counted or returned as an error.
func (h *Handler) logDuplicate(ctx context.Context, j *job, rec *metadata.Record) {
	j.outcome = OutcomeDuplicate
	j.log.InfoContext(ctx, "duplicate event, record already stored", "outcome", "duplicate", "imageId", rec.ImageID,
		"status", rec.Status, "reason", rec.FailureReason, "durationMs", rec.DurationMs)
}

// baseRecord fills the identity of the object version.
func (h *Handler) baseRecord(j *job) metadata.Record {
	o := j.obj
	etag := o.ETag
	if etag == "" {
		etag = metadata.NormalizeETag(j.rec.S3.Object.ETag)
	}
	version := o.VersionID
	if version == "" {
		version = j.rec.S3.Object.VersionID
	}
	size := o.Size
	if size == 0 && o.Data == nil {
		size = j.rec.S3.Object.Size
	}
	// LastModified at S3's whole-second precision, whichever API it came
	// from, so every path keys a version's record the same.
	uploaded := o.LastModified.Truncate(time.Second)
	if uploaded.IsZero() {
		uploaded = j.rec.EventTime
	}
	if uploaded.IsZero() {
		uploaded = j.start
	}
	return metadata.Record{
		RecordVersion:   metadata.RecordVersion,
		ImageID:         metadata.ImageID(j.bucket, j.key, version, etag),
		UploadTimestamp: uploaded.UnixMilli(),
		Bucket:          j.bucket,
		Key:             j.key,
		VersionID:       version,
		ETag:            etag,
		Size:            size,
		ContentType:     o.ContentType,
	}
}

// put stamps and stores rec. When the write succeeded but the record it
// replaced could not be decoded, the write stands: the error is logged
// and the result is reported as a first write.
func (h *Handler) put(ctx context.Context, j *job, rec *metadata.Record) (metadata.PutResult, error) {
	now := h.now()
	rec.ProcessedAt = now.UnixMilli()
	rec.DurationMs = now.Sub(j.start).Milliseconds()
	rec.Rendition = h.opts.Rendition
	res, err := h.records.Put(ctx, *rec)
	if err != nil && res.Written {
		j.log.Error("record written; the record it replaced is unreadable", "imageId", rec.ImageID, "error", err.Error())
		return metadata.PutResult{Written: true}, nil
	}
	return res, err
}

func (h *Handler) emit(j *job, err error) {
	if err != nil {
		j.log.Error("metric not written", "error", err.Error())
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
