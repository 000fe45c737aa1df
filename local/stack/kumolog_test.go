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
