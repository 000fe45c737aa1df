package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemoryLimit(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    int64
		wantErr string
	}{
		{"unset: not on Lambda", map[string]string{}, 0, ""},
		{"1024 MB", map[string]string{EnvLambdaMemorySize: "1024"}, 1024 << 20 * 9 / 10, ""},
		{"128 MB", map[string]string{EnvLambdaMemorySize: "128"}, 120795955, ""},
		{"10240 MB", map[string]string{EnvLambdaMemorySize: "10240"}, 9663676416, ""},
		{"spaces around", map[string]string{EnvLambdaMemorySize: " 512 "}, 483183820, ""},
		{"empty", map[string]string{EnvLambdaMemorySize: ""}, 0, `AWS_LAMBDA_FUNCTION_MEMORY_SIZE="": want a whole number of MB`},
		{"not a number", map[string]string{EnvLambdaMemorySize: "1GB"}, 0, `"1GB": want a whole number of MB from 1 to 1048576`},
		{"zero", map[string]string{EnvLambdaMemorySize: "0"}, 0, `"0"`},
		{"negative", map[string]string{EnvLambdaMemorySize: "-512"}, 0, `"-512"`},
		{"absurd", map[string]string{EnvLambdaMemorySize: "99999999999"}, 0, `"99999999999"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MemoryLimit(env(tc.env))
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.ErrorContains(t, err, tc.wantErr)
				assert.Zero(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}
