package hclgen

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/internal/contract"
)

// These tests read the events module's HCL and prove its pipe agrees with
// internal/contract, which the local stack's emulation of the pipe reads.

// contractScope evaluates "module.contract.<output>" as modules/contract would.
func contractScope(t *testing.T) *hcl.EvalContext {
	t.Helper()
	outputs, err := Outputs()
	require.NoError(t, err)
	attrs := map[string]cty.Value{}
	for _, o := range outputs {
		attrs[o.Name] = o.Value()
	}
	return &hcl.EvalContext{Variables: map[string]cty.Value{
		"module": cty.ObjectVal(map[string]cty.Value{"contract": cty.ObjectVal(attrs)}),
	}}
}

// moduleBlocks parses every .tf file of modules/<name> and returns its
// top-level blocks.
func moduleBlocks(t *testing.T, name string) []*hclsyntax.Block {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "modules", name)
	paths, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	require.NoError(t, err)
	require.NotEmpty(t, paths, "no .tf files in %s", dir)
	var blocks []*hclsyntax.Block
	for _, p := range paths {
		src, err := os.ReadFile(p)
		require.NoError(t, err)
		f, diags := hclsyntax.ParseConfig(src, p, hcl.InitialPos)
		require.False(t, diags.HasErrors(), "%s: %s", p, diags.Error())
		blocks = append(blocks, f.Body.(*hclsyntax.Body).Blocks...)
	}
	return blocks
}

// resources returns the resource blocks of type typ.
func resources(blocks []*hclsyntax.Block, typ string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, b := range blocks {
		if b.Type == "resource" && len(b.Labels) == 2 && b.Labels[0] == typ {
			out = append(out, b)
		}
	}
	return out
}

func nested(b *hclsyntax.Block, typ string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, c := range b.Body.Blocks {
		if c.Type == typ {
			out = append(out, c)
		}
	}
	return out
}

// nestedPath walks nested blocks of b by type.
func nestedPath(t *testing.T, b *hclsyntax.Block, types ...string) *hclsyntax.Block {
	t.Helper()
	for _, typ := range types {
		bs := nested(b, typ)
		require.Len(t, bs, 1, "one %s block in %s", typ, b.Type)
		b = bs[0]
	}
	return b
}

func attrValue(t *testing.T, b *hclsyntax.Block, name string) cty.Value {
	t.Helper()
	a, ok := b.Body.Attributes[name]
	require.True(t, ok, "%s missing", name)
	v, diags := a.Expr.Value(contractScope(t))
	require.False(t, diags.HasErrors(), "%s must be a literal or a module.contract reference: %s", name, diags.Error())
	return v
}

// TestEventsPipeReadsTheContract proves the events module's pipe takes its
// filter, batch, starting position and target parameters from the
// contract: the local stack's emulation (internal/eventpipe) reads the
// same values.
func TestEventsPipeReadsTheContract(t *testing.T) {
	pipes := resources(moduleBlocks(t, "events"), "aws_pipes_pipe")
	require.Len(t, pipes, 1)
	pipe := pipes[0]

	stream := nestedPath(t, pipe, "source_parameters", "dynamodb_stream_parameters")
	assert.Equal(t, contract.PipeStartingPosition, attrValue(t, stream, "starting_position").AsString())
	n, _ := attrValue(t, stream, "batch_size").AsBigFloat().Int64()
	assert.EqualValues(t, contract.PipeBatchSize, n)

	filters := nested(nestedPath(t, pipe, "source_parameters", "filter_criteria"), "dynamic")
	require.Len(t, filters, 1, "the filters are one dynamic block over the contract's patterns")
	var patterns []string
	for _, p := range attrValue(t, filters[0], "for_each").AsValueSlice() {
		patterns = append(patterns, p.AsString())
	}
	assert.Equal(t, contract.PipeFilterPatterns(), patterns)

	target := nestedPath(t, pipe, "target_parameters")
	assert.Equal(t, contract.PipeEnrichedDetailTemplate, attrValue(t, target, "input_template").AsString())
	bus := nestedPath(t, target, "eventbridge_event_bus_parameters")
	assert.Equal(t, contract.EventSource, attrValue(t, bus, "source").AsString())
	assert.Equal(t, contract.PipeEnrichedDetailTypePath, attrValue(t, bus, "detail_type").AsString())
}
