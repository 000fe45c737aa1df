// Package run runs the items of a long imgpipe command with bounds: at
// most Concurrency at once, at most Rate item starts per second, and
// interruptible: once the context ends no further item starts, the items
// already running finish (an invocation cut in half helps nobody) and the
// summary says what was done and what was not.
//
// Commands are resumable by design rather than by a checkpoint file: each
// run computes what is left from the bucket, the table or the queue, so
// running it again after an interruption continues where it stopped.
package run

import (
	"context"
	"math"
	"sync"

	"golang.org/x/time/rate"

	"github.com/imgpipe/imgpipe/ops/progress"
)

// Defaults of Options.
const (
	DefaultConcurrency = 4
	MaxConcurrency     = 256
)

// Options bound a run.
type Options struct {
	Concurrency int     // items at once; DefaultConcurrency when 0
	Rate        float64 // item starts per second; 0 means unlimited
	// Progress is told about every finished item; nothing when nil.
	Progress progress.Reporter
}

// Failure is an item whose work returned an error.
type Failure[T any] struct {
	Item T
	Err  error
}

// Summary is what a run did.
type Summary[T any] struct {
	Done        int          // items whose work returned nil
	Failed      []Failure[T] // items whose work returned an error, in item order
	NotStarted  int          // items left when the run was interrupted
	Interrupted bool
}

// Each runs work for each item within o's bounds and returns the summary.
// weight says how many units of rate and progress an item counts for (a
// batch of records counts as its length); nil means 1 each.
func Each[T any](ctx context.Context, items []T, o Options, weight func(T) int, work func(context.Context, T) error) Summary[T] {
	conc := o.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	conc = min(conc, MaxConcurrency)
	if weight == nil {
		weight = func(T) int { return 1 }
	}
	prog := o.Progress
	if prog == nil {
		prog = progress.Nop{}
	}
	var lim *rate.Limiter
	if o.Rate > 0 {
		burst := 1
		for _, it := range items {
			burst = max(burst, weight(it))
		}
		burst = max(burst, int(math.Ceil(o.Rate)))
		lim = rate.NewLimiter(rate.Limit(o.Rate), burst)
	}
	// Work runs on a context that outlives an interrupt: running items finish.
	workCtx := context.WithoutCancel(ctx)

	errs := make([]error, len(items))
	started := make([]bool, len(items))
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	var s Summary[T]
loop:
	for i, it := range items {
		if lim != nil {
			if err := lim.WaitN(ctx, weight(it)); err != nil {
				s.Interrupted = true
				break
			}
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			s.Interrupted = true
			break loop
		}
		if ctx.Err() != nil {
			<-sem
			s.Interrupted = true
			break
		}
		started[i] = true
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = work(workCtx, it)
			prog.Add(weight(it))
		})
	}
	wg.Wait()
	prog.Finish()
	for i, it := range items {
		switch {
		case !started[i]:
			s.NotStarted++
		case errs[i] != nil:
			s.Failed = append(s.Failed, Failure[T]{Item: it, Err: errs[i]})
		default:
			s.Done++
		}
	}
	return s
}

// Chunks splits items into slices of at most n (n >= 1).
func Chunks[T any](items []T, n int) [][]T {
	n = max(n, 1)
	var out [][]T
	for len(items) > 0 {
		k := min(n, len(items))
		out = append(out, items[:k:k])
		items = items[k:]
	}
	return out
}
