package stack

import (
	"bytes"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The messages are kumo v0.33.1's own (internal/service/lambda/async.go).
func TestKumoLogCountsDroppedEvents(t *testing.T) {
	var buf bytes.Buffer
	var dropped atomic.Int64
	lg := slog.New(kumoLog{next: slog.NewJSONHandler(&buf, nil), dropped: &dropped}).With("service", "lambda")

	lg.Error("async invoke queue full, event dropped", "function", "f")
	lg.Error("async invoke dropped after function error retries", "function", "f", "retries", 2)
	lg.Error("async invoke dropped, event expired", "function", "f")
	lg.Error("failed to invoke Lambda for S3 notification")
	lg.Info("async invoke dropped (not an error level)")

	assert.Equal(t, int64(3), dropped.Load())
	assert.Contains(t, buf.String(), "queue full", "every line still reaches kumo.log")
}

// An event given up (not one refused by a full queue) is reported with its
// function and the Lambda condition it stands for, whether the function
// attribute is on the record or added with With.
func TestKumoLogReportsGivenUpEvents(t *testing.T) {
	var got [][2]string
	var dropped atomic.Int64
	h := kumoLog{next: slog.NewJSONHandler(&bytes.Buffer{}, nil), dropped: &dropped,
		onDrop: func(fn, cond string) { got = append(got, [2]string{fn, cond}) }}
	lg := slog.New(h).With("service", "lambda")
	lg.Error("async invoke queue full, event dropped", "function", "f")
	lg.Error("async invoke dropped after function error retries", "function", "f", "retries", 2)
	lg.With("function", "g").Error("async invoke dropped, event expired")
	assert.Equal(t, [][2]string{{"f", "RetriesExhausted"}, {"g", "EventAgeExceeded"}}, got)
	assert.Equal(t, int64(3), dropped.Load())
}
