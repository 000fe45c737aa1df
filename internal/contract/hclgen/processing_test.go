package hclgen

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
)

func TestRewriteVariablesKeepsHandWrittenInputs(t *testing.T) {
	src := []byte(`# Inputs.
variable "memory_size" {
  description = "Hand-written."
  type        = number
  default     = 512
}

variable "jpeg_quality" {
  description = "stale"
  type        = string
  default     = "7"
}
`)
	out, err := RewriteVariables(src)
	require.NoError(t, err)
	f, diags := hclsyntax.ParseConfig(out, "variables.tf", hcl.InitialPos)
	require.False(t, diags.HasErrors(), diags.Error())
	blocks := map[string]*hclsyntax.Block{}
	for _, b := range f.Body.(*hclsyntax.Body).Blocks {
		blocks[b.Labels[0]] = b
	}
	assert.Contains(t, string(out), "# Inputs.\n", "comments outside generated blocks stay")
	assert.Contains(t, string(out), `default     = 512`, "a hand-written input stays as it is")
	for _, st := range contract.Settings {
		b, ok := blocks[st.Name]
		assert.Equal(t, st.Input, ok, "variable %q is generated exactly for the Input settings", st.Name)
		if ok {
			assert.Contains(t, b.Body.Attributes, "default")
			assert.Len(t, b.Body.Blocks, 1, "variable %q has one validation", st.Name)
		}
	}
	assert.Contains(t, string(out), `default     = 82`, "a stale generated input is rewritten")
	assert.Contains(t, string(out), "jpeg_quality must be a whole number from 1 to 100.")

	again, err := RewriteVariables(out)
	require.NoError(t, err)
	assert.Equal(t, string(out), string(again), "generation is idempotent")
}

func TestRewriteEnvironment(t *testing.T) {
	src := []byte(`resource "aws_lambda_function" "f" {
  memory_size = 128

  environment {
    variables = { A = "b" }
  }
}
`)
	out, err := RewriteEnvironment(src)
	require.NoError(t, err)
	s := strings.Join(strings.Fields(string(out)), " ")
	assert.NotContains(t, s, `A = "b"`)
	assert.Contains(t, s, "memory_size = 128")
	assert.Contains(t, s, "(module.contract.env.table_name) = var.table_name")
	assert.Contains(t, s, `(module.contract.env.thumbnail_sizes) = join(",", var.thumbnail_sizes)`)
	assert.Contains(t, s, "(module.contract.env.jpeg_quality) = tostring(var.jpeg_quality)")
	assert.NotContains(t, s, "s3_use_path_style", "Terraform never sets what only the local stack needs")

	_, err = RewriteEnvironment([]byte(`resource "aws_lambda_function" "f" {}`))
	assert.ErrorContains(t, err, "no environment block")
	_, err = RewriteEnvironment([]byte(`resource "aws_s3_bucket" "b" {}`))
	assert.ErrorContains(t, err, "exactly one aws_lambda_function")
}

func TestInputRulesCoverEveryKind(t *testing.T) {
	for _, k := range []contract.Kind{contract.KindString, contract.KindInt, contract.KindIntList, contract.KindEnum, contract.KindEnumList, contract.KindBool} {
		_, _, _, err := inputRules(contract.Setting{Name: "x", Kind: k, Values: []string{"A"}})
		assert.NoError(t, err, k)
		_, err = envValue(contract.Setting{Name: "x", Kind: k, Input: true})
		assert.NoError(t, err, k)
	}
	_, _, _, err := inputRules(contract.Setting{Name: "x", Kind: "float"})
	assert.ErrorContains(t, err, `kind "float"`)
}
