package processor

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/fault"
	"github.com/imgpipe/imgpipe/lambda/metadata"
	"github.com/imgpipe/imgpipe/lambda/objectstore"
)

// Deletes. S3 sends ObjectRemoved events in two kinds (versioned bucket):
//   - ObjectRemoved:DeleteMarkerCreated, with the new delete marker's
//     versionId: a DeleteObject without a version id hid the current
//     version, which still exists as a noncurrent version until the
//     lifecycle rule expires it. The affected version is the one the marker
//     hid: the newest version listed before the marker.
//   - ObjectRemoved:Delete, with the versionId deleted permanently: a
//     version, or a delete marker (which restores the version under it).
//
// Thumbnails live at one key per original key, size and format. They are
// deleted, for every size and format the affected records list and every
// one configured now, when the
// key is left with no current version, or when the version deleted was
// newer than the one now current (the thumbnails were made from it). The
// affected version's record becomes DELETED (metadata.Deleted keeps only
// identity, dimensions and format), after the thumbnails are gone, so a
// redelivered event that finds the record DELETED has nothing left to do.
//
// S3 does not order events, so a delete can be handled before the create
// of the same version. A delete marker's affected version then has no
// record yet: a DELETED record is written for it (from the listing: its
// upload time is the key the create would use), and the create path,
// finding the key without a current version and the record DELETED,
// writes neither thumbnails nor a record. A version deleted permanently
// before its create was handled cannot be read any more: the create path
// records it DELETED when its read finds the version gone.

// isRemoval reports whether eventName is an ObjectRemoved event ("s3:" or
// not, as for ObjectCreated).
func isRemoval(eventName string) bool { return strings.Contains(eventName, "ObjectRemoved:") }

// remove handles an ObjectRemoved record. Every error it returns is
// transient: nothing about a delete is a property of the image.
func (h *Handler) remove(ctx context.Context, j *job) error {
	err := h.removeVersion(ctx, j)
	if err != nil && fault.IsPermanent(err) {
		err = fault.Transient(err)
	}
	return err
}

func (h *Handler) removeVersion(ctx context.Context, j *job) error {
	versionID := j.rec.S3.Object.VersionID
	versions, err := h.objects.Versions(ctx, j.bucket, j.key)
	if err != nil {
		return err
	}
	var current *objectstore.Version
	if len(versions) > 0 && versions[0].IsLatest && !versions[0].DeleteMarker {
		current = &versions[0]
	}
	if versionID == "" {
		// An unversioned bucket: the record's id derives from the ETag,
		// which delete events do not carry, so no record can be found.
		j.log.WarnContext(ctx, "delete event without a versionId: records are not marked DELETED (the modules always version the bucket)")
		if current == nil {
			return h.removeThumbnails(ctx, j, nil)
		}
		j.outcome = OutcomeIgnored
		return nil
	}

	if strings.HasSuffix(j.rec.EventName, "DeleteMarkerCreated") {
		return h.removeMarked(ctx, j, versions, versionID, current)
	}
	return h.removeDeleted(ctx, j, versionID, current)
}

// removeMarked handles a delete marker: the version it hid becomes DELETED,
// and the thumbnails go when the key has no current version.
func (h *Handler) removeMarked(ctx context.Context, j *job, versions []objectstore.Version, markerID string, current *objectstore.Version) error {
	i := slices.IndexFunc(versions, func(v objectstore.Version) bool { return v.DeleteMarker && v.VersionID == markerID })
	// The entry listed just before the marker was current when it was
	// created; a marker there means the key had no current version.
	var hidden *objectstore.Version
	if i >= 0 && i+1 < len(versions) && !versions[i+1].DeleteMarker {
		hidden = &versions[i+1]
	}
	if hidden == nil {
		why := "the marker hid no version (the key had none)"
		if i < 0 {
			why = "the marker is no longer listed (deleted since, which restored the version under it)"
		}
		j.log.InfoContext(ctx, "delete marker affects no version", "markerVersionId", markerID, "why", why)
		j.outcome = OutcomeIgnored
		if current == nil {
			return h.removeThumbnails(ctx, j, nil)
		}
		return nil
	}
	id := metadata.ImageID(j.bucket, j.key, hidden.VersionID, "")
	recs, err := h.records.Versions(ctx, id)
	if err != nil {
		return err
	}
	live := liveRecords(recs)
	if len(recs) > 0 && len(live) == 0 {
		h.logDeletedAlready(ctx, j, id, hidden.VersionID)
		return nil
	}
	if current == nil {
		if err := h.removeThumbnails(ctx, j, live); err != nil {
			return err
		}
	}
	if len(live) == 0 {
		// Deleted before its create event was handled: record it from the
		// listing, under the upload time the create path would use.
		live = []metadata.Record{{
			ImageID:         id,
			UploadTimestamp: hidden.LastModified.Truncate(time.Second).UnixMilli(),
			Bucket:          j.bucket,
			Key:             j.key,
			VersionID:       hidden.VersionID,
			Size:            hidden.Size,
		}}
	}
	return h.markDeleted(ctx, j, live, hidden.VersionID)
}

// removeDeleted handles a version (or delete marker) deleted permanently.
func (h *Handler) removeDeleted(ctx context.Context, j *job, versionID string, current *objectstore.Version) error {
	id := metadata.ImageID(j.bucket, j.key, versionID, "")
	recs, err := h.records.Versions(ctx, id)
	if err != nil {
		return err
	}
	live := liveRecords(recs)
	if len(recs) > 0 && len(live) == 0 {
		h.logDeletedAlready(ctx, j, id, versionID)
		return nil
	}
	thumbsGone := current == nil
	if !thumbsGone {
		// The thumbnails were made from the deleted version if it wrote
		// them and is newer than the version now current.
		currentAt := current.LastModified.Truncate(time.Second).UnixMilli()
		for _, r := range live {
			if len(r.Thumbnails) > 0 && !r.Superseded && r.UploadTimestamp > currentAt {
				thumbsGone = true
			}
		}
	}
	if thumbsGone {
		if err := h.removeThumbnails(ctx, j, live); err != nil {
			return err
		}
	}
	if len(live) == 0 {
		// No record: a delete marker was removed (restoring the version
		// under it, whose record stays as it is), or the version's create
		// event is still to come (it records the version DELETED when it
		// finds it gone).
		j.log.InfoContext(ctx, "deleted version has no record", "outcome", "ignored", "imageId", id, "thumbnailsDeleted", thumbsGone)
		if j.outcome != OutcomeDeleted {
			j.outcome = OutcomeIgnored
		}
		return nil
	}
	return h.markDeleted(ctx, j, live, versionID)
}

// liveRecords are the records not DELETED yet.
func liveRecords(recs []metadata.Record) []metadata.Record {
	var live []metadata.Record
	for _, r := range recs {
		if r.Status != contract.StatusDeleted {
			live = append(live, r)
		}
	}
	return live
}

// removeThumbnails deletes every thumbnail of the key: every size and
// format the records list, and every one the configuration makes now.
func (h *Handler) removeThumbnails(ctx context.Context, j *job, recs []metadata.Record) error {
	keys := map[string]bool{}
	for _, size := range h.opts.ThumbnailSizes {
		for _, f := range h.opts.ThumbnailFormats {
			keys[f.Key(h.opts.ThumbnailsPrefix, h.opts.UploadsPrefix, j.key, size)] = true
		}
	}
	for _, r := range recs {
		for _, t := range r.Thumbnails {
			for _, k := range t.Keys() {
				if strings.HasPrefix(k, h.opts.ThumbnailsPrefix) {
					keys[k] = true
				}
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if err := h.objects.DeleteThumbnail(ctx, j.bucket, k); err != nil {
			return err
		}
	}
	j.log.InfoContext(ctx, "thumbnails deleted", "thumbnails", len(keys))
	return nil
}

// markDeleted writes the DELETED record of each of recs.
func (h *Handler) markDeleted(ctx context.Context, j *job, recs []metadata.Record, versionID string) error {
	for _, r := range recs {
		d := metadata.Deleted(r, h.now(), h.opts.DeletedRecordTTL)
		d.DurationMs = h.now().Sub(j.start).Milliseconds()
		res, err := h.records.Put(ctx, d)
		if err != nil {
			return err
		}
		if !res.Written {
			h.logDeletedAlready(ctx, j, d.ImageID, versionID)
			continue
		}
		j.outcome = OutcomeDeleted
		h.emit(j, h.metrics.Deleted())
		j.log.InfoContext(ctx, "image deleted", "outcome", "deleted", "imageId", d.ImageID, "deletedVersionId", versionID,
			"recordWritten", true, "durationMs", d.DurationMs)
	}
	return nil
}

func (h *Handler) logDeletedAlready(ctx context.Context, j *job, imageID, versionID string) {
	if j.outcome != OutcomeDeleted {
		j.outcome = OutcomeDuplicate
	}
	j.log.InfoContext(ctx, "duplicate event, version already DELETED", "outcome", "duplicate", "imageId", imageID,
		"deletedVersionId", versionID)
}

// deletedBefore reports whether the version of j already has a DELETED
// record: the create path then writes nothing.
func (h *Handler) deletedBefore(ctx context.Context, j *job, rec *metadata.Record) (bool, error) {
	recs, err := h.records.Versions(ctx, rec.ImageID)
	if err != nil {
		return false, err
	}
	for _, r := range recs {
		if r.Status == contract.StatusDeleted {
			j.outcome = OutcomeDuplicate
			j.log.InfoContext(ctx, "version already DELETED: nothing written", "outcome", "duplicate", "imageId", rec.ImageID)
			return true, nil
		}
	}
	return false, nil
}

// gone records a version whose read found it deleted (NoSuchKey,
// NoSuchVersion): DELETED, unless the version already has a record, which
// its delete event marks (or has marked) DELETED.
func (h *Handler) gone(ctx context.Context, j *job, cause error) error {
	rec := h.baseRecord(j)
	recs, err := h.records.Versions(ctx, rec.ImageID)
	if err != nil {
		return err
	}
	if len(recs) > 0 {
		j.outcome = OutcomeDuplicate
		j.log.InfoContext(ctx, "version gone but already recorded: its delete event marks it", "outcome", "duplicate",
			"imageId", rec.ImageID, "status", recs[0].Status, "error", cause.Error())
		return nil
	}
	j.log.InfoContext(ctx, "version deleted before it was processed", "imageId", rec.ImageID, "error", cause.Error())
	return h.markDeleted(ctx, j, []metadata.Record{rec}, rec.VersionID)
}
