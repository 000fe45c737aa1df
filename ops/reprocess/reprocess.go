// Package reprocess selects the object versions to process again, from
// their records: by status and failure reason (through the status index),
// key prefix, and whether the record's rendition fingerprint differs from
// the deployed configuration's (after a change of THUMBNAIL_SIZES, quality,
// formats, or of the imaging code's rendition version).
//
// What reprocessing then does follows the record write rule: a PROCESSED
// record under another fingerprint is replaced (ImagesReprocessed) and the
// thumbnails of sizes no longer configured are deleted; under the same
// fingerprint it is a duplicate (the thumbnails are written again, the
// record is kept); a FAILED record is replaced by the new result.
package reprocess

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/config"
	"github.com/imgpipe/imgpipe/lambda/metadata"
	"github.com/imgpipe/imgpipe/lambda/rendition"
	"github.com/imgpipe/imgpipe/ops/inventory"
)

// Records reads records by status (records.Store).
type Records interface {
	EachWithStatus(ctx context.Context, status string, fn func(metadata.Record) error) error
}

// Selection says which records to reprocess. At least one criterion must
// be given (Validate), so that "reprocess" alone never means "everything".
type Selection struct {
	Status string // contract.StatusProcessed or contract.StatusFailed; "" for both
	Reason string // a failure reason; implies FAILED
	Prefix string // key prefix (under the uploads prefix)
	// Rendition, when not empty, selects records whose fingerprint differs
	// from it (--older-than-config: the deployed configuration's).
	Rendition string
}

// Validate checks the selection and returns it with Status implied by
// Reason.
func (s Selection) Validate(uploadsPrefix string) (Selection, error) {
	if s.Status == "" && s.Reason == "" && s.Prefix == "" && s.Rendition == "" {
		return s, fmt.Errorf("reprocess needs a selection: --status, --reason, --prefix and/or --older-than-config")
	}
	switch s.Status {
	case "", contract.StatusProcessed, contract.StatusFailed:
	default:
		return s, fmt.Errorf("--status %q: want %s or %s", s.Status, contract.StatusProcessed, contract.StatusFailed)
	}
	if s.Reason != "" {
		known := false
		var names []string
		for _, r := range contract.Reasons {
			known = known || string(r) == s.Reason
			names = append(names, string(r))
		}
		if !known {
			return s, fmt.Errorf("--reason %q is not a failure reason: want one of %s", s.Reason, strings.Join(names, ", "))
		}
		if s.Status == contract.StatusProcessed {
			return s, fmt.Errorf("--reason %q selects FAILED records: it cannot go with --status %s", s.Reason, contract.StatusProcessed)
		}
		s.Status = contract.StatusFailed
	}
	if s.Prefix != "" && !strings.HasPrefix(s.Prefix, uploadsPrefix) {
		return s, fmt.Errorf("--prefix %q is outside the uploads prefix %q", s.Prefix, uploadsPrefix)
	}
	return s, nil
}

// CurrentRendition is the fingerprint of a function configuration given
// as its environment (lambda/config), i.e. what the deployed function
// stamps on the records it writes now.
func CurrentRendition(env map[string]string) (string, error) {
	cfg, err := config.Load(func(name string) (string, bool) { v, ok := env[name]; return v, ok })
	if err != nil {
		return "", fmt.Errorf("the function's configuration: %w", err)
	}
	return rendition.FromConfig(cfg).Fingerprint(), nil
}

// Select returns the object versions of the records sel matches, newest
// upload first within each status, each version once.
func Select(ctx context.Context, recs Records, sel Selection) ([]inventory.Object, error) {
	statuses := []string{contract.StatusProcessed, contract.StatusFailed}
	if sel.Status != "" {
		statuses = []string{sel.Status}
	}
	seen := map[string]bool{}
	var out []inventory.Object
	for _, st := range statuses {
		err := recs.EachWithStatus(ctx, st, func(r metadata.Record) error {
			switch {
			case sel.Reason != "" && r.FailureReason != sel.Reason,
				sel.Prefix != "" && !strings.HasPrefix(r.Key, sel.Prefix),
				sel.Rendition != "" && r.Rendition == sel.Rendition,
				seen[r.ImageID]:
				return nil
			}
			seen[r.ImageID] = true
			out = append(out, inventory.Object{
				Key: r.Key, VersionID: r.VersionID, ETag: r.ETag, Size: r.Size,
				LastModified: time.UnixMilli(r.UploadTimestamp).UTC(),
			})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
