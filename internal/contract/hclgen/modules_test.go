package hclgen

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/terraform-config-inspect/tfconfig"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/internal/contract"
)

// These tests read the processing module's HCL and prove it agrees with
// internal/contract: the Lambda's environment, the S3 trigger and the
// defaults of the tuning inputs.

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

// lambdaEnvNames returns the environment-variable names the processing
// module sets on its function, evaluated against the contract.
func lambdaEnvNames(t *testing.T, blocks []*hclsyntax.Block) []string {
	t.Helper()
	fns := resources(blocks, "aws_lambda_function")
	require.Len(t, fns, 1, "the processing module must declare exactly one aws_lambda_function")
	envs := nested(fns[0], "environment")
	require.Len(t, envs, 1, "aws_lambda_function.%s needs one environment block", fns[0].Labels[1])
	attr, ok := envs[0].Body.Attributes["variables"]
	require.True(t, ok, "environment block without variables")
	obj, ok := attr.Expr.(*hclsyntax.ObjectConsExpr)
	require.True(t, ok, "environment.variables must be an object literal so its keys can be checked, got %T", attr.Expr)

	ctx := contractScope(t)
	var names []string
	for _, item := range obj.Items {
		key, diags := item.KeyExpr.Value(ctx)
		require.False(t, diags.HasErrors(), "environment key at %s is neither a literal nor a module.contract.env reference: %s",
			item.KeyExpr.Range(), diags.Error())
		require.Equal(t, cty.String, key.Type(), "environment key at %s", item.KeyExpr.Range())
		names = append(names, key.AsString())
	}
	return names
}

func TestLambdaEnvironmentUsesContractNames(t *testing.T) {
	names := lambdaEnvNames(t, moduleBlocks(t, "processing"))

	known := map[string]bool{
		contract.EnvTableName: true, contract.EnvEnvironment: true, contract.EnvUploadsPrefix: true,
		contract.EnvThumbnailsPrefix: true, contract.EnvThumbnailSizes: true, contract.EnvJPEGQuality: true,
		contract.EnvMaxImageBytes: true, contract.EnvMaxImagePixels: true, contract.EnvMetricNamespace: true,
		contract.EnvRecordConcurrency: true, contract.EnvLogLevel: true, contract.EnvS3UsePathStyle: true,
		contract.EnvDeletedRecordTTLDays: true,
	}
	seen := map[string]bool{}
	for _, n := range names {
		assert.True(t, known[n], "the Lambda gets %s, which is no contract Env* name", n)
		assert.False(t, seen[n], "%s is set twice", n)
		seen[n] = true
	}
	for _, required := range []string{contract.EnvTableName, contract.EnvEnvironment} {
		assert.True(t, seen[required], "required variable %s is not set on the Lambda", required)
	}
	// Only the local stack needs path-style S3 addressing.
	assert.False(t, seen[contract.EnvS3UsePathStyle], "%s must not be set on AWS", contract.EnvS3UsePathStyle)
}

func TestUploadNotificationFiltersOnUploadsPrefixOnly(t *testing.T) {
	notifications := resources(moduleBlocks(t, "processing"), "aws_s3_bucket_notification")
	require.Len(t, notifications, 1)
	fns := nested(notifications[0], "lambda_function")
	require.Len(t, fns, 1, "one lambda_function notification")

	prefix, ok := fns[0].Body.Attributes["filter_prefix"]
	require.True(t, ok, "the notification must filter on the uploads prefix")
	v, diags := prefix.Expr.Value(contractScope(t))
	require.False(t, diags.HasErrors(), diags.Error())
	assert.Equal(t, contract.UploadsPrefix, v.AsString())
	events, ok := fns[0].Body.Attributes["events"]
	require.True(t, ok, "the notification names its events")
	ev, diags := events.Expr.Value(contractScope(t))
	require.False(t, diags.HasErrors(), diags.Error())
	var got []string
	for _, e := range ev.AsValueSlice() {
		got = append(got, e.AsString())
	}
	assert.Equal(t, contract.TriggerEvents, got, "the trigger sends the contract's event types")
	_, hasSuffix := fns[0].Body.Attributes["filter_suffix"]
	assert.False(t, hasSuffix, "no suffix filter: S3 suffixes are case-sensitive and the function sniffs content")
}

// TestProcessingDefaultsMatchContract proves that the defaults of the
// tuning inputs (Terraform needs literals there) equal the Lambda's own.
func TestProcessingDefaultsMatchContract(t *testing.T) {
	mod, diags := tfconfig.LoadModule(filepath.Join(repoRoot(t), "modules", "processing"))
	require.False(t, diags.HasErrors(), diags.Error())

	want := map[string]string{
		"thumbnail_sizes":         contract.DefaultThumbnailSizes,
		"jpeg_quality":            strconv.Itoa(contract.DefaultJPEGQuality),
		"max_image_bytes":         strconv.Itoa(contract.DefaultMaxImageBytes),
		"max_image_pixels":        strconv.Itoa(contract.DefaultMaxImagePixels),
		"record_concurrency":      strconv.Itoa(contract.DefaultRecordConcurrency),
		"log_level":               contract.DefaultLogLevel,
		"deleted_record_ttl_days": strconv.Itoa(contract.DefaultDeletedRecordTTLDays),
	}
	for name, w := range want {
		v, ok := mod.Variables[name]
		if !assert.True(t, ok, "variable %s missing", name) {
			continue
		}
		assert.Equal(t, w, defaultString(t, v.Default), "default of variable %s", name)
	}
}

// defaultString renders a variable default as the Lambda would read it from
// its environment.
func defaultString(t *testing.T, v any) string {
	t.Helper()
	switch d := v.(type) {
	case string:
		return d
	case float64:
		return strconv.FormatFloat(d, 'f', -1, 64)
	case []any:
		parts := make([]string, len(d))
		for i, e := range d {
			parts[i] = defaultString(t, e)
		}
		return strings.Join(parts, ",")
	default:
		t.Fatalf("unhandled default %#v (%T)", v, v)
		return ""
	}
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
