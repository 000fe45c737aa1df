// Package audit compares the bucket with the metadata table and names what
// disagrees:
//   - unprocessed: an upload whose current version has no record;
//   - missing thumbnails: the current version's PROCESSED record lists
//     thumbnails that are not in the bucket;
//   - orphans: thumbnails whose upload is gone, and thumbnails of a size
//     the upload's current PROCESSED record does not list (left by a change
//     of THUMBNAIL_SIZES).
//
// A deleted upload (no current version) is never "unprocessed": only what
// the bucket holds now is audited. A FAILED record is the pipeline's answer
// for a bad image, so it is counted, not flagged.
package audit

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/metadata"
	"github.com/imgpipe/imgpipe/ops/inventory"
	"github.com/imgpipe/imgpipe/ops/progress"
	"github.com/imgpipe/imgpipe/ops/run"
)

// Records finds the record of an object version (records.Store).
type Records interface {
	ForImage(ctx context.Context, imageID string) (*metadata.Record, error)
}

// Target is what is audited.
type Target struct {
	Bucket           string
	UploadsPrefix    string
	ThumbnailsPrefix string
	// Prefix limits the audit to uploads under it (and their thumbnails);
	// it must start with UploadsPrefix. Empty: all uploads.
	Prefix string
}

// Missing is a current version whose record lists thumbnails the bucket
// does not hold.
type Missing struct {
	inventory.Object
	Thumbnails []string `json:"thumbnails"`
}

// Orphan is a thumbnail that no current record accounts for.
type Orphan struct {
	Key    string `json:"key"`
	Reason string `json:"reason"`
}

// Orphan reasons.
const (
	OrphanUploadGone  = "upload gone"
	OrphanStaleSize   = "size not in the current record"
	OrphanStaleFormat = "format not in the current record"
)

// Report is the outcome of an audit.
type Report struct {
	Prefix            string             `json:"prefix"`
	Uploads           int                `json:"uploads"`    // current versions under the prefix
	Thumbnails        int                `json:"thumbnails"` // thumbnail objects under the matching prefixes
	Processed         int                `json:"processed"`  // current versions with a PROCESSED record
	Failed            int                `json:"failed"`     // current versions with a FAILED record
	Unprocessed       []inventory.Object `json:"unprocessed"`
	MissingThumbnails []Missing          `json:"missingThumbnails"`
	Orphans           []Orphan           `json:"orphans"`
	// Unrecognised counts objects under the thumbnails prefix that are not
	// named like a thumbnail; they are left alone.
	Unrecognised int `json:"unrecognised"`
	// LookupErrors are versions whose record could not be read: the audit
	// of those is incomplete.
	LookupErrors []string `json:"lookupErrors,omitempty"`
	Interrupted  bool     `json:"interrupted,omitempty"`
	NotChecked   int      `json:"notChecked,omitempty"` // versions left by an interrupt
}

// Clean reports whether the audit found nothing and checked everything.
func (r Report) Clean() bool {
	return len(r.Unprocessed) == 0 && len(r.MissingThumbnails) == 0 && len(r.Orphans) == 0 &&
		len(r.LookupErrors) == 0 && !r.Interrupted
}

// ValidatePrefix checks an audit or backfill prefix against the uploads
// prefix and returns the effective prefix.
func ValidatePrefix(prefix, uploadsPrefix string) (string, error) {
	if prefix == "" {
		return uploadsPrefix, nil
	}
	if !strings.HasPrefix(prefix, uploadsPrefix) {
		return "", fmt.Errorf("--prefix %q is outside the uploads prefix %q: give a key prefix such as %q",
			prefix, uploadsPrefix, uploadsPrefix+strings.TrimPrefix(prefix, "/"))
	}
	return prefix, nil
}

// Run audits t. Listing errors end it with an error; a record that cannot
// be read is a LookupError and the rest goes on. Record lookups run within
// o's bounds (one Query per current version).
// newProgress, when not nil, makes the reporter of the record lookups once
// their number is known.
func Run(ctx context.Context, s3 inventory.Lister, recs Records, t Target, o run.Options, newProgress func(total int) progress.Reporter) (Report, error) {
	prefix, err := ValidatePrefix(t.Prefix, t.UploadsPrefix)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Prefix: prefix, Unprocessed: []inventory.Object{}, MissingThumbnails: []Missing{}, Orphans: []Orphan{}}
	uploads, err := inventory.Current(ctx, s3, t.Bucket, prefix)
	if err != nil {
		return rep, err
	}
	rep.Uploads = len(uploads)
	thumbs, err := listThumbnails(ctx, s3, t, prefix)
	if err != nil {
		return rep, err
	}
	rep.Thumbnails = len(thumbs)
	haveThumb := make(map[string]bool, len(thumbs))
	for _, th := range thumbs {
		haveThumb[th.Key] = true
	}

	if newProgress != nil {
		o.Progress = newProgress(len(uploads))
	}
	found := make([]*metadata.Record, len(uploads))
	checked := make([]bool, len(uploads))
	idx := make([]int, len(uploads))
	for i := range idx {
		idx[i] = i
	}
	sum := run.Each(ctx, idx, o, nil, func(ctx context.Context, i int) error {
		rec, err := recs.ForImage(ctx, uploads[i].ImageID(t.Bucket))
		found[i], checked[i] = rec, err == nil
		return err
	})
	for _, f := range sum.Failed {
		rep.LookupErrors = append(rep.LookupErrors, fmt.Sprintf("%s (version %s): %v", uploads[f.Item].Key, uploads[f.Item].VersionID, f.Err))
	}
	rep.Interrupted, rep.NotChecked = sum.Interrupted, sum.NotStarted

	current := make(map[string]*metadata.Record, len(uploads)) // upload key -> its current version's PROCESSED record
	exists := make(map[string]bool, len(uploads))
	for i, up := range uploads {
		exists[up.Key] = true
		rec := found[i]
		switch {
		case !checked[i]: // lookup failed, or not started before an interrupt
		case rec == nil:
			rep.Unprocessed = append(rep.Unprocessed, up)
		case rec.Status == contract.StatusProcessed:
			rep.Processed++
			if rec.Superseded {
				continue // processed while a newer version was current: it has no thumbnails of its own
			}
			current[up.Key] = rec
			var missing []string
			for _, size := range sortedSizes(rec.Thumbnails) {
				for _, k := range rec.Thumbnails[size].Keys() { // every format the record lists
					if !haveThumb[k] {
						missing = append(missing, k)
					}
				}
			}
			if len(missing) > 0 {
				rep.MissingThumbnails = append(rep.MissingThumbnails, Missing{Object: up, Thumbnails: missing})
			}
		case rec.Status == contract.StatusFailed:
			rep.Failed++
		}
	}
	if rep.Interrupted {
		// Orphans are judged against every upload's record: not after an interrupt.
		return rep, nil
	}
	for _, th := range thumbs {
		upKey, size, ok := contract.UploadKeyOfThumbnail(t.ThumbnailsPrefix, t.UploadsPrefix, th.Key)
		switch {
		case !ok:
			rep.Unrecognised++
		case !exists[upKey]:
			rep.Orphans = append(rep.Orphans, Orphan{Key: th.Key, Reason: OrphanUploadGone})
		case current[upKey] != nil:
			if t, listed := current[upKey].Thumbnails[strconv.Itoa(size)]; !listed {
				rep.Orphans = append(rep.Orphans, Orphan{Key: th.Key, Reason: OrphanStaleSize})
			} else if !slices.Contains(t.Keys(), th.Key) {
				rep.Orphans = append(rep.Orphans, Orphan{Key: th.Key, Reason: OrphanStaleFormat})
			}
		}
	}
	return rep, nil
}

// listThumbnails lists the thumbnails that belong to uploads under prefix:
// everything under the thumbnails prefix for the whole uploads prefix, else
// "<thumbnails prefix><size>/<rest of prefix>" for every size folder.
func listThumbnails(ctx context.Context, s3 inventory.Lister, t Target, prefix string) ([]inventory.Object, error) {
	if prefix == t.UploadsPrefix {
		return inventory.Current(ctx, s3, t.Bucket, t.ThumbnailsPrefix)
	}
	folders, err := inventory.Folders(ctx, s3, t.Bucket, t.ThumbnailsPrefix)
	if err != nil {
		return nil, err
	}
	rest := strings.TrimPrefix(prefix, t.UploadsPrefix)
	var out []inventory.Object
	for _, f := range folders {
		objs, err := inventory.Current(ctx, s3, t.Bucket, f+rest)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func sortedSizes(m map[string]metadata.Thumbnail) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b string) int {
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return x - y
	})
	return out
}
