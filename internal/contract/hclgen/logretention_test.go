package hclgen

import (
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
)

// Every module with a log group validates log_retention_days against the
// values CloudWatch Logs accepts. The list is written in each module's HCL
// (a validation reads best with its values in sight); this test holds every
// copy, and the message naming the values, to contract.LogRetentionDays.
func TestLogRetentionValidationsMatchTheContract(t *testing.T) {
	want := make([]string, len(contract.LogRetentionDays))
	for i, d := range contract.LogRetentionDays {
		want[i] = strconv.Itoa(d)
	}
	for _, module := range []string{"processing", "events"} {
		t.Run(module, func(t *testing.T) {
			var input *hclsyntax.Block
			for _, b := range moduleBlocks(t, module) {
				if b.Type == "variable" && len(b.Labels) == 1 && b.Labels[0] == "log_retention_days" {
					input = b
				}
			}
			require.NotNil(t, input, "modules/%s has no variable log_retention_days", module)
			validations := nested(input, "validation")
			require.Len(t, validations, 1, "modules/%s: log_retention_days has one validation", module)
			v := validations[0]

			call, ok := v.Body.Attributes["condition"].Expr.(*hclsyntax.FunctionCallExpr)
			require.True(t, ok && call.Name == "contains" && len(call.Args) == 2,
				"modules/%s: the condition is contains([values], var.log_retention_days)", module)
			list, diags := call.Args[0].Value(nil)
			require.False(t, diags.HasErrors(), diags.Error())
			var got []string
			for it := list.ElementIterator(); it.Next(); {
				_, n := it.Element()
				got = append(got, n.AsBigFloat().String())
			}
			assert.Equal(t, want, got, "modules/%s: the accepted retention days", module)

			msg := attrValue(t, v, "error_message").AsString()
			assert.True(t, strings.HasSuffix(msg, strings.Join(want, ", ")+"."),
				"modules/%s: the message names every accepted value: %q", module, msg)
		})
	}
}
