package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/lambda/outcome"
)

// QueueAPI is the part of the SQS client the event checks use.
type QueueAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
}

// Event is an outcome event as an SQS queue subscribed to the bus receives
// it: the EventBridge envelope and the documented detail.
type Event struct {
	ID         string         `json:"id"`
	Source     string         `json:"source"`
	DetailType string         `json:"detail-type"`
	Detail     outcome.Detail `json:"detail"`
}

// Events reads the outcome events of a queue subscribed to the bus. It
// takes every message off the queue and keeps the events by upload key, so
// several tests can wait on one queue, each for its own keys.
type Events struct {
	api     QueueAPI
	url     string
	timeout time.Duration

	mu    sync.Mutex
	byKey map[string][]Event
}

// NewEvents reads the queue at url; each wait is bounded by timeout
// (DefaultTimeout when zero).
func NewEvents(api QueueAPI, url string, timeout time.Duration) *Events {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Events{api: api, url: url, timeout: timeout, byKey: map[string][]Event{}}
}

// Drain receives until the queue answers empty once (each receive waiting
// up to wait for a message), deletes what it read and keeps the events.
// A message that is no outcome event is an error naming it.
func (e *Events) Drain(ctx context.Context, wait time.Duration) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	// SQS long-polls 0 to 20 seconds.
	secs := int64(wait / time.Second)
	if secs > 20 {
		secs = 20
	}
	if secs < 0 {
		secs = 0
	}
	for {
		out, err := e.api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:            aws.String(e.url),
			MaxNumberOfMessages: 10,
			WaitTimeSeconds:     int32(secs),
		})
		if err != nil {
			return fmt.Errorf("verify: receive from %s: %w", e.url, err)
		}
		if len(out.Messages) == 0 {
			return nil
		}
		for _, m := range out.Messages {
			var ev Event
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &ev); err != nil || ev.DetailType == "" {
				return fmt.Errorf("verify: message %s on %s is no outcome event (%v): %.200s", aws.ToString(m.MessageId), e.url, err, aws.ToString(m.Body))
			}
			e.byKey[ev.Detail.Key] = append(e.byKey[ev.Detail.Key], ev)
			if _, err := e.api.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(e.url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				return fmt.Errorf("verify: delete message %s from %s: %w", aws.ToString(m.MessageId), e.url, err)
			}
		}
	}
}

// Of returns the events received so far for key, in arrival order.
func (e *Events) Of(key string) []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Event(nil), e.byKey[key]...)
}

// counts tallies the events of key by detail-type.
func counts(evs []Event) map[string]int {
	n := map[string]int{}
	for _, ev := range evs {
		n[ev.DetailType]++
	}
	return n
}

// WaitFor drains the queue until key has at least want[detail-type]
// events of each detail-type named, and returns key's events.
func (e *Events) WaitFor(t testing.TB, ctx context.Context, key string, want map[string]int) []Event {
	t.Helper()
	err := poll(ctx, e.timeout, DefaultInterval, func(ctx context.Context) (bool, error) {
		if err := e.Drain(ctx, time.Second); err != nil {
			return false, err
		}
		got := counts(e.Of(key))
		for dt, n := range want {
			if got[dt] < n {
				return false, fmt.Errorf("events of %q so far: %v, want at least %v", key, got, want)
			}
		}
		return true, nil
	})
	require.NoError(t, err, "outcome events of %q on %s", key, e.url)
	return e.Of(key)
}
