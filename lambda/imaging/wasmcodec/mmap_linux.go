package wasmcodec

import (
	"context"
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

// withMmapMemory gives each module instance a linear memory that is one
// anonymous mapping of its maximum size, reserved but not committed: pages
// count towards RSS only once the decoder touches them, growing never
// copies, and Free returns everything to the system at once (instead of
// leaving garbage slices to the Go collector).
func withMmapMemory(ctx context.Context) context.Context {
	return experimental.WithMemoryAllocator(ctx, experimental.MemoryAllocatorFunc(func(_, max uint64) experimental.LinearMemory {
		if max == 0 || max > MaxMemory {
			max = MaxMemory
		}
		b, err := syscall.Mmap(-1, 0, int(max), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
		if err != nil { // no address space: an ordinary growing slice
			return &growing{}
		}
		return &mapping{buf: b}
	}))
}

type mapping struct{ buf []byte }

func (m *mapping) Reallocate(size uint64) []byte {
	if m.buf == nil || size > uint64(len(m.buf)) {
		return nil
	}
	return m.buf[:size]
}

func (m *mapping) Free() {
	if m.buf != nil {
		_ = syscall.Munmap(m.buf)
		m.buf = nil
	}
}

// growing is a linear memory in a Go slice, grown by copying (wazero's own
// behaviour).
type growing struct{ buf []byte }

func (g *growing) Reallocate(size uint64) []byte {
	if size > uint64(cap(g.buf)) {
		g.buf = append(g.buf[:cap(g.buf)], make([]byte, size-uint64(cap(g.buf)))...)
	}
	g.buf = g.buf[:size]
	return g.buf
}

func (g *growing) Free() { g.buf = nil }
