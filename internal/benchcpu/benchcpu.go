// Package benchcpu reports CPU time beside a benchmark's wall time. It is
// test support: only _test.go files import it.
package benchcpu

import (
	"syscall"
	"testing"
	"time"
)

// Timer starts counting the process's CPU time (user + system, every
// thread); calling the function it returns reports the time per operation
// as the benchmark metric cpu-ms/op. A busy shared machine disturbs that
// figure much less than the wall time. Use it as `defer benchcpu.Timer(b)()`.
func Timer(b *testing.B) func() {
	start := Now()
	return func() {
		b.ReportMetric(float64(Now()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	}
}

// Now is the CPU time the process has used so far, 0 if getrusage fails.
func Now() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
