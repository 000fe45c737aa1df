//go:build !linux

package wasmcodec

import "context"

// withMmapMemory keeps wazero's default memory (grown in Go slices) where
// the Lambda's mmap reservation is not implemented.
func withMmapMemory(ctx context.Context) context.Context { return ctx }
