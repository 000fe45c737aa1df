package awserr

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/fault"
)

func httpErr(status int, err error) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err,
	}}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		notFound bool
	}{
		{"NoSuchKey", &s3types.NoSuchKey{}, true},
		{"NotFound from HeadObject", &s3types.NotFound{}, true},
		{"NoSuchVersion", &smithy.GenericAPIError{Code: "NoSuchVersion"}, true},
		{"bare 404", httpErr(404, errors.New("not found")), true},
		{"403 AccessDenied", httpErr(403, &smithy.GenericAPIError{Code: "AccessDenied"}), false},
		{"throttling", httpErr(503, &smithy.GenericAPIError{Code: "SlowDown"}), false},
		{"500", httpErr(500, &smithy.GenericAPIError{Code: "InternalError"}), false},
		{"dynamodb throughput", &types.ProvisionedThroughputExceededException{}, false},
		{"missing table", &types.ResourceNotFoundException{}, false},
		{"network", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, false},
		{"deadline", context.DeadlineExceeded, false},
		{"canceled", context.Canceled, false},
		{"unknown", errors.New("something odd"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Classify("s3 GetObject uploads/a.jpg", tc.err)
			assert.ErrorIs(t, got, tc.err)
			assert.Contains(t, got.Error(), "s3 GetObject uploads/a.jpg")
			reason, permanent := fault.ReasonOf(got)
			assert.Equal(t, tc.notFound, permanent)
			if tc.notFound {
				assert.Equal(t, contract.ReasonNotFound, reason)
			} else {
				var te *fault.TransientError
				assert.ErrorAs(t, got, &te)
			}
		})
	}
	assert.NoError(t, Classify("x", nil))
}
