package config

import (
	"fmt"
	"strconv"
	"strings"
)

// EnvLambdaMemorySize is set by the Lambda runtime (not by Terraform): the
// function's configured memory in MB.
const EnvLambdaMemorySize = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"

// Bounds of EnvLambdaMemorySize accepted by MemoryLimit (Lambda allows 128
// to 10240 MB today; the upper bound only guards the arithmetic).
const (
	MinLambdaMemoryMB = 1
	MaxLambdaMemoryMB = 1 << 20
)

// MemoryLimitPercent is the share of the function's memory given to the Go
// runtime as its soft limit (debug.SetMemoryLimit); the rest covers the
// runtime's own and non-heap memory.
const MemoryLimitPercent = 90

// MemoryLimit returns the Go soft memory limit, in bytes, for a function
// with EnvLambdaMemorySize MB of memory: MemoryLimitPercent of it. It
// returns 0 and no error when the variable is unset (not running on
// Lambda), and 0 and an error naming the value when it is invalid.
func MemoryLimit(lookup LookupFunc) (int64, error) {
	v, ok := lookup(EnvLambdaMemorySize)
	if !ok {
		return 0, nil
	}
	mb, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || mb < MinLambdaMemoryMB || mb > MaxLambdaMemoryMB {
		return 0, fmt.Errorf("%s=%q: want a whole number of MB from %d to %d", EnvLambdaMemorySize, v, MinLambdaMemoryMB, MaxLambdaMemoryMB)
	}
	return mb << 20 * MemoryLimitPercent / 100, nil
}
