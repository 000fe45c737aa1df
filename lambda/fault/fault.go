// Package fault classifies processing errors as permanent (a bad image:
// record it as FAILED with a reason, retrying cannot help) or transient
// (throttling, 5xx, network, deadline: return the error so Lambda retries
// and finally routes the event to the dead-letter queue).
package fault

import (
	"errors"
	"fmt"

	"github.com/imgpipe/imgpipe/internal/contract"
)

// PermanentError is a failure that retrying cannot fix.
type PermanentError struct {
	Reason contract.Reason
	Err    error
}

func (e *PermanentError) Error() string {
	if e.Err == nil {
		return string(e.Reason)
	}
	return fmt.Sprintf("%s: %v", e.Reason, e.Err)
}

func (e *PermanentError) Unwrap() error { return e.Err }

// TransientError is a failure that a later attempt may not meet.
type TransientError struct{ Err error }

func (e *TransientError) Error() string { return "transient: " + e.Err.Error() }

func (e *TransientError) Unwrap() error { return e.Err }

// Permanent wraps err as a permanent failure with reason.
func Permanent(reason contract.Reason, err error) error {
	return &PermanentError{Reason: reason, Err: err}
}

// Permanentf is Permanent with a formatted message; %w is honoured.
func Permanentf(reason contract.Reason, format string, args ...any) error {
	return &PermanentError{Reason: reason, Err: fmt.Errorf(format, args...)}
}

// Transient wraps err as a transient failure. A nil err stays nil.
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return &TransientError{Err: err}
}

// ReasonOf reports the reason of the outermost permanent failure in err's chain.
func ReasonOf(err error) (contract.Reason, bool) {
	var p *PermanentError
	if errors.As(err, &p) {
		return p.Reason, true
	}
	return "", false
}

// IsPermanent reports whether err is classified permanent. Anything not
// explicitly permanent is treated as transient by callers: an unknown
// error is retried rather than recorded as a bad image.
func IsPermanent(err error) bool {
	_, ok := ReasonOf(err)
	return ok
}
