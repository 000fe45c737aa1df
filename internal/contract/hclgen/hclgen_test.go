package hclgen

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/internal/contract"
)

// repoRoot walks up from the test's directory to the folder holding go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "go.mod not found above the test directory")
		dir = parent
	}
}

func TestGeneratedFilesAreCurrent(t *testing.T) {
	root := repoRoot(t)
	files, err := Generate(root)
	require.NoError(t, err)
	for _, name := range FileNames(files) {
		got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
		require.NoError(t, err, "%s is missing: run `make generate`", name)
		assert.Equal(t, string(files[name]), string(got),
			"%s is stale: run `make generate` and commit the result (its generated blocks are edited in internal/contract)", name)
	}
	entries, err := os.ReadDir(filepath.Join(root, "modules", "contract"))
	require.NoError(t, err)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tf") {
			assert.Contains(t, files, "modules/contract/"+e.Name(), "modules/contract/%s is not generated: remove it or generate it", e.Name())
		}
	}
}

// contractConsts type-checks internal/contract from source (imports are
// stubbed: only its constants matter) and returns its exported constants.
func contractConsts(t *testing.T) map[string]constant.Value {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "internal", "contract")
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var files []*ast.File
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, 0)
		require.NoError(t, err)
		require.Equal(t, "contract", f.Name.Name, "%s is not in package contract", e.Name())
		files = append(files, f)
	}
	require.NotEmpty(t, files, "no Go files of package contract in %s", dir)
	conf := types.Config{
		Importer: stubImporter{},
		Error:    func(error) {}, // calls into stubbed imports do not type-check; constants do
	}
	tpkg, _ := conf.Check("github.com/imgpipe/imgpipe/internal/contract", fset, files, nil)
	consts := map[string]constant.Value{}
	for _, name := range tpkg.Scope().Names() {
		if c, ok := tpkg.Scope().Lookup(name).(*types.Const); ok && c.Exported() {
			consts[name] = c.Val()
		}
	}
	require.NotEmpty(t, consts)
	return consts
}

type stubImporter struct{}

func (stubImporter) Import(path string) (*types.Package, error) {
	p := types.NewPackage(path, filepath.Base(path))
	p.MarkComplete()
	return p, nil
}

// TestEveryContractConstantIsExposed proves that each exported constant of
// internal/contract reaches modules/contract, under the right value: a new
// constant, or a hand-edited entry that pairs a name with another's value,
// fails here. Env* and Default* constants travel through the settings (the
// env and defaults outputs).
func TestEveryContractConstantIsExposed(t *testing.T) {
	outputs, err := Outputs()
	require.NoError(t, err)
	consts := contractConsts(t)

	exposed := map[string]bool{}
	for _, o := range outputs {
		for _, e := range o.Entries {
			if e.GoName == "" || e.GoName == "Reasons" {
				exposed[e.GoName] = e.GoName != ""
				continue
			}
			exposed[e.GoName] = true
			want, isConst := consts[e.GoName]
			if !assert.True(t, isConst, "output %s: %s is no exported constant of internal/contract", o.Name, e.GoName) {
				continue
			}
			assertSameValue(t, want, e.Value, "output %s: %s", o.Name, e.GoName)
		}
	}
	// A setting's Env and Default are the Env* and Default* constants
	// with those values.
	for _, st := range contract.Settings {
		for name, c := range consts {
			if (strings.HasPrefix(name, "Env") && constText(c) == st.Env) ||
				(strings.HasPrefix(name, "Default") && st.Input && constText(c) == st.EnvDefault()) {
				exposed[name] = true
			}
		}
	}
	for name := range consts {
		switch {
		case strings.HasPrefix(name, "Reason"), strings.HasPrefix(name, "Kind"):
			continue // the Reason* constants travel as the failure_reasons list; Kind* describe settings
		}
		assert.True(t, exposed[name], "contract.%s is not exposed by modules/contract: add it to hclgen.Outputs or to a Setting", name)
	}

	var reasons, sizes cty.Value
	for _, o := range outputs {
		switch o.Name {
		case "failure_reasons":
			reasons = o.Value()
		case "defaults":
			sizes = o.Value().GetAttr("thumbnail_sizes")
		}
	}
	require.Equal(t, len(contract.Reasons), reasons.LengthInt())
	for i, r := range contract.Reasons {
		assert.Equal(t, string(r), reasons.Index(cty.NumberIntVal(int64(i))).AsString())
	}
	var got []int
	for _, v := range sizes.AsValueSlice() {
		n, _ := v.AsBigFloat().Int64()
		got = append(got, int(n))
	}
	assert.Equal(t, contract.DefaultThumbnailSizes, got)
}

// constText is a constant as the environment would spell it.
func constText(c constant.Value) string {
	if c.Kind() == constant.String {
		return constant.StringVal(c)
	}
	return c.ExactString()
}

func assertSameValue(t *testing.T, want constant.Value, got cty.Value, msgAndArgs ...any) {
	t.Helper()
	switch want.Kind() {
	case constant.String:
		assert.Equal(t, cty.StringVal(constant.StringVal(want)), got, msgAndArgs...)
	case constant.Int:
		n, exact := constant.Int64Val(want)
		require.True(t, exact)
		assert.True(t, cty.NumberIntVal(n).Equals(got).True(), append([]any{"%d, generated %#v: "}, n, got)...)
	default:
		t.Errorf("unhandled constant kind %s", want.Kind())
	}
}
