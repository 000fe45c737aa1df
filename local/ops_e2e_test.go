package local_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/stackfile"
	"github.com/imgpipe/imgpipe/internal/verify"
	"github.com/imgpipe/imgpipe/ops/cli"
)

// The imgpipe CLI against the running local stack, through the same
// stack.json `make local-up` writes and the same client wiring as
// cmd/imgpipe (cli.Connect: the standard AWS chain, the stack's endpoint).

// imgpipe runs the CLI on the e2e stack and returns exit status, stdout
// and stderr.
func imgpipe(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	desc, err := st.Description()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "stack.json")
	require.NoError(t, stackfile.Write(path, desc))
	var out, errOut bytes.Buffer
	code := cli.Main(t.Context(), append([]string{"--stack", path}, args...), cli.Env{Stdout: &out, Stderr: &errOut, Connect: cli.Connect})
	t.Logf("imgpipe %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	return code, out.String(), errOut.String()
}

func imgpipeJSON(t *testing.T, v any, args ...string) int {
	t.Helper()
	code, out, _ := imgpipe(t, append(args, "--json")...)
	require.NoError(t, json.Unmarshal([]byte(out), v), "stdout is JSON")
	return code
}

func deleteRecord(t *testing.T, ctx context.Context, key string) {
	t.Helper()
	rec := verify.WaitForRecord(t, ctx, tg, key, contract.StatusProcessed)
	k, err := attributevalue.MarshalMap(map[string]any{contract.TableHashKey: rec.ImageID, contract.TableRangeKey: rec.UploadTimestamp})
	require.NoError(t, err)
	_, err = st.DynamoDB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(tg.Table), Key: k})
	require.NoError(t, err)
}

func deleteObject(t *testing.T, ctx context.Context, key string) {
	t.Helper()
	_, err := st.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(tg.Bucket), Key: aws.String(key)})
	require.NoError(t, err)
}

type cliAudit struct {
	Uploads     int `json:"uploads"`
	Unprocessed []struct {
		Key string `json:"key"`
	} `json:"unprocessed"`
	MissingThumbnails []struct {
		Key        string   `json:"key"`
		Thumbnails []string `json:"thumbnails"`
	} `json:"missingThumbnails"`
	Orphans []struct {
		Key string `json:"key"`
	} `json:"orphans"`
	Clean bool `json:"clean"`
}

type cliProcessed struct {
	Candidates []struct {
		Key string `json:"key"`
	} `json:"candidates"`
	Handled    int `json:"handled"`
	Processed  int `json:"processed"`
	FailedPerm int `json:"failedPermanently"`
	Failed     []struct {
		Error string `json:"error"`
	} `json:"failed"`
}

// Records and thumbnails deleted behind the pipeline's back are named by
// audit, restored by backfill; audit --fix enqueues an upload whose event
// never came and deletes an orphan thumbnail.
func TestCLIAuditAndBackfill(t *testing.T) {
	ctx := t.Context()
	prefix := key(t, "")
	data := sample(t, "yellow-rose.jpg")
	var objs []verify.Object
	for i := range 4 {
		objs = append(objs, verify.MustUpload(t, ctx, tg, key(t, "photo "+strconv.Itoa(i)+".jpg"), append(append([]byte{}, data...), byte(i))))
	}
	for _, o := range objs {
		verify.WaitForObject(t, ctx, tg, o, contract.StatusProcessed)
	}
	var a cliAudit
	require.Equal(t, cli.ExitOK, imgpipeJSON(t, &a, "audit", "--prefix", prefix))
	assert.True(t, a.Clean)
	assert.Equal(t, 4, a.Uploads)

	deleteRecord(t, ctx, objs[0].Key)
	deleteObject(t, ctx, tg.ThumbnailKey(objs[1].Key, tg.Sizes[0]))
	a = cliAudit{}
	require.Equal(t, cli.ExitProblems, imgpipeJSON(t, &a, "audit", "--prefix", prefix))
	require.Len(t, a.Unprocessed, 1)
	assert.Equal(t, objs[0].Key, a.Unprocessed[0].Key)
	require.Len(t, a.MissingThumbnails, 1)
	assert.Equal(t, objs[1].Key, a.MissingThumbnails[0].Key)
	assert.Equal(t, []string{tg.ThumbnailKey(objs[1].Key, tg.Sizes[0])}, a.MissingThumbnails[0].Thumbnails)

	var b cliProcessed
	require.Equal(t, cli.ExitOK, imgpipeJSON(t, &b, "backfill", "--prefix", prefix))
	assert.Equal(t, 2, b.Processed)
	verify.WaitForObject(t, ctx, tg, objs[0], contract.StatusProcessed)
	verify.AssertThumbnails(t, ctx, tg, objs[1].Key, 400, 301)
	require.Equal(t, cli.ExitOK, imgpipeJSON(t, &a, "audit", "--prefix", prefix))
	code, out, _ := imgpipe(t, "backfill", "--prefix", prefix)
	assert.Equal(t, cli.ExitOK, code)
	assert.Equal(t, "nothing to backfill", strings.TrimSpace(out))

	// A version without a record (as if its event never came) and an
	// orphan thumbnail: --fix enqueues the one and deletes the other.
	deleteRecord(t, ctx, objs[2].Key)
	orphan := tg.ThumbnailKey(key(t, "long gone.jpg"), tg.Sizes[0])
	_, err := verify.Upload(ctx, tg, orphan, []byte("a thumbnail without its upload"))
	require.NoError(t, err)
	a = cliAudit{}
	require.Equal(t, cli.ExitProblems, imgpipeJSON(t, &a, "audit", "--prefix", prefix, "--fix"))
	require.Len(t, a.Orphans, 1)
	assert.Equal(t, orphan, a.Orphans[0].Key)
	verify.WaitForObject(t, ctx, tg, objs[2], contract.StatusProcessed) // enqueued asynchronously
	assert.Equal(t, cli.ExitOK, imgpipeJSON(t, &cliAudit{}, "audit", "--prefix", prefix))
}

// Reprocessing on the local stack: a FAILED version by reason (still a bad
// image: FAILED again, not a CLI failure), a PROCESSED one under the same
// settings (a duplicate: the record is kept, the thumbnails are written
// again), and --older-than-config, which finds nothing since every record
// was made under the running configuration.
func TestCLIReprocess(t *testing.T) {
	ctx := t.Context()
	prefix := key(t, "")
	bad := verify.MustUpload(t, ctx, tg, key(t, "truncated.jpg"), sample(t, "truncated.jpg"))
	good := verify.MustUpload(t, ctx, tg, key(t, "good.jpg"), sample(t, "yellow-rose.jpg"))
	failed := verify.AssertFailed(t, ctx, tg, bad, contract.ReasonCorrupt)
	kept := verify.WaitForObject(t, ctx, tg, good, contract.StatusProcessed)

	var p cliProcessed
	require.Equal(t, cli.ExitOK, imgpipeJSON(t, &p, "reprocess", "--reason", "corrupt", "--prefix", prefix))
	require.Len(t, p.Candidates, 1)
	assert.Equal(t, 1, p.FailedPerm)
	again := verify.AssertFailed(t, ctx, tg, bad, contract.ReasonCorrupt)
	assert.Greater(t, again.ProcessedAt, failed.ProcessedAt, "the FAILED record was rewritten")

	deleteObject(t, ctx, tg.ThumbnailKey(good.Key, tg.Sizes[1]))
	p = cliProcessed{}
	require.Equal(t, cli.ExitOK, imgpipeJSON(t, &p, "reprocess", "--status", "PROCESSED", "--prefix", prefix))
	assert.Equal(t, 1, p.Processed)
	verify.AssertThumbnails(t, ctx, tg, good.Key, 400, 301)
	rec := verify.WaitForObject(t, ctx, tg, good, contract.StatusProcessed)
	assert.Equal(t, kept.ProcessedAt, rec.ProcessedAt, "same settings: a duplicate, the record is kept")

	p = cliProcessed{}
	require.Equal(t, cli.ExitOK, imgpipeJSON(t, &p, "reprocess", "--older-than-config", "--prefix", prefix))
	assert.Empty(t, p.Candidates)
}

func dlqDepth(t *testing.T, ctx context.Context) int {
	t.Helper()
	desc, err := st.Description()
	require.NoError(t, err)
	out, err := st.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(desc.DLQ),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	require.NoError(t, err)
	n, _ := strconv.Atoi(out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)])
	m, _ := strconv.Atoi(out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)])
	return n + m
}

// A transient failure (every read of the upload answered 503 SlowDown)
// exhausts the retries and lands in the dead-letter queue: with ingestion
// "direct" the harness's on-failure destination puts Lambda's invocation
// record there after kumo's 3 attempts; with "sqs" the ingest queue moves
// the S3 notification there after e2eMaxReceiveCount receives (each a
// visibility timeout apart). status and redrive --dry-run show it; once
// the fault is gone, redrive brings it back, the upload reaches PROCESSED
// and the message is gone.
// redriveRuns numbers the runs of TestCLIRedriveAfterTransientFailure in
// one process (go test -count N): each uploads a key of its own, which no
// earlier run has processed.
var redriveRuns atomic.Int64

func TestCLIRedriveAfterTransientFailure(t *testing.T) {
	ctx := t.Context()
	require.Zero(t, dlqDepth(t, ctx), "the dead-letter queue starts empty")
	k := key(t, "unlucky photo "+strconv.FormatInt(redriveRuns.Add(1), 10)+".jpg")
	restore := st.FailObjectReads(k)
	obj := verify.MustUpload(t, ctx, tg, k, sample(t, "yellow-rose.jpg"))
	wait := 2 * time.Minute
	if st.Ingestion == contract.IngestionSQS {
		wait += time.Duration(e2eMaxReceiveCount*6*e2eTimeout) * time.Second
	}
	deadline := time.Now().Add(wait)
	for dlqDepth(t, ctx) == 0 {
		require.True(t, time.Now().Before(deadline), "no dead-letter message within %s (kumo dropped %d events; handler log:\n%s)", wait, st.DroppedEvents(), st.HandlerLogTail(20))
		time.Sleep(200 * time.Millisecond)
	}
	verify.AssertNoRecord(t, ctx, tg, k)

	var s struct {
		DLQ struct {
			Messages int `json:"messages"`
		} `json:"dlq"`
	}
	assert.Equal(t, cli.ExitProblems, imgpipeJSON(t, &s, "status"), "a dead-letter message needs attention")
	assert.Equal(t, 1, s.DLQ.Messages)
	code, text, _ := imgpipe(t, "redrive", "--dry-run")
	assert.Equal(t, cli.ExitProblems, code)
	direct := st.Ingestion == contract.IngestionDirect
	if direct {
		assert.Contains(t, text, k+" [RetriesExhausted after 3 attempts]: ")
	} else {
		assert.Contains(t, text, k)
	}

	var dry struct {
		Messages []struct {
			Condition string   `json:"condition"`
			Attempts  int      `json:"attempts"`
			Error     string   `json:"error"`
			Keys      []string `json:"keys"`
		} `json:"messages"`
	}
	require.Equal(t, cli.ExitProblems, imgpipeJSON(t, &dry, "redrive", "--dry-run"))
	require.Len(t, dry.Messages, 1)
	m := dry.Messages[0]
	assert.Equal(t, []string{k}, m.Keys)
	if direct {
		assert.Equal(t, "RetriesExhausted", m.Condition)
		assert.Equal(t, 3, m.Attempts)
		assert.Contains(t, m.Error, "SlowDown")
	}

	restore()
	var r struct {
		Redriven int `json:"redriven"`
		Failed   int `json:"failed"`
	}
	code, text, _ = imgpipe(t, "redrive")
	require.Equal(t, cli.ExitOK, code)
	assert.Contains(t, text, "1 messages redriven, 0 failed again")
	r.Redriven = strings.Count(text, "-> redriven")
	assert.Equal(t, 1, r.Redriven)
	verify.WaitForObject(t, ctx, tg, obj, contract.StatusProcessed)
	assert.Zero(t, dlqDepth(t, ctx), "the message is deleted once handled")
	assert.Equal(t, cli.ExitOK, imgpipeJSON(t, &s, "status"))
}

func TestCLIStatusAndBatchEngine(t *testing.T) {
	var s struct {
		Counts map[string]int `json:"counts"`
	}
	imgpipeJSON(t, &s, "status")
	recs, err := verify.Records(t.Context(), tg)
	require.NoError(t, err)
	want := map[string]int{contract.StatusProcessed: 0, contract.StatusFailed: 0, contract.StatusDeleted: 0}
	for _, r := range recs {
		want[r.Status]++
	}
	assert.Equal(t, want, s.Counts, "status counts what the table holds")

	code, _, errOut := imgpipe(t, "backfill", "--engine", "batch")
	assert.Equal(t, cli.ExitUsage, code)
	assert.Contains(t, errOut, "S3 Batch Operations is an AWS service")
}
