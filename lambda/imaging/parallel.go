package imaging

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// rowsPerTask is the grain of parallel work; small enough to balance two
// to six cores, large enough to keep scheduling overhead negligible.
const rowsPerTask = 16

// parallelRows runs fn over [0, n) in chunks on GOMAXPROCS goroutines. A
// panic in any chunk is re-raised in the caller, so callers' recovery works.
func parallelRows(n int, fn func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), (n+rowsPerTask-1)/rowsPerTask)
	if workers <= 1 {
		fn(0, n)
		return
	}
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		panicked any
	)
	work := func() {
		defer wg.Done()
		defer func() {
			if r := recover(); r != nil {
				mu.Lock()
				if panicked == nil {
					panicked = r
				}
				mu.Unlock()
			}
		}()
		for {
			lo := int(next.Add(rowsPerTask)) - rowsPerTask
			if lo >= n {
				return
			}
			fn(lo, min(lo+rowsPerTask, n))
		}
	}
	wg.Add(workers)
	for range workers - 1 {
		go work()
	}
	work()
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
}
