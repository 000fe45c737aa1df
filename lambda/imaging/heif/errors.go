package heif

import (
	"errors"
	"fmt"
)

// Kind classifies why a file cannot be used.
type Kind int

const (
	// Corrupt: truncated, garbled or self-contradictory container.
	Corrupt Kind = iota + 1
	// Unsupported: a valid file using a feature we do not decode (another
	// codec, an essential property we cannot honour, ...).
	Unsupported
	// TooLarge: the container declares more pixels than the caller allows.
	TooLarge
)

// Error is a container error with its kind and a message naming the problem.
type Error struct {
	Kind Kind
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

func corruptf(format string, args ...any) error {
	return &Error{Kind: Corrupt, Msg: fmt.Sprintf(format, args...)}
}

func unsupportedf(format string, args ...any) error {
	return &Error{Kind: Unsupported, Msg: fmt.Sprintf(format, args...)}
}

func tooLargef(format string, args ...any) error {
	return &Error{Kind: TooLarge, Msg: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of a container error, Corrupt for any other error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Corrupt
}
