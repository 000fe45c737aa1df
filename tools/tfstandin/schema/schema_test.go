package schema

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sample() *Provider {
	return &Provider{
		Provider: &Schema{Block: &Block{Attributes: map[string]*Attribute{"region": {Type: json.RawMessage(`"string"`), Optional: true}}}},
		ResourceSchemas: map[string]*Schema{"aws_x": {Version: 2, Block: &Block{
			Attributes: map[string]*Attribute{"tags": {Type: json.RawMessage(`["map","string"]`), Optional: true}},
			BlockTypes: map[string]*NestedBlock{"rule": {NestingMode: NestingSet, MinItems: 1, Block: &Block{}}},
		}}},
		DataSourceSchemas: map[string]*Schema{},
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json.gz")
	require.NoError(t, sample().Save(path))
	got, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, sample(), got)
}

func TestProto(t *testing.T) {
	ps, err := sample().ResourceSchemas["aws_x"].Proto()
	require.NoError(t, err)
	assert.EqualValues(t, 2, ps.Version)
	require.Len(t, ps.Block.Attributes, 1)
	assert.True(t, ps.Block.Attributes[0].Type.Equal(tftypes.Map{ElementType: tftypes.String}))
	require.Len(t, ps.Block.BlockTypes, 1)
	assert.Equal(t, tfprotov6.SchemaNestedBlockNestingModeSet, ps.Block.BlockTypes[0].Nesting)
	assert.EqualValues(t, 1, ps.Block.BlockTypes[0].MinItems)
}

func TestBadInputIsNamed(t *testing.T) {
	cases := map[string]struct {
		s    *Schema
		want string
	}{
		"bad type":    {&Schema{Block: &Block{Attributes: map[string]*Attribute{"a": {Type: json.RawMessage(`"strung"`)}}}}, "attribute a: type"},
		"bad nesting": {&Schema{Block: &Block{BlockTypes: map[string]*NestedBlock{"b": {NestingMode: "tuple", Block: &Block{}}}}}, `block b: unknown block nesting mode "tuple"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := tc.s.Proto()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestLoadRejectsNonGzipAndMissingProvider(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.json")
	require.NoError(t, os.WriteFile(plain, []byte(`{}`), 0o644))
	_, err := Load(plain)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not gzip")

	_, err = Decode(strings.NewReader(`{"resource_schemas":{}}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no provider block")
}
