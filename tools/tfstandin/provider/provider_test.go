package provider

import (
	"context"
	"encoding/json"
	"math/big"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/tools/tfstandin/schema"
)

// A bucket-like resource: a required name, computed arn and id, an
// optional+computed region, and a list block with a computed attribute.
const testSchema = `{
  "provider": {"block": {"attributes": {"region": {"type": "string", "optional": true}}}},
  "resource_schemas": {
    "aws_thing": {"block": {
      "attributes": {
        "name":   {"type": "string", "required": true},
        "arn":    {"type": "string", "computed": true},
        "id":     {"type": "string", "optional": true, "computed": true},
        "region": {"type": "string", "optional": true, "computed": true},
        "size":   {"type": "number", "optional": true},
        "ports":  {"nested_type": {"nesting_mode": "list", "attributes": {"number": {"type": "number", "required": true}, "url": {"type": "string", "computed": true}}}, "optional": true}
      },
      "block_types": {
        "rule": {"nesting_mode": "list", "block": {"attributes": {
          "status": {"type": "string", "required": true},
          "rule_id": {"type": "string", "computed": true}
        }}}
      }
    }}
  },
  "data_source_schemas": {
    "aws_lookup": {"block": {"attributes": {
      "name": {"type": "string", "required": true},
      "account_id": {"type": "string", "computed": true},
      "tags": {"type": ["map", "string"], "computed": true}
    }}}
  }
}`

func newServer(t *testing.T) (*Server, tftypes.Type, tftypes.Type) {
	t.Helper()
	var p schema.Provider
	require.NoError(t, json.Unmarshal([]byte(testSchema), &p))
	s, err := New(&p)
	require.NoError(t, err)
	return s, s.resources["aws_thing"].ValueType(), s.dataSources["aws_lookup"].ValueType()
}

func dyn(t *testing.T, typ tftypes.Type, v tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	require.NoError(t, err)
	return &dv
}

func attrs(t *testing.T, typ tftypes.Type, dv *tfprotov6.DynamicValue) map[string]tftypes.Value {
	t.Helper()
	v, err := dv.Unmarshal(typ)
	require.NoError(t, err)
	var m map[string]tftypes.Value
	require.NoError(t, v.As(&m))
	return m
}

// thing builds an aws_thing value; unset attributes are null.
func thing(typ tftypes.Type, set map[string]tftypes.Value) tftypes.Value {
	obj := typ.(tftypes.Object)
	m := map[string]tftypes.Value{}
	for n, at := range obj.AttributeTypes {
		m[n] = tftypes.NewValue(at, nil)
	}
	for n, v := range set {
		m[n] = v
	}
	return tftypes.NewValue(typ, m)
}

func ruleList(typ tftypes.Type, statuses ...string) tftypes.Value {
	lt := typ.(tftypes.Object).AttributeTypes["rule"].(tftypes.List)
	et := lt.ElementType.(tftypes.Object)
	var elems []tftypes.Value
	for _, s := range statuses {
		elems = append(elems, tftypes.NewValue(et, map[string]tftypes.Value{
			"status":  tftypes.NewValue(tftypes.String, s),
			"rule_id": tftypes.NewValue(tftypes.String, nil),
		}))
	}
	return tftypes.NewValue(lt, elems)
}

func TestPlanCreateMarksUnsetComputedUnknown(t *testing.T) {
	s, typ, _ := newServer(t)
	proposed := thing(typ, map[string]tftypes.Value{
		"name":   tftypes.NewValue(tftypes.String, "b1"),
		"region": tftypes.NewValue(tftypes.String, "eu-west-1"),
		"rule":   ruleList(typ, "Enabled"),
	})
	resp, err := s.PlanResourceChange(context.Background(), &tfprotov6.PlanResourceChangeRequest{
		TypeName: "aws_thing", PriorState: dyn(t, typ, tftypes.NewValue(typ, nil)), ProposedNewState: dyn(t, typ, proposed), Config: dyn(t, typ, proposed),
	})
	require.NoError(t, err)
	require.Empty(t, resp.Diagnostics)
	got := attrs(t, typ, resp.PlannedState)

	assert.False(t, got["arn"].IsKnown(), "computed arn is unknown on create")
	assert.False(t, got["id"].IsKnown(), "optional+computed id left unset is unknown")
	assert.True(t, got["region"].Equal(tftypes.NewValue(tftypes.String, "eu-west-1")), "a configured optional+computed value is kept")
	assert.True(t, got["size"].IsNull(), "a non-computed unset attribute stays null")
	var rules []tftypes.Value
	require.NoError(t, got["rule"].As(&rules))
	require.Len(t, rules, 1)
	var rule map[string]tftypes.Value
	require.NoError(t, rules[0].As(&rule))
	assert.False(t, rule["rule_id"].IsKnown(), "computed attributes inside blocks are unknown too")
	assert.True(t, rule["status"].Equal(tftypes.NewValue(tftypes.String, "Enabled")))
}

func TestPlanUpdateKeepsProposedState(t *testing.T) {
	s, typ, _ := newServer(t)
	prior := thing(typ, map[string]tftypes.Value{
		"name": tftypes.NewValue(tftypes.String, "b1"),
		"arn":  tftypes.NewValue(tftypes.String, "arn:1"),
	})
	proposed := thing(typ, map[string]tftypes.Value{
		"name": tftypes.NewValue(tftypes.String, "b1"),
		"arn":  tftypes.NewValue(tftypes.String, "arn:1"),
		"size": tftypes.NewValue(tftypes.Number, big.NewFloat(3)),
	})
	resp, err := s.PlanResourceChange(context.Background(), &tfprotov6.PlanResourceChangeRequest{
		TypeName: "aws_thing", PriorState: dyn(t, typ, prior), ProposedNewState: dyn(t, typ, proposed), Config: dyn(t, typ, proposed),
	})
	require.NoError(t, err)
	got, err := resp.PlannedState.Unmarshal(typ)
	require.NoError(t, err)
	assert.True(t, got.Equal(proposed))
}

func TestApplyFillsUnknownsAndKeepsKnownValues(t *testing.T) {
	s, typ, _ := newServer(t)
	unknown := func(t tftypes.Type) tftypes.Value { return tftypes.NewValue(t, tftypes.UnknownValue) }
	portsType := typ.(tftypes.Object).AttributeTypes["ports"]
	planned := thing(typ, map[string]tftypes.Value{
		"name":  tftypes.NewValue(tftypes.String, "b1"),
		"arn":   unknown(tftypes.String),
		"id":    unknown(tftypes.String),
		"size":  unknown(tftypes.Number),
		"ports": unknown(portsType),
	})
	resp, err := s.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName: "aws_thing", PriorState: dyn(t, typ, tftypes.NewValue(typ, nil)), PlannedState: dyn(t, typ, planned), Config: dyn(t, typ, planned),
	})
	require.NoError(t, err)
	require.Empty(t, resp.Diagnostics)
	got := attrs(t, typ, resp.NewState)
	assert.True(t, got["name"].Equal(tftypes.NewValue(tftypes.String, "b1")))
	assert.True(t, got["arn"].Equal(tftypes.NewValue(tftypes.String, "arn:aws:standin:us-east-1:123456789012:aws_thing/arn")))
	assert.True(t, got["id"].Equal(tftypes.NewValue(tftypes.String, "standin-aws_thing-id")))
	assert.True(t, got["size"].Equal(tftypes.NewValue(tftypes.Number, big.NewFloat(0))))
	assert.True(t, got["ports"].Equal(tftypes.NewValue(portsType, []tftypes.Value{})))
	assert.True(t, got["region"].IsNull(), "known values, null included, are echoed")
}

func TestApplyDestroyReturnsNull(t *testing.T) {
	s, typ, _ := newServer(t)
	prior := thing(typ, map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "b1")})
	resp, err := s.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName: "aws_thing", PriorState: dyn(t, typ, prior), PlannedState: dyn(t, typ, tftypes.NewValue(typ, nil)),
	})
	require.NoError(t, err)
	got, err := resp.NewState.Unmarshal(typ)
	require.NoError(t, err)
	assert.True(t, got.IsNull())
}

func TestReadDataSourceFillsComputed(t *testing.T) {
	s, _, dtyp := newServer(t)
	cfg := tftypes.NewValue(dtyp, map[string]tftypes.Value{
		"name":       tftypes.NewValue(tftypes.String, "x"),
		"account_id": tftypes.NewValue(tftypes.String, nil),
		"tags":       tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, nil),
	})
	resp, err := s.ReadDataSource(context.Background(), &tfprotov6.ReadDataSourceRequest{TypeName: "aws_lookup", Config: dyn(t, dtyp, cfg)})
	require.NoError(t, err)
	got := attrs(t, dtyp, resp.State)
	assert.True(t, got["name"].Equal(tftypes.NewValue(tftypes.String, "x")))
	assert.True(t, got["account_id"].Equal(tftypes.NewValue(tftypes.String, "123456789012")))
	assert.True(t, got["tags"].Equal(tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{})))
}

func TestUnknownTypesAndUnsupportedCallsAreErrors(t *testing.T) {
	s, _, _ := newServer(t)
	ctx := context.Background()
	v, err := s.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "aws_nope"})
	require.NoError(t, err)
	require.Len(t, v.Diagnostics, 1)
	assert.Contains(t, v.Diagnostics[0].Summary, `"aws_nope"`)

	ok, err := s.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "aws_thing"})
	require.NoError(t, err)
	assert.Empty(t, ok.Diagnostics)

	d, err := s.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{TypeName: "aws_thing"})
	require.NoError(t, err)
	assert.Len(t, d.Diagnostics, 1, "aws_thing is a resource, not a data source")

	imp, err := s.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{TypeName: "aws_thing", ID: "x"})
	require.NoError(t, err)
	require.Len(t, imp.Diagnostics, 1)
	assert.Equal(t, tfprotov6.DiagnosticSeverityError, imp.Diagnostics[0].Severity)
	assert.Contains(t, imp.Diagnostics[0].Summary, "import is not supported")
}

func TestSchemaAndMetadata(t *testing.T) {
	s, _, _ := newServer(t)
	resp, err := s.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	require.NoError(t, err)
	require.Contains(t, resp.ResourceSchemas, "aws_thing")
	var names []string
	for _, a := range resp.ResourceSchemas["aws_thing"].Block.Attributes {
		names = append(names, a.Name)
	}
	assert.Equal(t, []string{"arn", "id", "name", "ports", "region", "size"}, names, "sorted, stable order")
	require.Len(t, resp.ResourceSchemas["aws_thing"].Block.BlockTypes, 1)
	assert.Equal(t, tfprotov6.SchemaNestedBlockNestingModeList, resp.ResourceSchemas["aws_thing"].Block.BlockTypes[0].Nesting)

	md, err := s.GetMetadata(context.Background(), &tfprotov6.GetMetadataRequest{})
	require.NoError(t, err)
	assert.Equal(t, []tfprotov6.ResourceMetadata{{TypeName: "aws_thing"}}, md.Resources)
	assert.Equal(t, []tfprotov6.DataSourceMetadata{{TypeName: "aws_lookup"}}, md.DataSources)
}

func TestUpgradeResourceStateDecodesJSON(t *testing.T) {
	s, typ, _ := newServer(t)
	resp, err := s.UpgradeResourceState(context.Background(), &tfprotov6.UpgradeResourceStateRequest{
		TypeName: "aws_thing", RawState: &tfprotov6.RawState{JSON: []byte(`{"name":"b1","arn":"arn:1","removed_attr":true}`)},
	})
	require.NoError(t, err)
	require.Empty(t, resp.Diagnostics)
	got := attrs(t, typ, resp.UpgradedState)
	assert.True(t, got["arn"].Equal(tftypes.NewValue(tftypes.String, "arn:1")))
}

func TestNewRejectsABadSchema(t *testing.T) {
	p := &schema.Provider{
		Provider:        &schema.Schema{Block: &schema.Block{}},
		ResourceSchemas: map[string]*schema.Schema{"aws_bad": {Block: &schema.Block{Attributes: map[string]*schema.Attribute{"x": {Optional: true}}}}},
	}
	_, err := New(p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "aws_bad")
	assert.Contains(t, err.Error(), "attribute x has neither type nor nested_type")
}
