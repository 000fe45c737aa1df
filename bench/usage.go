package bench

import (
	"fmt"
	"math"
	"syscall"
)

// Usage is what a worker process used over one timed run, from
// getrusage(RUSAGE_SELF) before and after it (Node: process.resourceUsage()):
// every thread of the process, so a runtime's helper threads (Go's GC
// workers, libvips' and libuv's pools) count on both sides.
//
// CPU time is the cost of the work; the wall time is that plus any time
// the process waited for a CPU, so on a busy machine the two tell load
// from cost. Context switches say why a run waited: a voluntary one is a
// thread going to sleep (waiting for another thread, a lock or I/O), an
// involuntary one the kernel taking the CPU away for another task.
type Usage struct {
	CPUMS       float64 `json:"cpu_ms"`  // user + system CPU time
	UserMS      float64 `json:"user_ms"` // user CPU time
	SysMS       float64 `json:"sys_ms"`  // system CPU time (page faults, syscalls)
	MinorFaults int64   `json:"minflt"`  // page faults served without I/O (fresh memory touched)
	Voluntary   int64   `json:"nvcsw"`   // voluntary context switches
	Involuntary int64   `json:"nivcsw"`  // involuntary context switches
}

// Sub is u less an earlier reading v.
func (u Usage) Sub(v Usage) Usage {
	return Usage{
		CPUMS: u.CPUMS - v.CPUMS, UserMS: u.UserMS - v.UserMS, SysMS: u.SysMS - v.SysMS,
		MinorFaults: u.MinorFaults - v.MinorFaults, Voluntary: u.Voluntary - v.Voluntary, Involuntary: u.Involuntary - v.Involuntary,
	}
}

// usageNow is this process's usage so far.
func usageNow() (Usage, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return Usage{}, fmt.Errorf("getrusage: %w", err)
	}
	return usageOf(&ru), nil
}

// usageOf converts a getrusage reading.
func usageOf(ru *syscall.Rusage) Usage {
	user, sys := float64(ru.Utime.Nano())/1e6, float64(ru.Stime.Nano())/1e6
	return Usage{CPUMS: user + sys, UserMS: user, SysMS: sys, MinorFaults: ru.Minflt, Voluntary: ru.Nvcsw, Involuntary: ru.Nivcsw}
}

// Add is the sum of two usages (the processes of one vipsthumbnail job).
func (u Usage) Add(v Usage) Usage {
	return Usage{
		CPUMS: u.CPUMS + v.CPUMS, UserMS: u.UserMS + v.UserMS, SysMS: u.SysMS + v.SysMS,
		MinorFaults: u.MinorFaults + v.MinorFaults, Voluntary: u.Voluntary + v.Voluntary, Involuntary: u.Involuntary + v.Involuntary,
	}
}

// MedianUsage is the median of each field of us over the runs (each field
// on its own); the zero Usage for none.
func MedianUsage(us []Usage) Usage {
	if len(us) == 0 {
		return Usage{}
	}
	f := func(get func(Usage) float64) float64 {
		v := make([]float64, len(us))
		for i, u := range us {
			v[i] = get(u)
		}
		return median(v)
	}
	i := func(get func(Usage) int64) int64 {
		return int64(math.Round(f(func(u Usage) float64 { return float64(get(u)) })))
	}
	return Usage{
		CPUMS:       f(func(u Usage) float64 { return u.CPUMS }),
		UserMS:      f(func(u Usage) float64 { return u.UserMS }),
		SysMS:       f(func(u Usage) float64 { return u.SysMS }),
		MinorFaults: i(func(u Usage) int64 { return u.MinorFaults }),
		Voluntary:   i(func(u Usage) int64 { return u.Voluntary }),
		Involuntary: i(func(u Usage) int64 { return u.Involuntary }),
	}
}
