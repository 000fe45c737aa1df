package load

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/imgpipe/imgpipe/local/faults"
)

// Summary is out/load/summary.json.
type Summary struct {
	Ingestion string  `json:"ingestion"`
	Requested int     `json:"requested"`
	Rate      float64 `json:"rate_per_s"` // asked for; 0: unpaced
	Uploaded  int     `json:"uploaded"`
	Records   int     `json:"records"`
	// Duplicates are records beyond the first of one upload's version.
	Duplicates int `json:"duplicates"`
	// Missing are uploads with neither a record nor a dead-letter message.
	Missing int `json:"missing"`
	// DLQ is how many uploads' events are in the dead-letter queue (without
	// a record); DLQMessages every message there.
	DLQ               int      `json:"dlq"`
	DLQMessages       int      `json:"dlq_messages"`
	Failed            int      `json:"failed"` // FAILED records (the generated images are valid)
	ThumbnailsMissing int      `json:"thumbnails_missing"`
	UploadErrors      int      `json:"upload_errors"`
	MissingKeys       []string `json:"missing_keys,omitempty"` // the first 20
	DeadLetteredKeys  []string `json:"dead_lettered_keys,omitempty"`

	LatencyMs      Latency `json:"latency_ms"` // upload to record
	ThroughputPerS float64 `json:"throughput_per_s"`
	UploadSeconds  float64 `json:"upload_s"`
	ElapsedSeconds float64 `json:"elapsed_s"` // first upload to last record
	TimedOut       bool    `json:"timed_out"`

	FaultSpec string        `json:"fault_spec"`
	Faults    faults.Counts `json:"faults"`
	// Harness holds what the local stack counted (dropped async events,
	// sandbox restarts, the event source mapping's counters).
	Harness map[string]int64 `json:"harness,omitempty"`

	// Lost is true when an upload is missing, duplicated, failed, lacks a
	// thumbnail, or was not uploaded: the run exits 1.
	Lost    bool     `json:"lost"`
	Verdict []string `json:"verdict"`
}

// Latency percentiles, in milliseconds.
type Latency struct {
	P50 int64 `json:"p50"`
	P99 int64 `json:"p99"`
	Max int64 `json:"max"`
}

// Summarize builds the summary of a run; spec and counts are the faults
// injected, harness the local stack's counters.
func Summarize(res Result, ingestion string, o Options, spec faults.Spec, counts faults.Counts, harness map[string]int64) Summary {
	s := Summary{
		Ingestion: ingestion, Requested: o.N, Rate: o.Rate,
		Uploaded: res.Uploaded, Records: res.Records, Duplicates: res.Duplicates,
		Missing: len(res.Missing), DLQ: len(res.DeadLettered), DLQMessages: res.DLQMessages,
		Failed: res.Failed, ThumbnailsMissing: len(res.ThumbnailsMissing), UploadErrors: len(res.UploadErrors),
		MissingKeys: res.Missing[:min(20, len(res.Missing))], DeadLetteredKeys: res.DeadLettered[:min(20, len(res.DeadLettered))],
		UploadSeconds: res.UploadTime.Seconds(), ElapsedSeconds: res.Elapsed.Seconds(), TimedOut: res.TimedOut,
		FaultSpec: spec.String(), Faults: counts, Harness: harness,
	}
	lat := slices.Clone(res.Latencies)
	slices.Sort(lat)
	if len(lat) > 0 {
		s.LatencyMs = Latency{P50: percentile(lat, 50).Milliseconds(), P99: percentile(lat, 99).Milliseconds(), Max: lat[len(lat)-1].Milliseconds()}
	}
	if res.Elapsed > 0 {
		s.ThroughputPerS = float64(res.Records) / res.Elapsed.Seconds()
	}
	add := func(cond bool, format string, args ...any) {
		if cond {
			s.Lost = true
			s.Verdict = append(s.Verdict, fmt.Sprintf(format, args...))
		}
	}
	add(s.UploadErrors > 0, "%d uploads failed: %s", s.UploadErrors, first(res.UploadErrors))
	add(s.Missing > 0, "%d uploads have no record and no dead-letter message (lost): %s", s.Missing, strings.Join(s.MissingKeys, ", "))
	add(s.Duplicates > 0, "%d duplicate records", s.Duplicates)
	add(s.Failed > 0, "%d generated images have a FAILED record", s.Failed)
	add(s.ThumbnailsMissing > 0, "%d thumbnails of PROCESSED records are missing: %s", s.ThumbnailsMissing, first(res.ThumbnailsMissing))
	if !s.Lost {
		s.Verdict = append(s.Verdict, fmt.Sprintf("every upload accounted for: %d records, %d in the dead-letter queue (imgpipe redrive brings them back)", s.Records, s.DLQ))
	}
	return s
}

func first(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return xs[0]
}

// Write writes summary.json into dir (atomically).
func (s Summary) Write(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "summary.json")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil { // a report for the developer, as any checked-out file
		return "", fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, nil
}

// Table prints the summary for humans.
func (s Summary) Table(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	ms := func(v int64) string { return (time.Duration(v) * time.Millisecond).String() }
	rows := [][2]string{
		{"ingestion", s.Ingestion},
		{"faults", s.FaultSpec},
		{"uploaded", fmt.Sprintf("%d of %d (rate %s)", s.Uploaded, s.Requested, rate(s.Rate))},
		{"records", fmt.Sprint(s.Records)},
		{"duplicates", fmt.Sprint(s.Duplicates)},
		{"missing", fmt.Sprint(s.Missing)},
		{"dlq", fmt.Sprintf("%d uploads (%d messages)", s.DLQ, s.DLQMessages)},
		{"failed records", fmt.Sprint(s.Failed)},
		{"thumbnails missing", fmt.Sprint(s.ThumbnailsMissing)},
		{"latency p50 / p99 / max", fmt.Sprintf("%s / %s / %s", ms(s.LatencyMs.P50), ms(s.LatencyMs.P99), ms(s.LatencyMs.Max))},
		{"throughput", fmt.Sprintf("%.1f records/s (uploads took %.1f s, all records %.1f s)", s.ThroughputPerS, s.UploadSeconds, s.ElapsedSeconds)},
		{"faults injected", fmt.Sprintf("%d S3 SlowDown, %d DynamoDB throttles, %d latency spikes, %d dropped connections, %d handler kills (of %d requests)",
			s.Faults.S3SlowDown, s.Faults.DynamoDBThrottled, s.Faults.LatencySpikes, s.Faults.DroppedConnections, s.Faults.Kills, s.Faults.Requests)},
	}
	keys := make([]string, 0, len(s.Harness))
	for k := range s.Harness {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		rows = append(rows, [2]string{"harness " + k, fmt.Sprint(s.Harness[k])})
	}
	for _, v := range s.Verdict {
		label := "result"
		if s.Lost {
			label = "LOST"
		}
		rows = append(rows, [2]string{label, v})
	}
	for _, r := range rows {
		if _, err := fmt.Fprintf(tw, "%s\t%s\n", r[0], r[1]); err != nil {
			return err
		}
	}
	return tw.Flush()
}

func rate(r float64) string {
	if r == 0 {
		return "unpaced"
	}
	return fmt.Sprintf("%g/s", r)
}
