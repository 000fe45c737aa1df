package reprocess_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/config"
	"github.com/imgpipe/imgpipe/lambda/rendition"
	"github.com/imgpipe/imgpipe/ops/reprocess"
)

// The CLI derives the deployed fingerprint exactly as the function does:
// from its environment, through lambda/config and lambda/rendition.
func TestCurrentRenditionIsTheFunctions(t *testing.T) {
	env := map[string]string{contract.EnvTableName: "t", contract.EnvEnvironment: "dev", contract.EnvThumbnailSizes: "1024, 256", contract.EnvJPEGQuality: "90"}
	got, err := reprocess.CurrentRendition(env)
	require.NoError(t, err)
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err)
	assert.Equal(t, rendition.FromConfig(cfg).Fingerprint(), got)

	env[contract.EnvJPEGQuality] = "91"
	other, err := reprocess.CurrentRendition(env)
	require.NoError(t, err)
	assert.NotEqual(t, got, other)

	delete(env, contract.EnvTableName)
	_, err = reprocess.CurrentRendition(env)
	assert.ErrorContains(t, err, contract.EnvTableName)
}
