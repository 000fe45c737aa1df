package processor

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
)

func TestShapeOf(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    shape
		wantErr string
	}{
		{"readiness probe", `{"Records":[]}`, shapeS3, ""},
		{"S3 notification", `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put"}]}`, shapeS3, ""},
		{"not JSON", `hello`, "", "not a JSON object"},
		{"JSON array", `[1,2]`, "", "not a JSON object"},
		{"no Records", `{"detail-type":"Object Created"}`, "", `no "Records" list`},
		{"SNS (field names match case-insensitively)", `{"Records":[{"EventSource":"aws:sns"}]}`, "", `eventSource "aws:sns"`},
		{"unknown source", `{"Records":[{"eventSource":"aws:kinesis"}]}`, "", `eventSource "aws:kinesis"`},
		{"mixed sources", `{"Records":[{"eventSource":"aws:s3"},{"eventSource":"aws:sqs"}]}`, "", "several event sources"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := shapeOf(json.RawMessage(tc.payload))
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// Invoke hands an S3 notification to the same record handling as Handle.
func TestInvokeS3Notification(t *testing.T) {
	x := newHarness(t, true, 2)
	rec := x.upload("uploads/a.png", []byte("png bytes"))

	res, err := x.h.Invoke(context.Background(), eventJSON(t, rec))
	require.NoError(t, err)
	assert.Nil(t, res)
	assert.Equal(t, contract.StatusProcessed, x.recordOf(t, "uploads/a.png").Status)
}

// handleRecord reports what became of each record, which the other event
// shapes turn into their own per-item answers.
func TestHandleRecordOutcomes(t *testing.T) {
	x := newHarness(t, true, 1)
	good := x.upload("uploads/good.png", []byte("good"))
	empty := x.upload("uploads/empty.png", nil)
	outside := x.upload("elsewhere/a.png", []byte("x"))
	gone := s3Record{key: "uploads/gone.png", versionID: "v-missing", size: 3}

	tests := []struct {
		name string
		rec  s3Record
		want Outcome
		err  bool
	}{
		{"processed", good, OutcomeProcessed, false},
		{"redelivered", good, OutcomeDuplicate, false},
		{"permanent failure", empty, OutcomeFailed, false},
		{"outside the uploads prefix", outside, OutcomeIgnored, false},
		{"not found is a version deleted before it was processed", gone, OutcomeDeleted, false},
		{"redelivered after that", gone, OutcomeDuplicate, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := event(t, tc.rec)
			got, err := x.h.handleRecord(context.Background(), x.h.log, ev.Records[0])
			assert.Equal(t, tc.want, got, "outcome %s", got)
			if tc.err {
				assert.Error(t, err)
			} else {
				assert.NoError(t, err)
			}
		})
	}

	x.db.FailPut = func(map[string]types.AttributeValue) error {
		return &smithy.GenericAPIError{Code: "ThrottlingException", Message: "slow down"}
	}
	other := x.upload("uploads/other.png", []byte("other"))
	got, err := x.h.handleRecord(context.Background(), x.h.log, event(t, other).Records[0])
	assert.Equal(t, OutcomeRetry, got)
	assert.Error(t, err)
}

func TestInvokeRejectsUnknownShape(t *testing.T) {
	x := newHarness(t, true, 2)
	_, err := x.h.Invoke(context.Background(), json.RawMessage(`{"Records":[{"eventSource":"aws:kinesis"}]}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "aws:kinesis")
	assert.Empty(t, x.db.Items())
}
