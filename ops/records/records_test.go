package records_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/awstest"
	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/metadata"
	"github.com/imgpipe/imgpipe/ops/records"
)

func put(t *testing.T, db *awstest.DynamoDB, key, version, status string, uploaded, at int64) metadata.Record {
	t.Helper()
	r := metadata.Record{ImageID: metadata.ImageID("b", key, version, ""), UploadTimestamp: uploaded, Status: status,
		Bucket: "b", Key: key, VersionID: version, ProcessedAt: at}
	if status == contract.StatusFailed {
		r.FailureReason = string(contract.ReasonCorrupt)
	}
	_, err := metadata.NewStore(db, "t").Put(context.Background(), r)
	require.NoError(t, err)
	return r
}

func TestForImage(t *testing.T) {
	db := awstest.NewDynamoDB("t")
	s := records.New(db, "t")
	got, err := s.ForImage(context.Background(), metadata.ImageID("b", "uploads/none.png", "v", ""))
	require.NoError(t, err)
	assert.Nil(t, got)

	ok := put(t, db, "uploads/a.png", "v1", contract.StatusProcessed, 1000, 2000)
	// A second item of the same version, keyed by another time (the write
	// rule's known limit): the PROCESSED one wins.
	put(t, db, "uploads/a.png", "v1", contract.StatusFailed, 5000, 9000)
	got, err = s.ForImage(context.Background(), ok.ImageID)
	require.NoError(t, err)
	require.NotNil(t, got)
	assert.Equal(t, contract.StatusProcessed, got.Status)
}

func TestByStatusPagesNewestFirst(t *testing.T) {
	db := awstest.NewDynamoDB("t")
	for i := range 7 {
		put(t, db, fmt.Sprintf("uploads/f%d.png", i), "v", contract.StatusFailed, int64(100+i), 1)
	}
	put(t, db, "uploads/ok.png", "v", contract.StatusProcessed, 50, 1)
	s := records.New(db, "t")
	s.PageSize = 3
	var keys []string
	require.NoError(t, s.EachWithStatus(context.Background(), contract.StatusFailed, func(r metadata.Record) error {
		keys = append(keys, r.Key)
		return nil
	}))
	assert.Equal(t, []string{"uploads/f6.png", "uploads/f5.png", "uploads/f4.png", "uploads/f3.png", "uploads/f2.png", "uploads/f1.png", "uploads/f0.png"}, keys)
	n, err := s.CountWithStatus(context.Background(), contract.StatusFailed)
	require.NoError(t, err)
	assert.Equal(t, 7, n, "counted over three pages")
	n, err = s.CountWithStatus(context.Background(), contract.StatusProcessed)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

func TestQueryErrorsNameTheTable(t *testing.T) {
	_, err := records.New(awstest.NewDynamoDB("t"), "missing").CountWithStatus(context.Background(), contract.StatusFailed)
	assert.ErrorContains(t, err, "missing")
}
