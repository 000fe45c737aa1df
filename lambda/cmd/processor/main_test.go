package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
)

const runMainEnv = "IMGPIPE_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runMain runs main in a child process with exactly env and returns its
// exit code and stderr.
func runMain(t *testing.T, env ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// An unreachable endpoint: the test fails rather than calling AWS if
	// validation were ever skipped.
	cmd.Env = append([]string{runMainEnv + "=1", "AWS_ENDPOINT_URL=http://127.0.0.1:1", "AWS_REGION=eu-west-1"}, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), stderr.String()
	}
	require.NoError(t, err)
	return 0, stderr.String()
}

func TestConfigErrorExitsWithStatus2(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want []string
	}{
		{"nothing set", nil, []string{contract.EnvTableName + " is required", contract.EnvEnvironment + " is required"}},
		{"bad quality", []string{contract.EnvTableName + "=t", contract.EnvEnvironment + "=dev", contract.EnvJPEGQuality + "=0"},
			[]string{contract.EnvJPEGQuality + `="0"`, "from 1 to 100"}},
		{"bad sizes", []string{contract.EnvTableName + "=t", contract.EnvEnvironment + "=dev", contract.EnvThumbnailSizes + "=256,abc"},
			[]string{contract.EnvThumbnailSizes + `="256,abc"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stderr := runMain(t, tc.env...)
			assert.Equal(t, exitConfig, code)
			for _, w := range tc.want {
				assert.Contains(t, stderr, w)
			}
		})
	}
}

func TestValidConfigReachesTheRuntimeLoop(t *testing.T) {
	// Outside Lambda the runtime loop refuses to start (no runtime API), so
	// a valid configuration gets past validation, imaging and the AWS
	// clients and stops there, with a status other than the config error's.
	code, stderr := runMain(t, contract.EnvTableName+"=t", contract.EnvEnvironment+"=dev", contract.EnvThumbnailSizes+"=1024,256")
	assert.NotEqual(t, exitConfig, code)
	assert.NotZero(t, code)
	assert.Contains(t, stderr, `"msg":"processor starting"`)
	assert.Contains(t, stderr, `"sizes":[256,1024]`)
}
