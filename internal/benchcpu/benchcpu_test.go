package benchcpu

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNowAdvancesWithWork(t *testing.T) {
	start := Now()
	require.NotZero(t, start, "getrusage gave no CPU time")
	x := 0
	for i := 0; Now() == start && i < 1<<30; i++ {
		x += i * i
	}
	require.Greater(t, Now(), start, "CPU time did not advance over a busy loop (%d)", x)
}
