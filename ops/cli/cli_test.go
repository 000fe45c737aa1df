package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	ctltypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/metadata"
	"github.com/imgpipe/imgpipe/ops/cli"
)

func TestUsageAndConfigurationErrors(t *testing.T) {
	w := newWorld(t)
	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"bucket":"b"}`), 0o644))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", []string{"--stack", w.path}, "no command given"},
		{"unknown command", []string{"--stack", w.path, "frobnicate"}, `unknown command "frobnicate"`},
		{"no stack", []string{"status"}, "no stack given: use --stack out/local/stack.json"},
		{"both stack sources", []string{"--stack", w.path, "--terraform-dir", "terraform", "status"}, "give --stack or --terraform-dir, not both"},
		{"missing stack file", []string{"--stack", "/nonexistent/stack.json", "status"}, "/nonexistent/stack.json"},
		{"incomplete stack file", []string{"--stack", bad, "status"}, "table is missing"},
		{"extra argument", []string{"--stack", w.path, "status", "now"}, `unexpected argument "now"`},
		{"bad flag", []string{"--stack", w.path, "audit", "--fixx"}, "flag provided but not defined: -fixx"},
		{"prefix outside uploads", []string{"--stack", w.path, "audit", "--prefix", "2024/"}, `--prefix "2024/" is outside the uploads prefix "uploads/"`},
		{"bad engine", []string{"--stack", w.path, "backfill", "--engine", "lambda"}, `--engine "lambda": want invoke or batch`},
		{"inventory without batch", []string{"--stack", w.path, "backfill", "--inventory", "s3://b/m/manifest.json"}, "--inventory needs --engine batch"},
		{"bad concurrency", []string{"--stack", w.path, "backfill", "--concurrency", "1000"}, "--concurrency 1000: want 1 to 256"},
		{"bad rate", []string{"--stack", w.path, "backfill", "--rate", "-1"}, "--rate -1: want 0 (unlimited) or more"},
		{"reprocess without selection", []string{"--stack", w.path, "reprocess"}, "reprocess needs a selection"},
		{"unknown reason", []string{"--stack", w.path, "reprocess", "--reason", "ugly"}, `--reason "ugly" is not a failure reason`},
		{"reason with PROCESSED", []string{"--stack", w.path, "reprocess", "--status", "PROCESSED", "--reason", "corrupt"}, "cannot go with --status PROCESSED"},
		{"bad status", []string{"--stack", w.path, "reprocess", "--status", "DONE"}, `--status "DONE": want PROCESSED or FAILED`},
		{"negative max", []string{"--stack", w.path, "redrive", "--max", "-2"}, "--max -2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := cli.Main(context.Background(), tc.args, w.env(&out, &errOut))
			assert.Equal(t, cli.ExitUsage, code, "stderr: %s", errOut.String())
			assert.Contains(t, errOut.String(), tc.want)
		})
	}
	assert.Empty(t, w.fn.Calls(), "a usage error invokes nothing")
}

func TestHelpExitsZero(t *testing.T) {
	w := newWorld(t)
	var out, errOut bytes.Buffer
	assert.Equal(t, cli.ExitOK, cli.Main(context.Background(), []string{"-h"}, w.env(&out, &errOut)))
	for _, c := range []string{"status", "audit", "backfill", "reprocess", "redrive"} {
		assert.Contains(t, errOut.String(), "  "+c+" ")
	}
	errOut.Reset()
	assert.Equal(t, cli.ExitOK, cli.Main(context.Background(), []string{"backfill", "-h"}, w.env(&out, &errOut)))
	assert.Contains(t, errOut.String(), "-engine")
}

// A configuration error from AWS (here a table that does not exist) is
// exit 2 with a message saying it is the configuration.
func TestAWSConfigurationErrorIsExit2(t *testing.T) {
	w := newWorld(t)
	w.stack.Table = "no-such-table"
	w.writeStack(t)
	code, _, errOut := w.run(t, "status")
	assert.Equal(t, cli.ExitUsage, code)
	assert.Contains(t, errOut, "configuration error")
	assert.Contains(t, errOut, "no-such-table")
}

type auditJSON struct {
	Uploads     int `json:"uploads"`
	Thumbnails  int `json:"thumbnails"`
	Processed   int `json:"processed"`
	Failed      int `json:"failed"`
	Unprocessed []struct {
		Key string `json:"key"`
	} `json:"unprocessed"`
	MissingThumbnails []struct {
		Key        string   `json:"key"`
		Thumbnails []string `json:"thumbnails"`
	} `json:"missingThumbnails"`
	Orphans []struct {
		Key    string `json:"key"`
		Reason string `json:"reason"`
	} `json:"orphans"`
	Clean bool `json:"clean"`
	Fix   *struct {
		Enqueued int `json:"enqueued"`
		Deleted  int `json:"deleted"`
	} `json:"fix"`
}

type processedJSON struct {
	Candidates []struct {
		Key string `json:"key"`
	} `json:"candidates"`
	Handled    int `json:"handled"`
	Processed  int `json:"processed"`
	FailedPerm int `json:"failedPermanently"`
	Failed     []struct {
		Error string `json:"error"`
	} `json:"failed"`
	Interrupted bool `json:"interrupted"`
	NotStarted  int  `json:"notStarted"`
	Job         *struct {
		ID string `json:"id"`
	} `json:"job"`
	Manifest string `json:"manifest"`
}

type statusJSON struct {
	Counts       map[string]int `json:"counts"`
	Reasons      map[string]int `json:"failureReasons"`
	LastFailures []struct {
		Key    string `json:"key"`
		Reason string `json:"reason"`
	} `json:"lastFailures"`
	DLQ struct {
		Messages         int      `json:"messages"`
		OldestAgeSeconds *float64 `json:"oldestAgeSeconds"`
	} `json:"dlq"`
	InAlarm []struct {
		Name string `json:"name"`
	} `json:"alarmsInAlarm"`
}

// The outside check of the CLI, on fakes: after uploads are processed,
// records and thumbnails deleted behind the pipeline's back are named by
// audit (exit 1), restored by backfill, and audit is then clean; status
// counts every upload as PROCESSED.
func TestAuditBackfillAuditStatus(t *testing.T) {
	w := newWorld(t)
	ks := keys(6, "uploads/batch one/photo %d.png")
	for i, k := range ks {
		w.upload(t, k, pngOf(t, i+1), true)
	}
	require.Len(t, w.records(t), 6)
	var a auditJSON
	require.Equal(t, cli.ExitOK, w.runJSON(t, &a, "audit"))
	assert.True(t, a.Clean)
	assert.Equal(t, 6, a.Uploads)
	assert.Equal(t, 12, a.Thumbnails)

	w.deleteRecord(t, ks[1])
	w.deleteRecord(t, ks[2])
	w.deleteObject(t, thumb(ks[3], 64))
	w.upload(t, "uploads/late.png", pngOf(t, 9), false) // its event never came
	w.s3.Put(bucket, thumb("uploads/long gone.png", 128), []byte("jpeg"), "image/jpeg")

	a = auditJSON{}
	require.Equal(t, cli.ExitProblems, w.runJSON(t, &a, "audit"))
	assert.False(t, a.Clean)
	var unprocessed []string
	for _, u := range a.Unprocessed {
		unprocessed = append(unprocessed, u.Key)
	}
	assert.Equal(t, []string{ks[1], ks[2], "uploads/late.png"}, unprocessed)
	require.Len(t, a.MissingThumbnails, 1)
	assert.Equal(t, ks[3], a.MissingThumbnails[0].Key)
	assert.Equal(t, []string{thumb(ks[3], 64)}, a.MissingThumbnails[0].Thumbnails)
	require.Len(t, a.Orphans, 1)
	assert.Equal(t, thumb("uploads/long gone.png", 128), a.Orphans[0].Key)
	assert.Equal(t, "upload gone", a.Orphans[0].Reason)

	// The text output names them too.
	code, text, _ := w.run(t, "audit")
	assert.Equal(t, cli.ExitProblems, code)
	for _, want := range []string{ks[1], ks[2], "uploads/late.png", thumb(ks[3], 64), thumb("uploads/long gone.png", 128) + " (upload gone)"} {
		assert.Contains(t, text, want)
	}

	var b processedJSON
	require.Equal(t, cli.ExitOK, w.runJSON(t, &b, "backfill"))
	assert.Len(t, b.Candidates, 4)
	assert.Equal(t, 4, b.Handled)
	assert.Equal(t, 4, b.Processed)
	assert.Empty(t, b.Failed)
	_, ok := w.s3.Current(bucket, thumb(ks[3], 64))
	assert.True(t, ok, "the missing thumbnail is written again")
	assert.Len(t, w.records(t), 7)

	// A second backfill finds nothing to do.
	code, text, _ = w.run(t, "backfill")
	assert.Equal(t, cli.ExitOK, code)
	assert.Equal(t, "nothing to backfill", strings.TrimSpace(text))

	// Only the orphan is left; --fix deletes it; then the audit is clean.
	a = auditJSON{}
	require.Equal(t, cli.ExitProblems, w.runJSON(t, &a, "audit", "--fix"))
	require.NotNil(t, a.Fix)
	assert.Equal(t, 1, a.Fix.Deleted)
	assert.Equal(t, 0, a.Fix.Enqueued)
	a = auditJSON{}
	assert.Equal(t, cli.ExitOK, w.runJSON(t, &a, "audit"))
	assert.True(t, a.Clean)
	assert.Equal(t, 7, a.Processed)

	var st statusJSON
	assert.Equal(t, cli.ExitOK, w.runJSON(t, &st, "status"))
	assert.Equal(t, map[string]int{contract.StatusProcessed: 7, contract.StatusFailed: 0, contract.StatusDeleted: 0}, st.Counts)
}

// audit --fix enqueues the unprocessed versions asynchronously (the
// function's own retries and dead-letter queue then apply).
func TestAuditFixEnqueues(t *testing.T) {
	w := newWorld(t)
	w.upload(t, "uploads/a.png", pngOf(t, 1), false)
	w.upload(t, "uploads/b.png", pngOf(t, 2), true)
	w.deleteObject(t, thumb("uploads/b.png", 128))
	var a auditJSON
	require.Equal(t, cli.ExitProblems, w.runJSON(t, &a, "audit", "--fix"))
	require.NotNil(t, a.Fix)
	assert.Equal(t, 2, a.Fix.Enqueued)
	calls := w.fn.Calls()
	require.NotEmpty(t, calls)
	for _, c := range calls[len(calls)-1:] {
		assert.EqualValues(t, "Event", c.Type)
	}
	assert.Equal(t, cli.ExitOK, w.runJSON(t, &auditJSON{}, "audit"))
}

func TestAuditPrefixAndStaleSizes(t *testing.T) {
	w := newWorld(t)
	w.upload(t, "uploads/2024/a.png", pngOf(t, 1), true)
	w.upload(t, "uploads/2025/b.png", pngOf(t, 2), false)
	w.s3.Put(bucket, thumb("uploads/2024/a.png", 512), []byte("old size"), "image/jpeg")
	var a auditJSON
	require.Equal(t, cli.ExitProblems, w.runJSON(t, &a, "audit", "--prefix", "uploads/2024/"))
	assert.Equal(t, 1, a.Uploads)
	assert.Empty(t, a.Unprocessed, "uploads/2025/ is outside the prefix")
	require.Len(t, a.Orphans, 1)
	assert.Equal(t, thumb("uploads/2024/a.png", 512), a.Orphans[0].Key)
	assert.Equal(t, "size not in the current record", a.Orphans[0].Reason)
}

// A WebP thumbnail of a size the record lists, where the record has no
// WebP (the format is no longer configured), is an orphan of its own
// kind; thumbnails of any format are recognised as thumbnails.
func TestAuditStaleFormat(t *testing.T) {
	w := newWorld(t)
	w.upload(t, "uploads/f.png", pngOf(t, 1), true)
	webp := contract.FormatWebP.Key(contract.ThumbnailsPrefix, contract.UploadsPrefix, "uploads/f.png", 128)
	w.s3.Put(bucket, webp, []byte("old format"), "image/webp")
	var a auditJSON
	require.Equal(t, cli.ExitProblems, w.runJSON(t, &a, "audit"))
	require.Len(t, a.Orphans, 1)
	assert.Equal(t, webp, a.Orphans[0].Key)
	assert.Equal(t, "format not in the current record", a.Orphans[0].Reason)
}

// A change of THUMBNAIL_SIZES: reprocess --older-than-config finds every
// record made under the old settings, reprocesses it (old-size thumbnails
// deleted), and then finds nothing.
func TestReprocessOlderThanConfig(t *testing.T) {
	w := newWorld(t)
	ks := keys(3, "uploads/p%d.png")
	for i, k := range ks {
		w.upload(t, k, pngOf(t, i+2), true)
	}
	before := w.records(t)[ks[0]].Rendition

	var p processedJSON
	require.Equal(t, cli.ExitOK, w.runJSON(t, &p, "reprocess", "--older-than-config"))
	assert.Empty(t, p.Candidates, "the records match the deployed configuration")

	w.deploy(t, "64,96")
	require.Equal(t, cli.ExitOK, w.runJSON(t, &p, "reprocess", "--older-than-config", "--dry-run"))
	assert.Len(t, p.Candidates, 3)
	assert.Equal(t, 0, p.Handled)
	assert.Equal(t, before, w.records(t)[ks[0]].Rendition, "a dry run changes nothing")

	p = processedJSON{}
	require.Equal(t, cli.ExitOK, w.runJSON(t, &p, "reprocess", "--older-than-config"))
	assert.Equal(t, 3, p.Processed)
	for _, k := range ks {
		r := w.records(t)[k]
		assert.NotEqual(t, before, r.Rendition)
		assert.Contains(t, r.Thumbnails, "96")
		assert.NotContains(t, r.Thumbnails, "128")
		_, ok := w.s3.Current(bucket, thumb(k, 128))
		assert.False(t, ok, "the 128 px thumbnail of %s is deleted", k)
		_, ok = w.s3.Current(bucket, thumb(k, 96))
		assert.True(t, ok)
	}
	p = processedJSON{}
	require.Equal(t, cli.ExitOK, w.runJSON(t, &p, "reprocess", "--older-than-config"))
	assert.Empty(t, p.Candidates)
	assert.Equal(t, cli.ExitOK, w.runJSON(t, &auditJSON{}, "audit"))
}

func TestReprocessFailedByReason(t *testing.T) {
	w := newWorld(t)
	w.upload(t, "uploads/broken.png", []byte("not an image at all"), true)
	w.upload(t, "uploads/empty.png", nil, true)
	w.upload(t, "uploads/good.png", pngOf(t, 3), true)
	var p processedJSON
	require.Equal(t, cli.ExitOK, w.runJSON(t, &p, "reprocess", "--reason", string(contract.ReasonUnsupportedFormat)))
	require.Len(t, p.Candidates, 1)
	assert.Equal(t, "uploads/broken.png", p.Candidates[0].Key)
	assert.Equal(t, 1, p.FailedPerm, "still a bad image: a FAILED record, not a CLI failure")

	p = processedJSON{}
	require.Equal(t, cli.ExitOK, w.runJSON(t, &p, "reprocess", "--status", "FAILED"))
	assert.Len(t, p.Candidates, 2)
}

// A transient failure makes the function fail; the items are named, the
// exit status is 1, and a later run (the fault gone) handles them.
func TestBackfillNamesTransientFailures(t *testing.T) {
	w := newWorld(t)
	w.upload(t, "uploads/ok.png", pngOf(t, 1), false)
	w.upload(t, "uploads/stuck.png", pngOf(t, 2), false)
	w.s3.Fail = func(op, key string) error {
		if op == "GetObject" && key == "uploads/stuck.png" {
			return &smithy.GenericAPIError{Code: "SlowDown", Message: "please slow down"}
		}
		return nil
	}
	var p processedJSON
	require.Equal(t, cli.ExitProblems, w.runJSON(t, &p, "backfill", "--batch-size", "2"))
	assert.Equal(t, 1, p.Processed, "the batch failed, then each record alone: the good one is handled")
	require.Len(t, p.Failed, 1)
	assert.Contains(t, p.Failed[0].Error, "SlowDown")
	w.s3.Fail = nil
	p = processedJSON{}
	require.Equal(t, cli.ExitOK, w.runJSON(t, &p, "backfill"))
	assert.Equal(t, 1, p.Processed)
}

// Ctrl-C: no new item starts, the running one finishes, the summary says
// what was not done, the exit status is 1, and a second run continues.
func TestBackfillInterrupted(t *testing.T) {
	w := newWorld(t)
	for i, k := range keys(8, "uploads/i%d.png") {
		w.upload(t, k, pngOf(t, i+1), false)
	}
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	w.beforeInvoke = func() {
		calls++
		if calls == 2 {
			cancel()
		}
	}
	var out bytes.Buffer
	code := cli.Main(ctx, []string{"--stack", w.path, "backfill", "--batch-size", "1", "--concurrency", "1", "--json"}, w.env(&out, &bytes.Buffer{}))
	assert.Equal(t, cli.ExitProblems, code)
	var p processedJSON
	require.NoError(t, json.Unmarshal(out.Bytes(), &p))
	assert.True(t, p.Interrupted)
	assert.Equal(t, 2, p.Handled, "the invocation running at the interrupt finished")
	assert.Equal(t, 6, p.NotStarted)
	w.beforeInvoke = nil

	p = processedJSON{}
	require.Equal(t, cli.ExitOK, w.runJSON(t, &p, "backfill"))
	assert.Len(t, p.Candidates, 6, "resumed: only what is left")
}

// destinationRecord is what Lambda sends to the on-failure destination
// after the retries of an asynchronous invocation (AWS Lambda developer
// guide, "Configuring destinations for asynchronous invocation").
func destinationRecord(t *testing.T, payload []byte, errMsg string) string {
	t.Helper()
	rec := map[string]any{
		"version":   "1.0",
		"timestamp": "2026-12-01T10:16:05.568Z",
		"requestContext": map[string]any{
			"requestId": "e4b46cbf-b738-xmpl-8880-a18cdf61200e", "functionArn": fnArn + ":$LATEST",
			"condition": "RetriesExhausted", "approximateInvokeCount": 3,
		},
		"requestPayload":  json.RawMessage(payload),
		"responseContext": map[string]any{"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
		"responsePayload": map[string]any{"errorMessage": errMsg, "errorType": "errorString"},
	}
	b, err := json.Marshal(rec)
	require.NoError(t, err)
	return string(b)
}

type redriveJSON struct {
	Messages []struct {
		ID        string   `json:"id"`
		Condition string   `json:"condition"`
		Attempts  int      `json:"attempts"`
		Error     string   `json:"error"`
		Keys      []string `json:"keys"`
		Result    string   `json:"result"`
	} `json:"messages"`
	Redriven   int      `json:"redriven"`
	Failed     int      `json:"failed"`
	Unreadable []string `json:"unreadable"`
}

func TestRedrive(t *testing.T) {
	w := newWorld(t)
	w.upload(t, "uploads/parked photo.png", pngOf(t, 4), false)
	w.dlq.Add(destinationRecord(t, w.event(t, "uploads/parked photo.png"), "s3://imgpipe-test-images/uploads/parked photo.png: transient: SlowDown"))

	var r redriveJSON
	require.Equal(t, cli.ExitProblems, w.runJSON(t, &r, "redrive", "--dry-run"))
	require.Len(t, r.Messages, 1)
	m := r.Messages[0]
	assert.Equal(t, "RetriesExhausted", m.Condition)
	assert.Equal(t, 3, m.Attempts)
	assert.Contains(t, m.Error, "SlowDown")
	assert.Equal(t, []string{"uploads/parked photo.png"}, m.Keys)
	assert.Empty(t, m.Result)
	assert.Len(t, w.dlq.Bodies(), 1, "a dry run deletes nothing")
	assert.Empty(t, w.records(t))

	// The fault is back: the message stays.
	w.s3.Fail = func(op, key string) error {
		if op == "GetObject" {
			return &smithy.GenericAPIError{Code: "SlowDown", Message: "still slow"}
		}
		return nil
	}
	r = redriveJSON{}
	require.Equal(t, cli.ExitProblems, w.runJSON(t, &r, "redrive"))
	assert.Equal(t, 1, r.Failed)
	assert.Len(t, w.dlq.Bodies(), 1, "a message is deleted only once handled")

	// The fault gone (and the message visible again): redriven, deleted, PROCESSED.
	w.s3.Fail = nil
	w.dlq.Now = func() time.Time { return time.Now().Add(time.Hour) }
	r = redriveJSON{}
	require.Equal(t, cli.ExitOK, w.runJSON(t, &r, "redrive"))
	assert.Equal(t, 1, r.Redriven)
	assert.Empty(t, w.dlq.Bodies())
	assert.Equal(t, contract.StatusProcessed, w.records(t)["uploads/parked photo.png"].Status)

	code, text, _ := w.run(t, "redrive")
	assert.Equal(t, cli.ExitOK, code)
	assert.Equal(t, "the dead-letter queue is empty", strings.TrimSpace(text))
}

func TestRedriveMaxAndUnreadable(t *testing.T) {
	w := newWorld(t)
	for i, k := range keys(3, "uploads/r%d.png") {
		w.upload(t, k, pngOf(t, i+1), false)
		w.dlq.Add(destinationRecord(t, w.event(t, k), "boom"))
	}
	var r redriveJSON
	require.Equal(t, cli.ExitOK, w.runJSON(t, &r, "redrive", "--max", "2"))
	assert.Equal(t, 2, r.Redriven)
	assert.Len(t, w.dlq.Bodies(), 1)

	w.dlq.Add(`{"hello":"world"}`)
	w.dlq.Now = func() time.Time { return time.Now().Add(time.Hour) }
	r = redriveJSON{}
	require.Equal(t, cli.ExitProblems, w.runJSON(t, &r, "redrive"))
	assert.Equal(t, 1, r.Redriven)
	require.Len(t, r.Unreadable, 1)
	assert.Contains(t, r.Unreadable[0], "neither a Lambda invocation record")
	assert.Equal(t, []string{`{"hello":"world"}`}, w.dlq.Bodies(), "an unreadable message is left for a human")
}

func TestStatus(t *testing.T) {
	w := newWorld(t)
	w.upload(t, "uploads/ok.png", pngOf(t, 1), true)
	w.upload(t, "uploads/bad.png", []byte("text"), true)
	w.upload(t, "uploads/zero.png", nil, true)
	w.upload(t, "uploads/gone.png", pngOf(t, 2), true)
	w.remove(t, "uploads/gone.png")
	require.Equal(t, contract.StatusDeleted, w.records(t)["uploads/gone.png"].Status)
	var st statusJSON
	require.Equal(t, cli.ExitOK, w.runJSON(t, &st, "status"))
	assert.Equal(t, map[string]int{"PROCESSED": 1, "FAILED": 2, "DELETED": 1}, st.Counts)
	assert.Equal(t, map[string]int{"unsupported_format": 1, "empty": 1}, st.Reasons)
	assert.Len(t, st.LastFailures, 2)
	assert.Nil(t, st.DLQ.OldestAgeSeconds)

	w.dlq.Add(destinationRecord(t, w.event(t, "uploads/ok.png"), "boom"))
	w.cw.AddDatapoint("AWS/SQS", "ApproximateAgeOfOldestMessage", "imgpipe-test-processor-dlq", time.Now().Add(-time.Minute), 420)
	w.stack.Alarms = []string{"imgpipe-test-errors", "imgpipe-test-dlq-not-empty"}
	w.writeStack(t)
	w.cw.SetAlarm("imgpipe-test-dlq-not-empty", cwtypes.StateValueAlarm, "1 message", time.Now())
	w.cw.SetAlarm("imgpipe-test-errors", cwtypes.StateValueOk, "fine", time.Now())
	w.cw.SetAlarm("someone-elses", cwtypes.StateValueAlarm, "not ours", time.Now())
	st = statusJSON{}
	require.Equal(t, cli.ExitProblems, w.runJSON(t, &st, "status", "--last", "1"))
	assert.Len(t, st.LastFailures, 1)
	assert.Equal(t, 1, st.DLQ.Messages)
	require.NotNil(t, st.DLQ.OldestAgeSeconds)
	assert.InDelta(t, 420, *st.DLQ.OldestAgeSeconds, 0.1)
	require.Len(t, st.InAlarm, 1)
	assert.Equal(t, "imgpipe-test-dlq-not-empty", st.InAlarm[0].Name)

	code, text, _ := w.run(t, "status")
	assert.Equal(t, cli.ExitProblems, code)
	for _, want := range []string{"PROCESSED", "unsupported_format 1", "dead-letter queue: 1 messages", "oldest 7m0s", "imgpipe-test-dlq-not-empty"} {
		assert.Contains(t, text, want)
	}
}

func TestBackfillBatchEngine(t *testing.T) {
	w := newWorld(t)
	w.stack.BatchOperationsRole = "arn:aws:iam::123456789012:role/imgpipe-test-batch-operations"
	w.writeStack(t)
	w.upload(t, "uploads/a b,c+d.png", pngOf(t, 1), false)
	w.upload(t, "uploads/done.png", pngOf(t, 2), true)

	var p processedJSON
	require.Equal(t, cli.ExitOK, w.runJSON(t, &p, "backfill", "--engine", "batch"))
	require.NotNil(t, p.Job)
	require.Equal(t, []string{p.Job.ID}, w.ctl.Jobs())
	assert.Empty(t, w.fn.Calls(), "the job, not the CLI, invokes the function")

	job := w.ctl.Created(p.Job.ID)
	li := job.Operation.LambdaInvoke
	require.NotNil(t, li)
	assert.Equal(t, fnArn, aws.ToString(li.FunctionArn))
	assert.Equal(t, "2.0", aws.ToString(li.InvocationSchemaVersion))
	assert.Equal(t, w.stack.BatchOperationsRole, aws.ToString(job.RoleArn))
	assert.False(t, aws.ToBool(job.ConfirmationRequired))
	assert.Equal(t, ctltypes.JobManifestFormatS3BatchOperationsCsv20180820, job.Manifest.Spec.Format)
	assert.Equal(t, []ctltypes.JobManifestFieldName{"Bucket", "Key", "VersionId"}, job.Manifest.Spec.Fields)
	assert.True(t, job.Report.Enabled)
	assert.Equal(t, "arn:aws:s3:::"+bucket, aws.ToString(job.Report.Bucket))
	assert.Equal(t, "batch-operations/reports", aws.ToString(job.Report.Prefix))
	assert.Equal(t, ctltypes.JobReportScopeAllTasks, job.Report.ReportScope)

	manifestKey := strings.TrimPrefix(aws.ToString(job.Manifest.Location.ObjectArn), "arn:aws:s3:::"+bucket+"/")
	assert.True(t, strings.HasPrefix(manifestKey, "batch-operations/manifests/"), manifestKey)
	m, ok := w.s3.Current(bucket, manifestKey)
	require.True(t, ok)
	assert.Equal(t, metadata.NormalizeETag(m.ETag), aws.ToString(job.Manifest.Location.ETag))
	up, _ := w.s3.Current(bucket, "uploads/a b,c+d.png")
	assert.Equal(t, bucket+",uploads/a%20b%2Cc%2Bd.png,"+up.VersionID+"\n", string(m.Body), "only the unprocessed version, key percent-encoded")

	w.ctl.SetJob(p.Job.ID, ctltypes.JobStatusComplete, 1, 1, 0)
	code, text, _ := w.run(t, "status", "--job", p.Job.ID)
	assert.Equal(t, cli.ExitOK, code)
	assert.Contains(t, text, "Complete, 1 of 1 tasks done (1 succeeded, 0 failed)")
	w.ctl.SetJob(p.Job.ID, ctltypes.JobStatusComplete, 1, 0, 1)
	code, _, _ = w.run(t, "status", "--job", p.Job.ID)
	assert.Equal(t, cli.ExitProblems, code, "a failed task is a problem")
	code, _, errOut := w.run(t, "status", "--job", "job-9999")
	assert.Equal(t, cli.ExitProblems, code)
	assert.Contains(t, errOut, "job-9999")

	// An S3 Inventory manifest instead of a listing.
	w.s3.Put("inventory-bucket", "imgpipe/daily/2026-12-01T00-00Z/manifest.json", []byte(`{"files":[]}`), "application/json")
	p = processedJSON{}
	require.Equal(t, cli.ExitOK, w.runJSON(t, &p, "backfill", "--engine", "batch", "--inventory", "s3://inventory-bucket/imgpipe/daily/2026-12-01T00-00Z/manifest.json"))
	inv := w.ctl.Created(p.Job.ID)
	assert.Equal(t, ctltypes.JobManifestFormatS3InventoryReportCsv20161130, inv.Manifest.Spec.Format)
	assert.Equal(t, "arn:aws:s3:::inventory-bucket/imgpipe/daily/2026-12-01T00-00Z/manifest.json", aws.ToString(inv.Manifest.Location.ObjectArn))
}

func TestBackfillBatchNeedsAWSAndARole(t *testing.T) {
	w := newWorld(t)
	w.upload(t, "uploads/a.png", pngOf(t, 1), false)
	code, _, errOut := w.run(t, "backfill", "--engine", "batch")
	assert.Equal(t, cli.ExitUsage, code)
	assert.Contains(t, errOut, "create_batch_operations_role = true")

	w.stack.Endpoint = "http://127.0.0.1:4566"
	w.writeStack(t)
	code, _, errOut = w.run(t, "backfill", "--engine", "batch")
	assert.Equal(t, cli.ExitUsage, code)
	assert.Contains(t, errOut, "the local stack at http://127.0.0.1:4566 has none (use --engine invoke)")
	assert.Empty(t, w.ctl.Jobs())
}

// Every command answers --json with one JSON document, whatever it found.
func TestEveryCommandSpeaksJSON(t *testing.T) {
	w := newWorld(t)
	w.upload(t, "uploads/a.png", pngOf(t, 1), true)
	for _, args := range [][]string{
		{"status"}, {"audit"}, {"audit", "--fix"}, {"backfill"}, {"backfill", "--dry-run"},
		{"reprocess", "--status", "PROCESSED"}, {"redrive"}, {"redrive", "--dry-run"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var v map[string]any
			code := w.runJSON(t, &v, args...)
			assert.Equal(t, cli.ExitOK, code)
			assert.NotEmpty(t, v)
		})
	}
	var v map[string]any
	code, out, _ := w.run(t, "--json", "status") // before the command too
	assert.Equal(t, cli.ExitOK, code)
	require.NoError(t, json.Unmarshal([]byte(out), &v))
}

// The plain progress lines (no terminal) go to stderr, never stdout.
func TestProgressLinesOnStderr(t *testing.T) {
	w := newWorld(t)
	for i, k := range keys(4, "uploads/g%d.png") {
		w.upload(t, k, pngOf(t, i+1), false)
	}
	code, out, errOut := w.run(t, "backfill", "--batch-size", "1")
	assert.Equal(t, cli.ExitOK, code)
	assert.Contains(t, errOut, "backfill: 4/4 (100%)")
	assert.NotContains(t, out, "100%")
	_, err := w.s3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(thumb("uploads/g0.png", 64))})
	assert.NoError(t, err)
}

// --terraform-dir reads the stack from `terraform output -json` of the
// root stack, with the binary Env.Terraform names.
func TestTerraformDir(t *testing.T) {
	w := newWorld(t)
	w.upload(t, "uploads/a.png", pngOf(t, 1), true)
	outputs := map[string]any{
		"aws_region": map[string]any{"value": w.stack.Region}, "bucket_name": map[string]any{"value": bucket},
		"table_name": map[string]any{"value": table}, "function_name": map[string]any{"value": function},
		"dlq_url": map[string]any{"value": dlqURL}, "uploads_prefix": map[string]any{"value": "uploads/"},
		"thumbnails_prefix": map[string]any{"value": "thumbnails/"}, "alarm_names": map[string]any{"value": []string{}},
	}
	js, err := json.Marshal(outputs)
	require.NoError(t, err)
	tf := filepath.Join(t.TempDir(), "tofu")
	require.NoError(t, os.WriteFile(tf, []byte("#!/bin/sh\n[ \"$1\" = -chdir=stacks/dev ] || exit 3\necho '"+string(js)+"'\n"), 0o755))
	var out, errOut bytes.Buffer
	env := w.env(&out, &errOut)
	env.Terraform = tf
	require.Equal(t, cli.ExitOK, cli.Main(context.Background(), []string{"--terraform-dir", "stacks/dev", "--json", "status"}, env), errOut.String())
	var st statusJSON
	require.NoError(t, json.Unmarshal(out.Bytes(), &st))
	assert.Equal(t, 1, st.Counts[contract.StatusProcessed])

	errOut.Reset()
	assert.Equal(t, cli.ExitUsage, cli.Main(context.Background(), []string{"--terraform-dir", "elsewhere", "status"}, env))
	assert.Contains(t, errOut.String(), "-chdir=elsewhere output -json")
}
