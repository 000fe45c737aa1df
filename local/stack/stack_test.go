package stack

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
)

func TestListenNamesTheProcessHoldingThePort(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0") // a free port, never 4566
	require.NoError(t, err)
	defer func() { assert.NoError(t, held.Close()) }()

	_, err = listen(held.Addr().String())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is taken by")
	if _, statErr := os.Stat("/proc/net/tcp"); statErr == nil {
		assert.Contains(t, err.Error(), "pid "+strconv.Itoa(os.Getpid()))
	}
}

func TestFunctionEnvUsesContractNamesAndOverrides(t *testing.T) {
	env := functionEnv("e2e", "tbl", map[string]string{contract.EnvMaxImagePixels: "1000"})
	assert.Equal(t, "tbl", env[contract.EnvTableName])
	assert.Equal(t, "e2e", env[contract.EnvEnvironment])
	assert.Equal(t, contract.UploadsPrefix, env[contract.EnvUploadsPrefix])
	assert.Equal(t, contract.ThumbnailsPrefix, env[contract.EnvThumbnailsPrefix])
	assert.Equal(t, contract.DefaultThumbnailSizes, env[contract.EnvThumbnailSizes])
	assert.Equal(t, "1000", env[contract.EnvMaxImagePixels])
	assert.Equal(t, fmt.Sprint(contract.DefaultMaxImageBytes), env[contract.EnvMaxImageBytes])
	_, pathStyle := env[contract.EnvS3UsePathStyle]
	assert.False(t, pathStyle, "path style is a local runtime setting, not part of the function's configuration")
}

func TestParseSizes(t *testing.T) {
	got, err := parseSizes(contract.DefaultThumbnailSizes)
	require.NoError(t, err)
	assert.NotEmpty(t, got)
	for _, bad := range []string{"", "256,", "0", "a,b"} {
		_, err := parseSizes(bad)
		assert.Errorf(t, err, "%q", bad)
	}
}
