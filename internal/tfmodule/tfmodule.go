// Package tfmodule reads what a Terraform module declares, by evaluating
// its HCL the way Terraform would for everything that does not depend on a
// cloud: input variables (given, or their defaults, converted to their
// types and checked by their validation blocks), locals, the outputs of
// local child modules, and the attributes and nested blocks (dynamic ones
// expanded) of its resources and data sources, a counted resource as its
// instances (count.index set), each checked by its preconditions.
//
// It is how the local stack provisions what modules/storage and
// modules/processing declare without restating any of it. What only the
// cloud knows (an ARN, an account id) is either supplied by the caller
// (Options.Known, Options.Data) or unknown; reading an unknown value is an
// error that names the attribute and what it depends on. Only the
// functions listed by Functions are available; any other fails with HCL's
// "call to unknown function" error at its file and line.
package tfmodule

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Module is the parsed configuration of one module directory.
type Module struct {
	Dir       string
	variables map[string]*variable
	locals    map[string]*hclsyntax.Attribute
	outputs   map[string]*hclsyntax.Attribute
	calls     map[string]*hclsyntax.Block // module "<name>" blocks
	blocks    map[string]*hclsyntax.Block // "<type>.<name>" and "data.<type>.<name>"
	types     map[string]bool             // resource types declared
	children  map[string]*Module          // child modules, by call name
}

type variable struct {
	name        string
	typ         cty.Type
	defaults    *typeexpr.Defaults
	def         cty.Value // cty.NilVal: required
	nullable    bool
	validations []*hclsyntax.Block
	rng         hcl.Range
}

// Load parses every .tf file of dir, and the modules it calls by a local
// path ("./x", "../x"), recursively.
func Load(dir string) (*Module, error) {
	return load(dir, map[string]bool{})
}

func load(dir string, loading map[string]bool) (*Module, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("tfmodule: %w", err)
	}
	if loading[abs] {
		return nil, fmt.Errorf("tfmodule: module %s calls itself", dir)
	}
	loading[abs] = true
	defer delete(loading, abs)

	paths, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		return nil, fmt.Errorf("tfmodule: %w", err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("tfmodule: no .tf files in %s", dir)
	}
	sort.Strings(paths)
	m := &Module{
		Dir:       dir,
		variables: map[string]*variable{},
		locals:    map[string]*hclsyntax.Attribute{},
		outputs:   map[string]*hclsyntax.Attribute{},
		calls:     map[string]*hclsyntax.Block{},
		blocks:    map[string]*hclsyntax.Block{},
		types:     map[string]bool{},
		children:  map[string]*Module{},
	}
	p := hclparse.NewParser()
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("tfmodule: %w", err)
		}
		f, diags := p.ParseHCL(src, path)
		if diags.HasErrors() {
			return nil, fmt.Errorf("tfmodule: %w", diags)
		}
		if err := m.add(f.Body.(*hclsyntax.Body)); err != nil {
			return nil, err
		}
	}
	for name, call := range m.calls {
		src, err := literalString(call.Body, "source")
		if err != nil {
			return nil, fmt.Errorf("tfmodule: module %q at %s: %w", name, call.DefRange(), err)
		}
		if !strings.HasPrefix(src, "./") && !strings.HasPrefix(src, "../") {
			return nil, fmt.Errorf("tfmodule: module %q at %s: source %q is not a local path; only local modules are evaluated", name, call.DefRange(), src)
		}
		child, err := load(filepath.Join(dir, filepath.FromSlash(src)), loading)
		if err != nil {
			return nil, err
		}
		m.children[name] = child
	}
	return m, nil
}

func (m *Module) add(body *hclsyntax.Body) error {
	for _, b := range body.Blocks {
		switch b.Type {
		case "variable":
			v, err := parseVariable(b)
			if err != nil {
				return err
			}
			m.variables[v.name] = v
		case "locals":
			for name, a := range b.Body.Attributes {
				m.locals[name] = a
			}
		case "output":
			if a, ok := b.Body.Attributes["value"]; ok && len(b.Labels) == 1 {
				m.outputs[b.Labels[0]] = a
			}
		case "module":
			if len(b.Labels) == 1 {
				m.calls[b.Labels[0]] = b
			}
		case "resource":
			if len(b.Labels) == 2 {
				m.blocks[b.Labels[0]+"."+b.Labels[1]] = b
				m.types[b.Labels[0]] = true
			}
		case "data":
			if len(b.Labels) == 2 {
				m.blocks["data."+b.Labels[0]+"."+b.Labels[1]] = b
			}
		}
	}
	return nil
}

func parseVariable(b *hclsyntax.Block) (*variable, error) {
	if len(b.Labels) != 1 {
		return nil, fmt.Errorf("tfmodule: variable block at %s needs one label", b.DefRange())
	}
	v := &variable{name: b.Labels[0], typ: cty.DynamicPseudoType, def: cty.NilVal, nullable: true, rng: b.DefRange()}
	if a, ok := b.Body.Attributes["type"]; ok {
		ty, defaults, diags := typeexpr.TypeConstraintWithDefaults(a.Expr)
		if diags.HasErrors() {
			return nil, fmt.Errorf("tfmodule: variable %q: %w", v.name, diags)
		}
		v.typ, v.defaults = ty, defaults
	}
	if a, ok := b.Body.Attributes["nullable"]; ok {
		n, diags := a.Expr.Value(nil)
		if diags.HasErrors() || n.Type() != cty.Bool || n.IsNull() {
			return nil, fmt.Errorf("tfmodule: variable %q: nullable must be a literal bool", v.name)
		}
		v.nullable = n.True()
	}
	if a, ok := b.Body.Attributes["default"]; ok {
		d, diags := a.Expr.Value(nil)
		if diags.HasErrors() {
			return nil, fmt.Errorf("tfmodule: variable %q: default: %w", v.name, diags)
		}
		conv, err := v.convert(d)
		if err != nil {
			return nil, fmt.Errorf("tfmodule: variable %q at %s: default: %w", v.name, a.SrcRange, err)
		}
		v.def = conv
	}
	for _, c := range b.Body.Blocks {
		if c.Type == "validation" {
			v.validations = append(v.validations, c)
		}
	}
	return v, nil
}

// convert turns a value given for v into its type, applying the defaults
// of optional object attributes.
func (v *variable) convert(val cty.Value) (cty.Value, error) {
	if v.defaults != nil {
		val = v.defaults.Apply(val)
	}
	out, err := convert.Convert(val, v.typ)
	if err != nil {
		return cty.NilVal, fmt.Errorf("want %s: %w", typeexpr.TypeString(v.typ), err)
	}
	return out, nil
}

// Variables lists the names of the module's input variables, sorted.
func (m *Module) Variables() []string {
	names := make([]string, 0, len(m.variables))
	for n := range m.variables {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Default returns the default of variable name, and whether it has one.
func (m *Module) Default(name string) (cty.Value, bool) {
	v, ok := m.variables[name]
	if !ok || v.def == cty.NilVal {
		return cty.NilVal, false
	}
	return v.def, true
}

func literalString(body *hclsyntax.Body, name string) (string, error) {
	a, ok := body.Attributes[name]
	if !ok {
		return "", fmt.Errorf("no %s", name)
	}
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() || v.Type() != cty.String || v.IsNull() {
		return "", fmt.Errorf("%s must be a literal string", name)
	}
	return v.AsString(), nil
}
