package tfmodule

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"
)

func loadRoot(t *testing.T) *Module {
	t.Helper()
	m, err := Load("testdata/root")
	require.NoError(t, err)
	return m
}

func evalRoot(t *testing.T, opts Options) *Eval {
	t.Helper()
	if opts.Inputs == nil {
		opts.Inputs = map[string]cty.Value{"required": cty.NumberIntVal(21)}
	}
	e, err := loadRoot(t).Eval(opts)
	require.NoError(t, err)
	return e
}

func TestVariables(t *testing.T) {
	m := loadRoot(t)
	assert.Equal(t, []string{"copies", "name", "required", "settings", "sizes"}, m.Variables())
	def, ok := m.Default("sizes")
	require.True(t, ok)
	assert.True(t, def.Equals(cty.ListVal([]cty.Value{cty.NumberIntVal(1), cty.NumberIntVal(2)})).True(), "converted to list(number): %#v", def)
	_, ok = m.Default("required")
	assert.False(t, ok)

	tests := []struct {
		name    string
		inputs  map[string]cty.Value
		wantErr string
	}{
		{"required missing", map[string]cty.Value{}, `variable "required"`},
		{"validation", map[string]cty.Value{"required": cty.NumberIntVal(1), "name": cty.StringVal("far too long")}, "name must be at most 8 characters."},
		{"wrong type", map[string]cty.Value{"required": cty.StringVal("x")}, `variable "required": want number`},
		{"unknown input", map[string]cty.Value{"required": cty.NumberIntVal(1), "nope": cty.True}, `no input variable "nope"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := m.Eval(Options{Inputs: tc.inputs})
			assert.ErrorContains(t, err, tc.wantErr)
		})
	}

	e := evalRoot(t, Options{Inputs: map[string]cty.Value{"required": cty.NumberIntVal(1), "sizes": cty.NullVal(cty.List(cty.Number))}})
	v, err := e.Var("sizes")
	require.NoError(t, err)
	assert.Equal(t, 2, v.LengthInt(), "null for a non-nullable variable takes the default")
	v, err = e.Var("settings")
	require.NoError(t, err)
	assert.Equal(t, "INFO", v.GetAttr("level").AsString(), "optional attribute defaults apply")
}

func TestLocalsAndModules(t *testing.T) {
	e := evalRoot(t, Options{})
	v, err := e.Local("base")
	require.NoError(t, err)
	assert.Equal(t, "hello-x", v.AsString(), "a local that refers to a later one")
	v, err = e.Local("joined")
	require.NoError(t, err)
	assert.Equal(t, "1,2", v.AsString())

	_, err = e.Local("loop_a")
	assert.ErrorContains(t, err, "cycle")
	_, err = e.Local("missing")
	assert.ErrorContains(t, err, "nosuchfunction")
	_, err = e.Local("nope")
	assert.ErrorContains(t, err, `no local "nope"`)

	child, err := e.Module("child")
	require.NoError(t, err)
	v, err = child.Output("shout")
	require.NoError(t, err)
	assert.Equal(t, "HELLO!", v.AsString(), "the call's arguments are the child's inputs")
}

func TestResourceAttributes(t *testing.T) {
	e := evalRoot(t, Options{
		Known: map[string]cty.Value{"data.aws_region.current": cty.ObjectVal(map[string]cty.Value{"region": cty.StringVal("eu-west-1")})},
		Data: func(typ string, b *Block) (cty.Value, bool, error) {
			if typ != "aws_iam_policy_document" {
				return cty.NilVal, false, nil
			}
			st, err := b.Blocks("statement")
			if err != nil {
				return cty.NilVal, false, err
			}
			sid, err := st[0].String("sid")
			return cty.ObjectVal(map[string]cty.Value{"json": cty.StringVal(`{"Sid":"` + sid + `"}`)}), true, err
		},
	})
	r, err := e.Resource("aws_thing.main")
	require.NoError(t, err)

	name, err := r.String("name")
	require.NoError(t, err)
	assert.Equal(t, "hello-x", name)
	size, err := r.Int("size")
	require.NoError(t, err)
	assert.Equal(t, int64(42), size)
	for attr, want := range map[string]string{"region": "eu-west-1", "shout": "HELLO!", "document": `{"Sid":"One"}`, "level": "INFO"} {
		got, err := r.String(attr)
		require.NoError(t, err, attr)
		assert.Equal(t, want, got, attr)
	}
	tags, err := r.StringMap("tags")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "b", "n": "1"}, tags)
	for _, attr := range []string{"all", "contains"} {
		b, err := r.Bool(attr)
		require.NoError(t, err, attr)
		assert.True(t, b, attr)
	}

	_, err = r.String("other")
	assert.ErrorContains(t, err, "is not known before apply: it depends on aws_thing.other.arn")
	_, err = r.String("absent")
	assert.ErrorContains(t, err, "does not set absent")
	_, err = r.Int("name")
	assert.ErrorContains(t, err, "want a number")
	_, err = e.Resource("aws_thing.nope")
	assert.ErrorContains(t, err, "declares no aws_thing.nope")
}

func TestDynamicBlocks(t *testing.T) {
	r, err := evalRoot(t, Options{}).Resource("aws_thing.main")
	require.NoError(t, err)
	rules, err := r.Blocks("rule")
	require.NoError(t, err)
	var ids []string
	for _, b := range rules {
		id, err := b.String("id")
		require.NoError(t, err)
		ids = append(ids, id)
	}
	assert.Equal(t, []string{"static", "a", "b"}, ids, "static first (source order), then the map's keys, sorted")
	days, err := rules[2].Int("days")
	require.NoError(t, err)
	assert.Equal(t, int64(2), days)
	assert.Equal(t, "aws_thing.main.rule[2]", rules[2].Path)

	tags, err := r.Blocks("tag")
	require.NoError(t, err)
	require.Len(t, tags, 2)
	idx, err := tags[1].Int("index")
	require.NoError(t, err)
	val, err := tags[1].Int("value")
	require.NoError(t, err)
	assert.Equal(t, []int64{1, 2}, []int64{idx, val}, "a named iterator over a list: index and element")
	assert.ElementsMatch(t, []string{"rule", "tag"}, r.BlockTypes())
}

func TestCountedResources(t *testing.T) {
	peers := cty.TupleVal([]cty.Value{
		cty.ObjectVal(map[string]cty.Value{"arn": cty.StringVal("arn:peer-0")}),
		cty.ObjectVal(map[string]cty.Value{"arn": cty.StringVal("arn:peer-1")}),
	})
	e := evalRoot(t, Options{Known: map[string]cty.Value{"aws_thing.peer": peers}})
	got, err := e.Instances("aws_thing.counted")
	require.NoError(t, err)
	require.Len(t, got, 2)
	for i, b := range got {
		name, err := b.String("name")
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("hello-x-%d", i), name)
		peer, err := b.String("peer")
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("arn:peer-%d", i), peer, "count.index indexes the other resource's instances")
		assert.Equal(t, fmt.Sprintf("aws_thing.counted[%d]", i), b.Path)
	}
	assert.Empty(t, got[0].BlockTypes(), "the lifecycle block is Terraform's, not the resource's")

	single, err := e.Instances("aws_thing.other")
	require.NoError(t, err)
	require.Len(t, single, 1, "a resource without count is one instance")

	_, err = e.Resource("aws_thing.counted")
	assert.ErrorContains(t, err, "read it with Instances")

	withDocs := evalRoot(t, Options{Data: func(typ string, b *Block) (cty.Value, bool, error) {
		st, err := b.Blocks("statement")
		if err != nil {
			return cty.NilVal, false, err
		}
		sid, err := st[0].String("sid")
		return cty.ObjectVal(map[string]cty.Value{"json": cty.StringVal(`{"Sid":"` + sid + `"}`)}), true, err
	}})
	r, err := withDocs.Resource("aws_thing.uses_counted_data")
	require.NoError(t, err)
	doc, err := r.String("document")
	require.NoError(t, err)
	assert.Equal(t, `{"Sid":"Copy1"}`, doc, "a counted data source is the tuple of its instances, each computed with its count.index")

	none, err := evalRoot(t, Options{Inputs: map[string]cty.Value{"required": cty.NumberIntVal(1), "copies": cty.NumberIntVal(0)}}).Instances("aws_thing.counted")
	require.NoError(t, err)
	assert.Empty(t, none)

	_, err = evalRoot(t, Options{Inputs: map[string]cty.Value{"required": cty.NumberIntVal(1), "copies": cty.NumberIntVal(4)}}).Instances("aws_thing.counted")
	assert.ErrorContains(t, err, "aws_thing.counted[0]: precondition")
	assert.ErrorContains(t, err, "at most 3 copies.")
}

func TestDynamicBlockOverUnknownElements(t *testing.T) {
	r, err := evalRoot(t, Options{}).Resource("aws_thing.dyn_unknown")
	require.NoError(t, err)
	targets, err := r.Blocks("target")
	require.NoError(t, err)
	require.Len(t, targets, 1, "the list is known, its element is not")
	label, err := targets[0].String("label")
	require.NoError(t, err)
	assert.Equal(t, "one", label)
	_, err = targets[0].String("arn")
	assert.ErrorContains(t, err, "not known before apply")
}

func TestLoadRejectsRemoteModules(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.tf"), []byte(`module "x" {
  source = "terraform-aws-modules/s3-bucket/aws"
}
`), 0o644))
	_, err := Load(dir)
	assert.ErrorContains(t, err, "not a local path")
}
