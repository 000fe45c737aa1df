package run_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/ops/run"
)

type counter struct {
	mu       sync.Mutex
	n        int
	finished bool
}

func (c *counter) Add(n int) { c.mu.Lock(); c.n += n; c.mu.Unlock() }
func (c *counter) Finish()   { c.mu.Lock(); c.finished = true; c.mu.Unlock() }

func TestEachBoundsConcurrency(t *testing.T) {
	items := make([]int, 40)
	var inFlight, most atomic.Int32
	release := make(chan struct{})
	var once sync.Once
	prog := &counter{}
	s := run.Each(context.Background(), items, run.Options{Concurrency: 3, Progress: prog}, nil, func(context.Context, int) error {
		n := inFlight.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		if n == 3 {
			once.Do(func() { close(release) })
		}
		<-release
		inFlight.Add(-1)
		return nil
	})
	assert.Equal(t, 40, s.Done)
	assert.EqualValues(t, 3, most.Load(), "never more than Concurrency at once (and the barrier needed 3)")
	assert.Equal(t, 40, prog.n)
	assert.True(t, prog.finished)
}

func TestEachReportsFailuresInOrder(t *testing.T) {
	s := run.Each(context.Background(), []int{1, 2, 3, 4, 5, 6}, run.Options{Concurrency: 4}, nil, func(_ context.Context, i int) error {
		if i%2 == 0 {
			return errors.New("even")
		}
		return nil
	})
	assert.Equal(t, 3, s.Done)
	require.Len(t, s.Failed, 3)
	assert.Equal(t, []int{2, 4, 6}, []int{s.Failed[0].Item, s.Failed[1].Item, s.Failed[2].Item})
	assert.False(t, s.Interrupted)
}

// An interrupt starts nothing new; the running item finishes on a context
// that is not cancelled.
func TestEachInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var workCtxErr error
	s := run.Each(ctx, []int{0, 1, 2, 3, 4, 5}, run.Options{Concurrency: 1}, nil, func(wctx context.Context, i int) error {
		if i == 2 {
			cancel()
			workCtxErr = wctx.Err()
		}
		return nil
	})
	assert.True(t, s.Interrupted)
	assert.Equal(t, 3, s.Done)
	assert.Equal(t, 3, s.NotStarted)
	assert.NoError(t, workCtxErr, "running work is not cut off")
}

func TestEachWithRateAndWeights(t *testing.T) {
	// A weight above the rate still runs (the burst covers the largest item).
	prog := &counter{}
	s := run.Each(context.Background(), []int{5, 5, 1}, run.Options{Rate: 1000, Progress: prog}, func(i int) int { return i }, func(context.Context, int) error { return nil })
	assert.Equal(t, 3, s.Done)
	assert.Equal(t, 11, prog.n, "progress counts weights")
}

func TestChunks(t *testing.T) {
	assert.Equal(t, [][]int{{1, 2}, {3, 4}, {5}}, run.Chunks([]int{1, 2, 3, 4, 5}, 2))
	assert.Empty(t, run.Chunks([]int{}, 3))
	assert.Equal(t, [][]int{{1}, {2}}, run.Chunks([]int{1, 2}, 0))
	c := run.Chunks([]int{1, 2, 3}, 2)
	c[0] = append(c[0], 99)
	assert.Equal(t, []int{3}, c[1], "chunks do not share capacity")
}
