package processor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
)

// Invoke is the function's entry point (lambda.Start(h.Invoke)). It tells
// the event shapes the function is wired to apart from the payload itself
// and hands each to its handler. Every shape ends in handleRecord, so the
// processing rules are the same whatever delivered the object.
//
// Shapes:
//   - an S3 event notification ({"Records":[{"eventSource":"aws:s3",...}]}),
//     as S3 sends it to the function directly; an empty record list is a
//     no-op (the local stack's readiness probe sends one).
//   - an S3 Batch Operations LambdaInvoke request (schema 2.0,
//     {"invocationSchemaVersion":"2.0","tasks":[...]}), answered with a
//     result code per task (invoke_batch.go).
//   - an SQS batch from the ingest queue's event source mapping
//     ({"Records":[{"eventSource":"aws:sqs","body":"<S3 notification>"}]}),
//     answered with the messages to retry (invoke_sqs.go).
//
// A payload of any other shape is an error naming what it looked like, so
// a miswired trigger fails loudly (retries, then the dead-letter queue)
// instead of being dropped.
func (h *Handler) Invoke(ctx context.Context, payload json.RawMessage) (any, error) {
	shape, err := shapeOf(payload)
	if err != nil {
		return nil, err
	}
	switch shape {
	case shapeS3:
		var ev events.S3Event
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, fmt.Errorf("processor: decode the S3 event notification: %w", err)
		}
		return nil, h.Handle(ctx, ev)
	case shapeBatch:
		res, err := h.handleBatch(ctx, payload)
		if err != nil {
			return nil, err
		}
		return res, nil
	case shapeSQS:
		return h.handleSQS(ctx, payload)
	}
	return nil, fmt.Errorf("processor: no handler for %s events", shape)
}

// shape is the kind of event a payload is.
type shape string

// Shapes Invoke tells apart.
const (
	shapeS3    shape = "S3 event notification"
	shapeBatch shape = "S3 Batch Operations"
	shapeSQS   shape = "SQS batch"
)

// eventSourceS3 is the eventSource of the records of an S3 event notification.
const eventSourceS3 = "aws:s3"

// shapeOf tells the shape of payload from its top-level fields.
func shapeOf(payload json.RawMessage) (shape, error) {
	var probe struct {
		Records *[]struct {
			EventSource string `json:"eventSource"`
		} `json:"Records"`
		InvocationSchemaVersion *string          `json:"invocationSchemaVersion"`
		Tasks                   *json.RawMessage `json:"tasks"`
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&probe); err != nil {
		return "", fmt.Errorf("processor: the event is not a JSON object: %w (payload starts %q)", err, head(payload))
	}
	if probe.Records == nil && probe.InvocationSchemaVersion != nil && probe.Tasks != nil {
		return shapeBatch, nil
	}
	if probe.Records == nil {
		return "", fmt.Errorf("processor: unrecognised event: no \"Records\" list (payload starts %q)", head(payload))
	}
	recs := *probe.Records
	if len(recs) == 0 {
		return shapeS3, nil
	}
	src := recs[0].EventSource
	for _, r := range recs[1:] {
		if r.EventSource != src {
			return "", fmt.Errorf("processor: unrecognised event: records from several event sources (%q and %q)", src, r.EventSource)
		}
	}
	switch src {
	case eventSourceS3:
		return shapeS3, nil
	case eventSourceSQS:
		return shapeSQS, nil
	}
	return "", fmt.Errorf("processor: unrecognised event: records with eventSource %q (payload starts %q)", src, head(payload))
}

// head is the start of a payload, for error messages.
func head(payload []byte) string {
	const n = 120
	if len(payload) <= n {
		return string(payload)
	}
	return string(payload[:n]) + "…"
}
