package fastjpeg

import (
	"syscall"
	"testing"
	"time"
)

// cpuTimer reports, next to a benchmark's wall time, the CPU time (user +
// system) the process spent per operation, which a busy shared machine
// disturbs much less than wall time.
func cpuTimer(b *testing.B) func() {
	start := cpuNow()
	return func() {
		b.ReportMetric(float64(cpuNow()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	}
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
