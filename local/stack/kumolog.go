package stack

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
)

// kumoLog receives the records kumo logs through the process-wide slog
// default logger, writes them to the stack's kumo log and counts the ones
// that mean an asynchronous event was dropped (queue full after 1024 events,
// retries exhausted, or expired), so the harness can say events were lost
// instead of only timing out.
type kumoLog struct {
	next    slog.Handler
	dropped *atomic.Int64
}

func (h kumoLog) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h kumoLog) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError && strings.HasPrefix(r.Message, "async invoke") && strings.Contains(r.Message, "dropped") {
		h.dropped.Add(1)
	}
	return h.next.Handle(ctx, r)
}

func (h kumoLog) WithAttrs(as []slog.Attr) slog.Handler {
	return kumoLog{next: h.next.WithAttrs(as), dropped: h.dropped}
}

func (h kumoLog) WithGroup(name string) slog.Handler {
	return kumoLog{next: h.next.WithGroup(name), dropped: h.dropped}
}
