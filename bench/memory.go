package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"time"
)

// MemResult is what a child process reports about one pipeline run.
type MemResult struct {
	PeakHeap int64  `json:"peak_heap"` // bytes, sampled
	MaxRSS   int64  `json:"max_rss"`   // bytes, from the kernel
	Err      string `json:"err,omitempty"`
}

// heapSampler records the peak of the heap in use (live and not yet
// collected objects) by sampling runtime/metrics every 500 µs.
type heapSampler struct {
	stop chan struct{}
	done sync.WaitGroup
	peak uint64
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func startHeapSampler() *heapSampler {
	s := &heapSampler{stop: make(chan struct{})}
	sample := []metrics.Sample{{Name: heapMetric}}
	read := func() {
		metrics.Read(sample)
		if v := sample[0].Value.Uint64(); v > s.peak {
			s.peak = v
		}
	}
	read()
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		t := time.NewTicker(500 * time.Microsecond)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				read()
				return
			case <-t.C:
				read()
			}
		}
	}()
	return s
}

func (s *heapSampler) Stop() int64 {
	close(s.stop)
	s.done.Wait()
	return int64(s.peak)
}

// RunChild is the child side: run one pipeline once on one file and print
// a MemResult (sampled peak heap, and peak RSS from the kernel) as JSON on
// stdout.
func RunChild(pipeline, path string, sizes []int) error {
	var p *Pipeline
	for _, c := range GoPipelines() {
		if c.Name == pipeline {
			p = &c
		}
	}
	if p == nil {
		return fmt.Errorf("unknown pipeline %q", pipeline)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	runtime.GC()
	s := startHeapSampler()
	_, err = p.Run(data, sizes, Quality)
	res := MemResult{PeakHeap: s.Stop(), MaxRSS: vmHWM()}
	if err != nil {
		res.Err = err.Error()
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// MeasureMemory runs one pipeline in a fresh child process (self, with
// the given arguments prepended) and returns its peak heap and peak RSS.
func MeasureMemory(self []string, pipeline, path string, sizes []int) (MemResult, error) {
	args := append(append([]string{}, self[1:]...), "-child", pipeline, "-child-image", path, "-child-sizes", sizesFlag(sizes))
	cmd := exec.Command(self[0], args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return MemResult{}, fmt.Errorf("memory child for %s: %w: %s", pipeline, err, stderr.String())
	}
	var res MemResult
	if err := json.Unmarshal(out, &res); err != nil {
		return MemResult{}, fmt.Errorf("memory child for %s printed %q: %w", pipeline, out, err)
	}
	if res.Err != "" {
		return MemResult{}, fmt.Errorf("memory child for %s: %s", pipeline, res.Err)
	}
	return res, nil
}

func sizesFlag(sizes []int) string {
	s := make([]string, len(sizes))
	for i, v := range sizes {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ",")
}
