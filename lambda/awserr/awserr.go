// Package awserr classifies errors from aws-sdk-go-v2 calls as permanent or
// transient (lambda/fault).
//
// The rule is deliberately narrow: only "the object or version does not
// exist" (NoSuchKey, NoSuchVersion, NotFound, HTTP 404) is permanent, with
// reason not_found, because retrying cannot bring it back. Everything else
// is transient, including:
//   - throttling, HTTP 5xx, network errors, timeouts and context deadlines,
//     which a retry may not meet;
//   - HTTP 403 / AccessDenied, ResourceNotFoundException (missing table) and
//     other client errors, which are configuration or code defects. They are
//     not a property of the image, so they must not be hidden in a FAILED
//     record: returning them makes Lambda retry and finally park the event
//     in the dead-letter queue, where the alarm on it pages a human and the
//     event can be replayed after the fix.
package awserr

import (
	"errors"
	"fmt"
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/fault"
)

var notFoundCodes = map[string]bool{"NoSuchKey": true, "NoSuchVersion": true, "NotFound": true}

// IsNotFound reports whether err says the object (version) does not exist.
func IsNotFound(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) && notFoundCodes[api.ErrorCode()] {
		return true
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound
}

// Classify wraps err from the operation op (e.g. "s3 GetObject uploads/a.jpg")
// as fault.Permanent(not_found) or fault.Transient. A nil err stays nil.
func Classify(op string, err error) error {
	if err == nil {
		return nil
	}
	err = fmt.Errorf("%s: %w", op, err)
	if IsNotFound(err) {
		return fault.Permanent(contract.ReasonNotFound, err)
	}
	return fault.Transient(err)
}
