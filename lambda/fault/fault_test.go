package fault

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/imgpipe/imgpipe/internal/contract"
)

func TestClassification(t *testing.T) {
	base := errors.New("boom")
	tests := []struct {
		name      string
		err       error
		permanent bool
		reason    contract.Reason
	}{
		{"plain error is not permanent", base, false, ""},
		{"transient", Transient(base), false, ""},
		{"deadline wrapped transient", Transient(context.DeadlineExceeded), false, ""},
		{"permanent", Permanent(contract.ReasonCorrupt, base), true, contract.ReasonCorrupt},
		{"permanent wrapped by fmt", fmt.Errorf("decode: %w", Permanent(contract.ReasonTooManyPixels, base)), true, contract.ReasonTooManyPixels},
		{"permanentf", Permanentf(contract.ReasonTooLarge, "size %d over cap %d", 10, 5), true, contract.ReasonTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.permanent, IsPermanent(tc.err))
			r, ok := ReasonOf(tc.err)
			assert.Equal(t, tc.permanent, ok)
			assert.Equal(t, tc.reason, r)
		})
	}
}

func TestUnwrapKeepsCause(t *testing.T) {
	err := Permanent(contract.ReasonCorrupt, context.Canceled)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, Transient(context.DeadlineExceeded), context.DeadlineExceeded)
	assert.NoError(t, Transient(nil))
	assert.Equal(t, "too_large: size 10", Permanentf(contract.ReasonTooLarge, "size %d", 10).Error())
}
