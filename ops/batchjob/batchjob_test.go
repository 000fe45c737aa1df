package batchjob_test

import (
	"net/url"
	"testing"

	ctltypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/ops/batchjob"
	"github.com/imgpipe/imgpipe/ops/inventory"
)

func TestEscapeKeyDecodesBackBothWays(t *testing.T) {
	for _, k := range []string{"uploads/a b.jpg", "uploads/c++,\"x\".png", "uploads/ünï/写真 café.jpg", "uploads/100%.png", "uploads/plain-name_1.~x"} {
		e := batchjob.EscapeKey(k)
		assert.NotContains(t, e, ",")
		assert.NotContains(t, e, " ")
		assert.NotContains(t, e, "+")
		p, err := url.PathUnescape(e)
		require.NoError(t, err)
		assert.Equal(t, k, p, "percent-decoding (the function's)")
		q, err := url.QueryUnescape(e)
		require.NoError(t, err)
		assert.Equal(t, k, q, "form decoding")
	}
	assert.Equal(t, "uploads/a%20b.jpg", batchjob.EscapeKey("uploads/a b.jpg"))
}

func TestManifestCSV(t *testing.T) {
	body, fields, err := batchjob.ManifestCSV("bkt", []inventory.Object{{Key: "uploads/a b.png", VersionID: "v1"}, {Key: "uploads/c.png", VersionID: "v2"}})
	require.NoError(t, err)
	assert.Equal(t, "bkt,uploads/a%20b.png,v1\nbkt,uploads/c.png,v2\n", string(body))
	assert.Equal(t, []ctltypes.JobManifestFieldName{"Bucket", "Key", "VersionId"}, fields)

	body, fields, err = batchjob.ManifestCSV("bkt", []inventory.Object{{Key: "uploads/a.png"}})
	require.NoError(t, err)
	assert.Equal(t, "bkt,uploads/a.png\n", string(body))
	assert.Equal(t, []ctltypes.JobManifestFieldName{"Bucket", "Key"}, fields)

	_, _, err = batchjob.ManifestCSV("bkt", []inventory.Object{{Key: "a", VersionID: "v"}, {Key: "b"}})
	assert.ErrorContains(t, err, "1 of 2 objects have a version id")
}
