package processor

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"runtime/debug"
	"sync"

	"github.com/aws/aws-lambda-go/events"

	"github.com/imgpipe/imgpipe/lambda/fault"
)

// S3 Batch Operations (a LambdaInvoke job, invocation schema 2.0) invokes
// the function synchronously with tasks naming object versions, and reads a
// result code per task from the response. `imgpipe backfill --engine batch`
// creates such jobs for buckets too large to backfill from one machine.
//
// Request (schema 2.0):
//
//	{"invocationSchemaVersion": "2.0", "invocationId": "...",
//	 "job": {"id": "...", "userArguments": {...}},
//	 "tasks": [{"taskId": "...", "s3Key": "uploads/a%20b.jpg",
//	            "s3VersionId": "...", "s3Bucket": "bucket-name"}]}
//
// s3Key is URL-encoded (percent-encoding, as in the job's CSV manifest).
//
// Response:
//
//	{"invocationSchemaVersion": "2.0", "treatMissingKeysAs": "PermanentFailure",
//	 "invocationId": "...",
//	 "results": [{"taskId": "...", "resultCode": "Succeeded", "resultString": "processed"}]}
const (
	batchSchemaVersion = "2.0"

	// Result codes S3 Batch Operations reads per task.
	BatchSucceeded        = "Succeeded"
	BatchPermanentFailure = "PermanentFailure" // reported as failed in the completion report
	BatchTemporaryFailure = "TemporaryFailure" // redriven by S3 before the job completes

	// batchEventName is the eventName of the records made from tasks: each
	// names an existing object version, handled as if it had just been
	// created.
	batchEventName = "ObjectCreated:BatchOperations"

	maxBatchResultString = 1024
)

// handleBatch answers an S3 Batch Operations invocation: every task goes
// through handleRecord, and its Outcome becomes the task's result code:
// processed, reprocessed, duplicate, ignored or deleted (the version was
// gone: a DELETED record) are Succeeded (the result string says which), a FAILED record is PermanentFailure, a transient
// failure is TemporaryFailure (S3 retries the task). The invocation itself
// fails only when the payload is not a schema 2.0 request.
func (h *Handler) handleBatch(ctx context.Context, payload json.RawMessage) (*events.S3BatchJobResponse, error) {
	var ev events.S3BatchJobEventV2
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("processor: decode the S3 Batch Operations event: %w", err)
	}
	if ev.InvocationSchemaVersion != batchSchemaVersion {
		return nil, fmt.Errorf("processor: S3 Batch Operations invocation schema %q is not supported: create the job with InvocationSchemaVersion %q",
			ev.InvocationSchemaVersion, batchSchemaVersion)
	}
	ctx, cancel := h.withSafetyMargin(ctx)
	defer cancel()
	log := h.log.With("batchJobId", ev.Job.ID, "invocationId", ev.InvocationID)

	results := make([]events.S3BatchJobResult, len(ev.Tasks))
	sem := make(chan struct{}, h.opts.Concurrency)
	var wg sync.WaitGroup
	for i, task := range ev.Tasks {
		results[i].TaskID = task.TaskID
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			results[i].ResultCode, results[i].ResultString = BatchTemporaryFailure,
				fmt.Sprintf("not started: %v (%v)", ErrDeadline, ctx.Err())
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			defer func() {
				if p := recover(); p != nil {
					log.Error("task panicked", "outcome", "retry", "taskId", task.TaskID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
					results[i].ResultCode, results[i].ResultString = BatchTemporaryFailure, fmt.Sprintf("panic: %v", p)
				}
			}()
			results[i].ResultCode, results[i].ResultString = h.batchTask(ctx, log, task)
		})
	}
	wg.Wait()
	return &events.S3BatchJobResponse{
		InvocationSchemaVersion: batchSchemaVersion,
		TreatMissingKeysAs:      BatchPermanentFailure,
		InvocationID:            ev.InvocationID,
		Results:                 results,
	}, nil
}

// batchTask runs one task and returns its result code and string.
func (h *Handler) batchTask(ctx context.Context, log *slog.Logger, task events.S3BatchJobTaskV2) (code, result string) {
	log = log.With("taskId", task.TaskID)
	key, err := url.PathUnescape(task.S3Key)
	if err != nil {
		log.Error("task key is not URL-encoded", "outcome", "failed", "s3Key", task.S3Key, "error", err.Error())
		return BatchPermanentFailure, fmt.Sprintf("s3Key %q is not URL-encoded: %v", task.S3Key, err)
	}
	if task.S3Bucket == "" || key == "" {
		return BatchPermanentFailure, "task names no bucket or no key"
	}
	rec := events.S3EventRecord{
		EventVersion: "2.1",
		EventSource:  eventSourceS3,
		EventName:    batchEventName,
		S3: events.S3Entity{
			Bucket: events.S3Bucket{Name: task.S3Bucket, Arn: "arn:aws:s3:::" + task.S3Bucket},
			Object: events.S3Object{Key: url.QueryEscape(key), URLDecodedKey: key, VersionID: task.S3VersionID},
		},
	}
	out, err := h.handleRecord(ctx, log, rec)
	if err != nil {
		return BatchTemporaryFailure, truncate(err.Error(), maxBatchResultString)
	}
	switch out {
	case OutcomeFailed:
		return BatchPermanentFailure, "failed permanently: a FAILED record was written (see its failureReason)"
	case OutcomeProcessed, OutcomeReprocessed, OutcomeDuplicate, OutcomeIgnored, OutcomeDeleted:
		// deleted: the version was gone when read, and its record says so.
		return BatchSucceeded, out.String()
	}
	return BatchTemporaryFailure, fault.Transient(fmt.Errorf("unexpected outcome %s", out)).Error()
}
