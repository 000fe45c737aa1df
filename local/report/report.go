// Package report turns the results of a local run into its outputs: the
// console table, report.json (one entry per input holding its DynamoDB
// record), the originals and thumbnails as files, and index.html, a
// contact sheet that opens from disk.
package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/metadata"
	"github.com/imgpipe/imgpipe/local/runner"
)

// Report is the content of report.json.
type Report struct {
	GeneratedAt   time.Time `json:"generatedAt"`
	Bucket        string    `json:"bucket"`
	Table         string    `json:"table"`
	ImagesDir     string    `json:"imagesDir"`
	Inputs        int       `json:"inputs"`
	Processed     int       `json:"processed"`
	Failed        int       `json:"failed"`
	Missing       []string  `json:"missing"`       // keys with no record within the timeout
	DroppedEvents int64     `json:"droppedEvents"` // async events kumo reported dropping
	Function      *Function `json:"function"`      // the function as provisioned; null when unknown
	Entries       []Entry   `json:"entries"`
}

// Function is the function's configuration as the local stack
// provisioned it from modules/processing (and the local AWS reports it).
type Function struct {
	Name           string            `json:"name"`
	Runtime        string            `json:"runtime"`
	Architectures  []string          `json:"architectures"`
	Handler        string            `json:"handler"`
	MemorySizeMB   int32             `json:"memorySizeMB"`
	TimeoutSeconds int32             `json:"timeoutSeconds"`
	Environment    map[string]string `json:"environment"`
}

// Entry is one input.
type Entry struct {
	File       string           `json:"file"`     // path relative to the images folder
	Key        string           `json:"key"`      // S3 key of the upload
	BytesIn    int64            `json:"bytesIn"`  // size on disk
	Original   string           `json:"original"` // copy of the file, relative to the output dir
	VersionID  string           `json:"versionId,omitempty"`
	ETag       string           `json:"etag,omitempty"`
	LatencyMs  int64            `json:"latencyMs,omitempty"` // upload to record seen
	Error      string           `json:"error,omitempty"`     // upload failed, no record, or thumbnail fetch failed
	Record     map[string]any   `json:"record"`              // the DynamoDB item, attribute names as stored; null when none arrived
	Thumbnails []Thumb          `json:"thumbnails,omitempty"`
	rec        *metadata.Record // the same item, typed, for the table and the sheet
}

// Thumb is a fetched thumbnail.
type Thumb struct {
	Size        int    `json:"size"`
	Format      string `json:"format"` // jpeg, webp or avif
	ContentType string `json:"contentType,omitempty"`
	File        string `json:"file"` // relative to the output dir
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	Bytes       int64  `json:"bytes"`
}

// Meta describes the run.
type Meta struct {
	Bucket, Table, ImagesDir string
	DroppedEvents            int64
	IdleTimeout              time.Duration
	Function                 *Function
}

// Build assembles the report and lays out the files it references (paths
// mirror the S3 keys under the output dir).
func Build(results []runner.Result, m Meta) Report {
	rep := Report{GeneratedAt: time.Now().UTC(), Bucket: m.Bucket, Table: m.Table, ImagesDir: m.ImagesDir,
		Inputs: len(results), DroppedEvents: m.DroppedEvents, Function: m.Function, Missing: []string{}}
	for _, r := range results {
		e := Entry{File: r.Name, Key: r.Key, BytesIn: r.Size, Original: r.Key,
			VersionID: r.Object.VersionID, ETag: metadata.NormalizeETag(r.Object.ETag), rec: r.Record}
		if r.Record != nil {
			item, err := asItem(*r.Record)
			if err != nil {
				e.Error = err.Error()
			}
			e.Record = item
		}
		switch {
		case r.UploadErr != "":
			e.Error = "upload failed: " + r.UploadErr
			rep.Missing = append(rep.Missing, r.Key)
		case r.Record == nil:
			e.Error = fmt.Sprintf("no metadata record within %s of the last progress: the event was lost or the function failed", m.IdleTimeout)
			rep.Missing = append(rep.Missing, r.Key)
		case r.Record.Status == contract.StatusProcessed:
			rep.Processed++
			e.LatencyMs = r.Latency.Milliseconds()
		default:
			rep.Failed++
			e.LatencyMs = r.Latency.Milliseconds()
		}
		if r.FetchErr != "" {
			e.Error = "fetch thumbnails: " + r.FetchErr
		}
		if r.Record != nil {
			for sizeStr, th := range r.Record.Thumbnails {
				size, _ := strconv.Atoi(sizeStr)
				files := th.Formats
				if len(files) == 0 { // a version 1 record: the JPEG only
					files = map[string]metadata.FormatFile{contract.FormatJPEG.Name: {Key: th.Key, Bytes: th.Bytes, ContentType: contract.FormatJPEG.ContentType}}
				}
				for name, f := range files {
					if _, ok := r.Files[f.Key]; !ok {
						continue
					}
					e.Thumbnails = append(e.Thumbnails, Thumb{Size: size, Format: name, ContentType: f.ContentType, File: f.Key,
						Width: th.Width, Height: th.Height, Bytes: f.Bytes})
				}
			}
			sort.Slice(e.Thumbnails, func(i, j int) bool {
				a, b := e.Thumbnails[i], e.Thumbnails[j]
				if a.Size != b.Size {
					return a.Size < b.Size
				}
				return formatRank(a.Format) < formatRank(b.Format)
			})
		}
		rep.Entries = append(rep.Entries, e)
	}
	return rep
}

// Write writes the originals, the thumbnails, report.json and index.html
// into dir, replacing the outputs of an earlier run.
func Write(dir string, rep Report, results []runner.Result) error {
	for _, old := range []string{"report.json", "index.html", contract.UploadsPrefix, contract.ThumbnailsPrefix} {
		if err := os.RemoveAll(filepath.Join(dir, old)); err != nil {
			return fmt.Errorf("clear the previous output %s: %w", old, err)
		}
	}
	for i, r := range results {
		data, err := os.ReadFile(r.Path)
		if err != nil {
			return fmt.Errorf("copy original %s: %w", r.Path, err)
		}
		if err := writeUnder(dir, rep.Entries[i].Original, data); err != nil {
			return err
		}
		for _, th := range rep.Entries[i].Thumbnails {
			if err := writeUnder(dir, th.File, r.Files[th.File]); err != nil {
				return err
			}
		}
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), append(js, '\n'), 0o644); err != nil {
		return fmt.Errorf("write report.json: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, "index.html"))
	if err != nil {
		return fmt.Errorf("write index.html: %w", err)
	}
	if err := writeHTML(f, rep); err != nil {
		return fmt.Errorf("write index.html: %w", errors.Join(err, f.Close()))
	}
	return f.Close()
}

// writeUnder writes data at dir/rel, refusing a rel that escapes dir.
func writeUnder(dir, rel string, data []byte) error {
	if !filepath.IsLocal(filepath.FromSlash(rel)) {
		return fmt.Errorf("refusing to write %q outside %s", rel, dir)
	}
	path := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil { // #nosec G703 -- rel is checked by filepath.IsLocal above
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Table prints the console table: key, detected format, bytes in,
// dimensions, thumbnails, status/reason, ms.
func Table(w io.Writer, rep Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	// Writes to tw are buffered; their errors come out of Flush below.
	_, _ = fmt.Fprintln(tw, "KEY\tFORMAT\tBYTES IN\tDIMENSIONS\tTHUMBNAILS\tSTATUS / REASON\tMS")
	for _, e := range rep.Entries {
		format, dims, thumbs, status, ms := "-", "-", "-", "NO RECORD", "-"
		if r := e.rec; r != nil {
			if r.Format != "" {
				format = r.Format
			}
			if r.Width > 0 {
				dims = fmt.Sprintf("%dx%d", r.Width, r.Height)
				if r.Orientation > 1 {
					dims += fmt.Sprintf(" (exif %d)", r.Orientation)
				}
			}
			var ts []string
			for _, th := range sortedThumbs(r.Thumbnails) {
				ts = append(ts, fmt.Sprintf("%dx%d", th.Width, th.Height))
			}
			if len(ts) > 0 {
				thumbs = strings.Join(ts, " ")
			}
			status = r.Status
			if r.FailureReason != "" {
				status += " " + r.FailureReason
			}
			ms = strconv.FormatInt(r.DurationMs, 10)
		} else if e.Error != "" && strings.HasPrefix(e.Error, "upload failed") {
			status = "UPLOAD FAILED"
		}
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", e.Key, format, e.BytesIn, dims, thumbs, status, ms)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d inputs: %d processed, %d failed, %d without a record\n", rep.Inputs, rep.Processed, rep.Failed, len(rep.Missing))
	return err
}

func sortedThumbs(m map[string]metadata.Thumbnail) []metadata.Thumbnail {
	sizes := make([]int, 0, len(m))
	by := map[int]metadata.Thumbnail{}
	for k, v := range m {
		n, _ := strconv.Atoi(k)
		sizes = append(sizes, n)
		by[n] = v
	}
	sort.Ints(sizes)
	out := make([]metadata.Thumbnail, 0, len(sizes))
	for _, s := range sizes {
		out = append(out, by[s])
	}
	return out
}

// formatRank orders formats as contract.ThumbnailFormats does.
func formatRank(name string) int {
	for i, f := range contract.ThumbnailFormats {
		if f.Name == name {
			return i
		}
	}
	return len(contract.ThumbnailFormats)
}

// asItem renders rec as the DynamoDB item the function stores, as plain
// JSON values under the table's attribute names.
func asItem(rec metadata.Record) (map[string]any, error) {
	av, err := attributevalue.MarshalMap(rec)
	if err != nil {
		return nil, fmt.Errorf("encode the record of %s as an item: %w", rec.Key, err)
	}
	var item map[string]any
	if err := attributevalue.UnmarshalMap(av, &item); err != nil {
		return nil, fmt.Errorf("decode the item of %s: %w", rec.Key, err)
	}
	return item, nil
}
