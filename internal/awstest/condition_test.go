package awstest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEvalCondition(t *testing.T) {
	item := map[string]types.AttributeValue{
		"id":     &types.AttributeValueMemberS{Value: "x"},
		"status": &types.AttributeValueMemberS{Value: "FAILED"},
		"at":     &types.AttributeValueMemberN{Value: "100"},
	}
	names := map[string]string{"#id": "id", "#s": "status", "#at": "at", "#nope": "missing"}
	values := map[string]types.AttributeValue{
		":failed": &types.AttributeValueMemberS{Value: "FAILED"},
		":ok":     &types.AttributeValueMemberS{Value: "PROCESSED"},
		":99":     &types.AttributeValueMemberN{Value: "99"},
		":100":    &types.AttributeValueMemberN{Value: "100"},
		":1000":   &types.AttributeValueMemberN{Value: "1000"},
	}
	tests := []struct {
		expr    string
		noItem  bool
		want    bool
		wantErr bool
	}{
		{expr: "attribute_not_exists(#id)", want: false},
		{expr: "attribute_not_exists(#id)", noItem: true, want: true},
		{expr: "attribute_exists(id)", want: true},
		{expr: "#s = :failed", want: true},
		{expr: "#s = :ok", want: false},
		{expr: "#at < :1000", want: true, wantErr: false},
		{expr: "#at < :99", want: false},
		{expr: "#at < :100", want: false},
		{expr: "#at <= :100", want: true},
		{expr: "#at >= :1000", want: false},
		{expr: "#at > :99", want: true},
		{expr: "#at = :failed", want: false}, // type mismatch
		{expr: "#nope = :failed", want: false},
		{expr: "#nope < :100", want: false},
		{expr: "attribute_not_exists(#id) OR (#s = :ok AND #at < :1000)", want: false},
		{expr: "attribute_not_exists(#id) OR #s = :failed OR (#s = :ok AND #at < :1000)", want: true},
		{expr: "attribute_not_exists(#id) OR (#s = :failed AND #at < :100)", want: false},
		{expr: "NOT #s = :ok", want: true},
		{expr: "#s = :failed AND #at < :99 OR #s = :failed", want: true}, // AND binds tighter
		{expr: "#undefined = :ok", wantErr: true},
		{expr: "#s = :undefined", wantErr: true},
		{expr: "#s BETWEEN :99 AND :100", wantErr: true},
		{expr: "(#s = :ok", wantErr: true},
		{expr: "#nope <> :ok", wantErr: true}, // not emulated
		// An operand that cannot change the result is not evaluated, as
		// with DynamoDB's logic: no error from what the fake does not emulate.
		{expr: "attribute_exists(#id) OR #nope <> :ok", want: true},
		{expr: "attribute_not_exists(#id) AND #nope <> :ok", want: false},
		{expr: "attribute_not_exists(#nope) OR #nope <> :ok", want: true},
		{expr: "attribute_exists(#nope) OR #nope <> :ok", wantErr: true},          // evaluated: undecided
		{expr: "attribute_exists(#id) OR #s BETWEEN :99 AND :100", wantErr: true}, // still parsed
		{expr: "#s <> :ok", want: true},
		{expr: "#s <> :failed", want: false},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			it := item
			if tc.noItem {
				it = nil
			}
			got, err := evalCondition(tc.expr, names, values, it)
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestPlaceholdersUsed(t *testing.T) {
	names := map[string]string{"#id": "id", "#at": "at"}
	values := map[string]types.AttributeValue{":100": &types.AttributeValueMemberN{Value: "100"}}
	assert.NoError(t, placeholdersUsed("attribute_not_exists(#id) OR #at < :100", names, values))
	assert.ErrorContains(t, placeholdersUsed("attribute_not_exists(#id)", names, nil), "ExpressionAttributeNames unused in expressions: keys: {#at}")
	assert.ErrorContains(t, placeholdersUsed("attribute_not_exists(#id) OR #at < :1", names, values), "ExpressionAttributeValues unused in expressions: keys: {:100}")
}
