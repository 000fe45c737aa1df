package imaging

import (
	"math/bits"
	"sync"
)

// Byte buffers are pooled by power-of-two capacity class so that the large
// intermediate planes of one image are reused by the next.
var bufPools [64]sync.Pool

// getBuf returns a buffer of length n; its contents are undefined.
func getBuf(n int) []byte {
	if n <= 0 {
		return nil
	}
	class := bits.Len(uint(n - 1))
	if p, ok := bufPools[class].Get().(*[]byte); ok {
		return (*p)[:n]
	}
	return make([]byte, n, 1<<class)
}

// putBuf returns a buffer obtained from getBuf to its pool.
func putBuf(b []byte) {
	c := cap(b)
	if c == 0 || c&(c-1) != 0 {
		return // not from getBuf
	}
	b = b[:c]
	bufPools[bits.Len(uint(c-1))].Put(&b)
}
