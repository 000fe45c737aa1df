package eventpipe

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMatch(t *testing.T) {
	doc := `{"eventName":"MODIFY","n":5,"tags":["a","b"],"dynamodb":{"NewImage":{"status":{"S":"DELETED"}},"OldImage":{"status":{"S":"PROCESSED"}}}}`
	tests := []struct {
		name    string
		pattern string
		want    bool
	}{
		{"literal", `{"eventName":["MODIFY"]}`, true},
		{"any literal of the list", `{"eventName":["INSERT","MODIFY"]}`, true},
		{"no literal", `{"eventName":["INSERT"]}`, false},
		{"nested", `{"dynamodb":{"NewImage":{"status":{"S":["DELETED"]}}}}`, true},
		{"nested mismatch", `{"dynamodb":{"NewImage":{"status":{"S":["PROCESSED"]}}}}`, false},
		{"all fields must match", `{"eventName":["MODIFY"],"dynamodb":{"NewImage":{"status":{"S":["FAILED"]}}}}`, false},
		{"missing field", `{"dynamodb":{"NewImage":{"width":{"N":["5"]}}}}`, false},
		{"missing object", `{"userIdentity":{"type":["Service"]}}`, false},
		{"number", `{"n":[5]}`, true},
		{"a string is no number", `{"n":["5"]}`, false},
		{"array field: any element", `{"tags":["b"]}`, true},
		{"anything-but list", `{"dynamodb":{"OldImage":{"status":{"S":[{"anything-but":["DELETED"]}]}}}}`, true},
		{"anything-but excludes", `{"dynamodb":{"OldImage":{"status":{"S":[{"anything-but":["PROCESSED"]}]}}}}`, false},
		{"anything-but scalar", `{"eventName":[{"anything-but":"INSERT"}]}`, true},
		{"anything-but needs the field", `{"dynamodb":{"OldImage":{"width":{"N":[{"anything-but":["1"]}]}}}}`, false},
		{"exists", `{"dynamodb":{"OldImage":{"status":{"S":[{"exists":true}]}}}}`, true},
		{"exists false", `{"dynamodb":{"NewImage":{"deletedAt":[{"exists":false}]}}}`, true},
		{"prefix", `{"eventName":[{"prefix":"MOD"}]}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Match(tc.pattern, []byte(doc))
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestMatchRejectsWhatItDoesNotEmulate(t *testing.T) {
	for _, p := range []string{
		`{"n":[{"numeric":[">",1]}]}`,
		`{"eventName":"MODIFY"}`,
		`{"eventName":[{"anything-but":{"prefix":"x"}}]}`,
		`{"eventName":[{"prefix":"a","exists":true}]}`,
		`["not an object"]`,
	} {
		_, err := Match(p, []byte(`{"eventName":"MODIFY","n":2}`))
		assert.Error(t, err, p)
	}
}
