package cdktf

import (
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/tools/tfstandin/schema"
)

// compile writes, for every testdata/lib/**/*.ts, the .js the npm package
// ships: code followed by an inline source map embedding the TypeScript.
func compile(t *testing.T) string {
	t.Helper()
	pkg := t.TempDir()
	err := filepath.WalkDir("testdata/lib", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".ts") {
			return err
		}
		ts, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		sm, err := json.Marshal(map[string]any{"version": 3, "sources": []string{filepath.Base(path)}, "sourcesContent": []string{string(ts)}})
		if err != nil {
			return err
		}
		js := "\"use strict\";\nObject.defineProperty(exports, \"__esModule\", { value: true });\n" +
			"//# sourceMappingURL=data:application/json;base64," + base64.StdEncoding.EncodeToString(sm) + "\n"
		out := filepath.Join(pkg, strings.TrimPrefix(strings.TrimSuffix(path, ".ts"), "testdata/")+".js")
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, []byte(js), 0o644)
	})
	require.NoError(t, err)
	return pkg
}

func typeOf(t *testing.T, a *schema.Attribute) string {
	t.Helper()
	require.NotNil(t, a)
	return string(a.Type)
}

func TestExtractResource(t *testing.T) {
	p, err := Extract(compile(t))
	require.NoError(t, err)
	require.Contains(t, p.ResourceSchemas, "aws_widget")
	b := p.ResourceSchemas["aws_widget"].Block

	attrs := []struct {
		name                         string
		typ                          string
		required, optional, computed bool
	}{
		{"arn", `"string"`, false, false, true},
		{"name", `"string"`, true, false, false},
		{"tags", `["map","string"]`, false, true, false},
		{"tags_all", `["map","string"]`, false, false, true},
	}
	for _, tc := range attrs {
		t.Run(tc.name, func(t *testing.T) {
			a := b.Attributes[tc.name]
			assert.JSONEq(t, tc.typ, typeOf(t, a))
			assert.Equal(t, []bool{tc.required, tc.optional, tc.computed}, []bool{a.Required, a.Optional, a.Computed})
		})
	}
	assert.Len(t, b.Attributes, 6, "arn, endpoints, name, settings, tags, tags_all")

	rule := b.BlockTypes["rule"]
	require.NotNil(t, rule)
	assert.Equal(t, schema.NestingSet, rule.NestingMode)
	assert.EqualValues(t, 1, rule.MinItems, "a required block needs at least one element")
	assert.Zero(t, rule.MaxItems)
	assert.True(t, rule.Block.Attributes["enabled"].Required)
	assert.True(t, rule.Block.Attributes["id"].Optional && rule.Block.Attributes["id"].Computed)
	assert.JSONEq(t, `["set","string"]`, typeOf(t, rule.Block.Attributes["values"]))

	logging := b.BlockTypes["logging"]
	require.NotNil(t, logging)
	assert.Equal(t, schema.NestingList, logging.NestingMode)
	assert.EqualValues(t, 1, logging.MaxItems, "an OutputReference field is a max-one list block")
	assert.Zero(t, logging.MinItems)

	assert.Equal(t, schema.NestingSingle, b.BlockTypes["timeouts"].NestingMode)
	assert.Len(t, b.BlockTypes, 3)

	settings := b.Attributes["settings"]
	require.NotNil(t, settings.NestedType, "isBlock false with an object type is a nested attribute")
	assert.Equal(t, schema.NestingSingle, settings.NestedType.NestingMode)
	assert.True(t, settings.Optional && settings.Computed)
	assert.True(t, settings.NestedType.Attributes["mode"].Computed)

	ep := b.Attributes["endpoints"]
	require.NotNil(t, ep.NestedType)
	assert.Equal(t, schema.NestingList, ep.NestedType.NestingMode)
	assert.True(t, ep.Computed && !ep.Optional)
	assert.JSONEq(t, `"number"`, typeOf(t, ep.NestedType.Attributes["port"]))
	assert.JSONEq(t, `["set","string"]`, typeOf(t, ep.NestedType.Attributes["zones"]))
}

func TestExtractDataSourceAcrossStructFiles(t *testing.T) {
	p, err := Extract(compile(t))
	require.NoError(t, err)
	require.Contains(t, p.DataSourceSchemas, "aws_widget")
	b := p.DataSourceSchemas["aws_widget"].Block
	assert.True(t, b.Attributes["name"].Required)
	assert.JSONEq(t, `"dynamic"`, typeOf(t, b.Attributes["document"]))
	items := b.Attributes["items"]
	require.NotNil(t, items.NestedType, "struct classes from index-structs/ are found")
	assert.Equal(t, schema.NestingSet, items.NestedType.NestingMode)
	assert.JSONEq(t, `["map","number"]`, typeOf(t, items.NestedType.Attributes["weights"]))
	assert.Len(t, p.ResourceSchemas, 1, "lazy-index holds no resource")
}

func TestExtractProviderUsesInterfacesForNestedStructs(t *testing.T) {
	p, err := Extract(compile(t))
	require.NoError(t, err)
	b := p.Provider.Block
	assert.True(t, b.Attributes["region"].Optional)
	dt := b.BlockTypes["default_tags"]
	require.NotNil(t, dt)
	assert.Equal(t, schema.NestingList, dt.NestingMode)
	assert.True(t, dt.Block.Attributes["tags"].Optional)
	assert.True(t, dt.Block.Attributes["key_prefix"].Required, "a field without ? is required")
}

func TestExtractedSchemaConvertsToProtocol(t *testing.T) {
	p, err := Extract(compile(t))
	require.NoError(t, err)
	for name, s := range p.ResourceSchemas {
		_, err := s.Proto()
		assert.NoError(t, err, name)
	}
	ps, err := p.ResourceSchemas["aws_widget"].Proto()
	require.NoError(t, err)
	assert.Contains(t, ps.ValueType().String(), "settings")
}

func TestEmbeddedSource(t *testing.T) {
	sm := base64.StdEncoding.EncodeToString([]byte(`{"version":3,"sourcesContent":["export class A {}"]}`))
	src, err := EmbeddedSource("\"use strict\";\n//# sourceMappingURL=data:application/json;base64," + sm + "\n")
	require.NoError(t, err)
	assert.Equal(t, "export class A {}", src)

	_, err = EmbeddedSource("\"use strict\";\n")
	assert.ErrorIs(t, err, ErrNoSource)
}

func TestParseUnitErrors(t *testing.T) {
	cases := map[string]struct{ src, want string }{
		"no tfResourceType": {
			src:  "x\nexport class A extends cdktf.TerraformResource {\n}\n",
			want: "class A has no tfResourceType",
		},
		"unknown attribute type": {
			src: "x\nexport class A extends cdktf.TerraformResource {\n  public static readonly tfResourceType = \"aws_a\";\n" +
				"  // odd - computed: true, optional: false, required: false\n  public get odd() {\n    return this.somethingElse('odd');\n  }\n}\n",
			want: "A.odd: cannot tell its type",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			u, err := ParseUnit(tc.src)
			if err == nil {
				_, err = u.Block()
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestExtractMissingPackage(t *testing.T) {
	_, err := Extract(filepath.Join(t.TempDir(), "nope"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nope/lib")
}
