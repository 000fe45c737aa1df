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
	// onDrop, when set, is told of an event given up (not one refused
	// because the queue was full): the function and the Lambda condition
	// it stands for (RetriesExhausted, EventAgeExceeded).
	onDrop func(function, condition string)
	attrs  []slog.Attr // attributes added with WithAttrs
}

// Conditions of an invocation record (Lambda's names) for kumo's drops.
var dropConditions = map[string]string{
	"async invoke dropped after function error retries": "RetriesExhausted",
	"async invoke dropped, event expired":               "EventAgeExceeded",
}

func (h kumoLog) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h kumoLog) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError && strings.HasPrefix(r.Message, "async invoke") && strings.Contains(r.Message, "dropped") {
		h.dropped.Add(1)
		if cond, ok := dropConditions[r.Message]; ok && h.onDrop != nil {
			fn := ""
			find := func(a slog.Attr) bool {
				if a.Key == "function" {
					fn = a.Value.String()
					return false
				}
				return true
			}
			for _, a := range h.attrs {
				find(a)
			}
			r.Attrs(find)
			h.onDrop(fn, cond)
		}
	}
	return h.next.Handle(ctx, r)
}

func (h kumoLog) WithAttrs(as []slog.Attr) slog.Handler {
	return kumoLog{next: h.next.WithAttrs(as), dropped: h.dropped, onDrop: h.onDrop, attrs: append(h.attrs[:len(h.attrs):len(h.attrs)], as...)}
}

func (h kumoLog) WithGroup(name string) slog.Handler {
	return kumoLog{next: h.next.WithGroup(name), dropped: h.dropped, onDrop: h.onDrop, attrs: h.attrs}
}
