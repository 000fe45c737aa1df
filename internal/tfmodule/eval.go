package tfmodule

import (
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Options are the values of one evaluation that the module does not hold.
type Options struct {
	// Inputs are values of the module's input variables; a variable
	// without one takes its default. Every input is converted to its
	// variable's type and checked by its validation blocks.
	Inputs map[string]cty.Value
	// Known holds attributes only the cloud knows, as objects by address:
	// "aws_s3_bucket.images" → {arn = "..."}, "data.aws_region.current" →
	// {region = "..."}. Any other resource or data source is unknown.
	Known map[string]cty.Value
	// Data computes a data source that is a pure function of its
	// arguments (aws_iam_policy_document, say) from its evaluated block.
	// It reports false for a type it does not compute, which stays
	// unknown unless Known has it.
	Data func(typ string, b *Block) (cty.Value, bool, error)
}

// Eval is one evaluation of a module: its variables resolved, its locals,
// outputs and data sources computed on first use.
type Eval struct {
	m        *Module
	opts     Options
	vars     cty.Value
	locals   map[string]*memo
	data     map[string]*memo
	children map[string]*Eval
	chain    []string // what is being evaluated, for cycle errors
}

type memo struct {
	done, busy bool
	v          cty.Value
	err        error
}

// Eval resolves the module's input variables from opts.Inputs and their
// defaults and checks every validation block. A missing required
// variable, an input the module does not declare, a value of the wrong
// type or a failed validation is an error naming the variable.
func (m *Module) Eval(opts Options) (*Eval, error) {
	e := &Eval{m: m, opts: opts, locals: map[string]*memo{}, data: map[string]*memo{}, children: map[string]*Eval{}}
	var errs []error
	for name := range opts.Inputs {
		if _, ok := m.variables[name]; !ok {
			errs = append(errs, fmt.Errorf("%s: no input variable %q", m.Dir, name))
		}
	}
	vals := map[string]cty.Value{}
	for _, name := range m.Variables() {
		v := m.variables[name]
		in, given := opts.Inputs[name]
		switch {
		case given && (!in.IsNull() || v.nullable):
			conv, err := v.convert(in)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: variable %q: %w", m.Dir, name, err))
				conv = cty.UnknownVal(v.typ)
			}
			vals[name] = conv
		case v.def != cty.NilVal:
			vals[name] = v.def
		default:
			errs = append(errs, fmt.Errorf("%s: variable %q (%s) is required and has no value", m.Dir, name, v.rng))
			vals[name] = cty.UnknownVal(v.typ)
		}
	}
	e.vars = cty.ObjectVal(vals)
	if len(vals) == 0 {
		e.vars = cty.EmptyObjectVal
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, name := range m.Variables() {
		for _, vb := range m.variables[name].validations {
			if err := e.checkValidation(name, vb); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return e, errors.Join(errs...)
}

func (e *Eval) checkValidation(name string, vb *hclsyntax.Block) error {
	cond, ok := vb.Body.Attributes["condition"]
	if !ok {
		return fmt.Errorf("validation of variable %q at %s has no condition", name, vb.DefRange())
	}
	ok2, err := e.eval(cond.Expr, nil)
	if err != nil {
		return fmt.Errorf("validation of variable %q: %w", name, err)
	}
	if !ok2.IsKnown() || ok2.IsNull() || ok2.Type() != cty.Bool || ok2.True() {
		return nil
	}
	msg := "invalid value"
	if a, ok := vb.Body.Attributes["error_message"]; ok {
		if m, err := e.eval(a.Expr, nil); err == nil && m.Type() == cty.String && m.IsKnown() && !m.IsNull() {
			msg = m.AsString()
		}
	}
	return fmt.Errorf("%s: invalid value for variable %q (%s): %s", e.m.Dir, name, cond.SrcRange, msg)
}

// Var returns the resolved value of an input variable.
func (e *Eval) Var(name string) (cty.Value, error) {
	if !e.vars.Type().HasAttribute(name) {
		return cty.NilVal, fmt.Errorf("%s: no input variable %q", e.m.Dir, name)
	}
	return e.vars.GetAttr(name), nil
}

// Local returns the value of local.<name>.
func (e *Eval) Local(name string) (cty.Value, error) {
	a, ok := e.m.locals[name]
	if !ok {
		return cty.NilVal, fmt.Errorf("%s: no local %q", e.m.Dir, name)
	}
	return e.memoized(e.locals, name, "local."+name, func() (cty.Value, error) { return e.eval(a.Expr, nil) })
}

// Output returns the value of output <name>.
func (e *Eval) Output(name string) (cty.Value, error) {
	a, ok := e.m.outputs[name]
	if !ok {
		return cty.NilVal, fmt.Errorf("%s: no output %q", e.m.Dir, name)
	}
	return e.eval(a.Expr, nil)
}

// Module returns the evaluation of the child module called name, with the
// call's arguments as its inputs.
func (e *Eval) Module(name string) (*Eval, error) {
	if c, ok := e.children[name]; ok {
		return c, nil
	}
	call, ok := e.m.calls[name]
	if !ok {
		return nil, fmt.Errorf("%s: no module %q", e.m.Dir, name)
	}
	inputs := map[string]cty.Value{}
	for arg, a := range call.Body.Attributes {
		switch arg {
		case "source", "version", "providers", "count", "for_each", "depends_on":
			continue
		}
		v, err := e.eval(a.Expr, nil)
		if err != nil {
			return nil, fmt.Errorf("module %q: argument %s: %w", name, arg, err)
		}
		inputs[arg] = v
	}
	child, err := e.m.children[name].Eval(Options{Inputs: inputs, Data: e.opts.Data})
	if err != nil {
		return nil, fmt.Errorf("module %q: %w", name, err)
	}
	e.children[name] = child
	return child, nil
}

// Resource returns the block of the resource or data source at addr
// ("aws_lambda_function.processor", "data.aws_iam_policy_document.bucket").
// A resource with count is read with Instances; for_each is not evaluated.
// The resource's preconditions (lifecycle blocks) must hold.
func (e *Eval) Resource(addr string) (*Block, error) {
	b, ok := e.m.blocks[addr]
	if !ok {
		return nil, fmt.Errorf("%s declares no %s", e.m.Dir, addr)
	}
	for _, meta := range []string{"count", "for_each"} {
		if _, ok := b.Body.Attributes[meta]; ok {
			hint := "only single resources are evaluated"
			if meta == "count" {
				hint = "read it with Instances"
			}
			return nil, fmt.Errorf("%s at %s has %s: %s", addr, b.DefRange(), meta, hint)
		}
	}
	blk := &Block{Type: b.Type, Labels: b.Labels, Path: addr, body: b.Body, e: e, rng: b.DefRange()}
	if err := blk.checkPreconditions(); err != nil {
		return nil, err
	}
	return blk, nil
}

// Instances returns the instances of the resource or data source at addr:
// the one block of a single resource, or as many as its count (each with
// count.index set, Path "<addr>[<i>]"), none when the count is 0. The count
// must be known before apply, as Terraform requires; each instance's
// preconditions must hold.
func (e *Eval) Instances(addr string) ([]*Block, error) {
	b, ok := e.m.blocks[addr]
	if !ok {
		return nil, fmt.Errorf("%s declares no %s", e.m.Dir, addr)
	}
	if _, ok := b.Body.Attributes["for_each"]; ok {
		return nil, fmt.Errorf("%s at %s has for_each: only single and counted resources are evaluated", addr, b.DefRange())
	}
	ca, counted := b.Body.Attributes["count"]
	if !counted {
		blk, err := e.Resource(addr)
		if err != nil {
			return nil, err
		}
		return []*Block{blk}, nil
	}
	cv, err := e.eval(ca.Expr, nil)
	if err != nil {
		return nil, fmt.Errorf("%s.count: %w", addr, err)
	}
	if !cv.IsWhollyKnown() || cv.IsNull() || cv.Type() != cty.Number {
		return nil, fmt.Errorf("%s.count (%s) must be a whole number known before apply", addr, ca.SrcRange)
	}
	n, acc := cv.AsBigFloat().Int64()
	if acc != big.Exact || n < 0 {
		return nil, fmt.Errorf("%s.count (%s) is %s, want a whole number >= 0", addr, ca.SrcRange, cv.AsBigFloat().String())
	}
	out := make([]*Block, 0, n)
	for i := range n {
		extra := map[string]cty.Value{"count": cty.ObjectVal(map[string]cty.Value{"index": cty.NumberIntVal(i)})}
		blk := &Block{Type: b.Type, Labels: b.Labels, Path: fmt.Sprintf("%s[%d]", addr, i), body: b.Body, e: e, extra: extra, rng: b.DefRange()}
		if err := blk.checkPreconditions(); err != nil {
			return nil, err
		}
		out = append(out, blk)
	}
	return out, nil
}

func (e *Eval) memoized(cache map[string]*memo, key, what string, f func() (cty.Value, error)) (cty.Value, error) {
	mm := cache[key]
	if mm == nil {
		mm = &memo{}
		cache[key] = mm
	}
	if mm.done {
		return mm.v, mm.err
	}
	if mm.busy {
		return cty.NilVal, fmt.Errorf("%s: cycle: %s -> %s", e.m.Dir, strings.Join(e.chain, " -> "), what)
	}
	mm.busy = true
	e.chain = append(e.chain, what)
	mm.v, mm.err = f()
	e.chain = e.chain[:len(e.chain)-1]
	mm.busy, mm.done = false, true
	return mm.v, mm.err
}

// dataValue is the value of data.<typ>.<name>: Known, else computed by
// Options.Data, else unknown.
func (e *Eval) dataValue(typ, name string) (cty.Value, error) {
	addr := "data." + typ + "." + name
	if v, ok := e.opts.Known[addr]; ok {
		return v, nil
	}
	if _, declared := e.m.blocks[addr]; !declared {
		return cty.NilVal, fmt.Errorf("%s declares no %s", e.m.Dir, addr)
	}
	if e.opts.Data == nil {
		return cty.DynamicVal, nil
	}
	return e.memoized(e.data, addr, addr, func() (cty.Value, error) {
		compute := func(b *Block) (cty.Value, error) {
			v, ok, err := e.opts.Data(typ, b)
			switch {
			case err != nil:
				return cty.NilVal, fmt.Errorf("%s: %w", b.Path, err)
			case !ok:
				return cty.DynamicVal, nil
			}
			return v, nil
		}
		if _, counted := e.m.blocks[addr].Body.Attributes["count"]; !counted {
			b, err := e.Resource(addr)
			if err != nil {
				return cty.NilVal, err
			}
			return compute(b)
		}
		// A counted data source is the tuple of its instances.
		bs, err := e.Instances(addr)
		if err != nil {
			return cty.NilVal, err
		}
		vals := make([]cty.Value, len(bs))
		for i, b := range bs {
			if vals[i], err = compute(b); err != nil {
				return cty.NilVal, err
			}
		}
		return cty.TupleVal(vals), nil
	})
}

// eval evaluates expr in the module's scope, with extra variables (the
// iterators of dynamic blocks).
func (e *Eval) eval(expr hcl.Expression, extra map[string]cty.Value) (cty.Value, error) {
	ctx, err := e.context(expr, extra)
	if err != nil {
		return cty.NilVal, err
	}
	v, diags := expr.Value(ctx)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	return v, nil
}

// context builds the evaluation context of expr: only the locals, module
// outputs and data sources it refers to are evaluated.
func (e *Eval) context(expr hcl.Expression, extra map[string]cty.Value) (*hcl.EvalContext, error) {
	abs, _ := filepath.Abs(e.m.Dir)
	vars := map[string]cty.Value{
		"var":       e.vars,
		"path":      cty.ObjectVal(map[string]cty.Value{"module": cty.StringVal(e.m.Dir), "root": cty.StringVal(e.m.Dir), "cwd": cty.StringVal(abs)}),
		"terraform": cty.ObjectVal(map[string]cty.Value{"workspace": cty.StringVal("default")}),
	}
	locals := map[string]cty.Value{}
	moduleOutputs := map[string]map[string]bool{} // "" means all outputs
	data := map[string]map[string]cty.Value{}
	resources := map[string]map[string]cty.Value{}
	for typ := range e.m.types {
		resources[typ] = map[string]cty.Value{}
	}
	for _, tr := range expr.Variables() {
		root := tr.RootName()
		if _, ok := extra[root]; ok {
			continue
		}
		switch root {
		case "var", "path", "terraform":
		case "local":
			name, err := step(tr, 1)
			if err != nil {
				return nil, err
			}
			v, err := e.Local(name)
			if err != nil {
				return nil, err
			}
			locals[name] = v
		case "module":
			name, err := step(tr, 1)
			if err != nil {
				return nil, err
			}
			out, err := step(tr, 2)
			if err != nil {
				out = "" // the whole module object
			}
			if moduleOutputs[name] == nil {
				moduleOutputs[name] = map[string]bool{}
			}
			moduleOutputs[name][out] = true
		case "data":
			typ, err := step(tr, 1)
			if err != nil {
				return nil, err
			}
			name, err := step(tr, 2)
			if err != nil {
				return nil, err
			}
			v, err := e.dataValue(typ, name)
			if err != nil {
				return nil, err
			}
			if data[typ] == nil {
				data[typ] = map[string]cty.Value{}
			}
			data[typ][name] = v
		default:
			if _, declared := resources[root]; !declared {
				return nil, fmt.Errorf("%s: %s refers to %q, which this module does not declare", tr.SourceRange(), traversalString(tr), root)
			}
			name, err := step(tr, 1)
			if err != nil {
				return nil, err
			}
			v, ok := e.opts.Known[root+"."+name]
			if !ok {
				v = cty.DynamicVal
			}
			resources[root][name] = v
		}
	}
	modules := map[string]cty.Value{}
	for name, outs := range moduleOutputs {
		obj, err := e.moduleObject(name, outs)
		if err != nil {
			return nil, err
		}
		modules[name] = obj
	}
	vars["local"] = objectOf(locals)
	vars["module"] = objectOf(modules)
	dataObj := map[string]cty.Value{}
	for typ, byName := range data {
		dataObj[typ] = objectOf(byName)
	}
	vars["data"] = objectOf(dataObj)
	for typ, byName := range resources {
		vars[typ] = objectOf(byName)
	}
	for k, v := range extra {
		vars[k] = v
	}
	return &hcl.EvalContext{Variables: vars, Functions: Functions()}, nil
}

// moduleObject is module.<name> with the outputs named in outs, or all of
// them when outs holds "".
func (e *Eval) moduleObject(name string, outs map[string]bool) (cty.Value, error) {
	child, err := e.Module(name)
	if err != nil {
		return cty.NilVal, err
	}
	if outs[""] {
		for n := range child.m.outputs {
			outs[n] = true
		}
		delete(outs, "")
	}
	vals := map[string]cty.Value{}
	for n := range outs {
		v, err := child.Output(n)
		if err != nil {
			return cty.NilVal, fmt.Errorf("module.%s.%s: %w", name, n, err)
		}
		vals[n] = v
	}
	return objectOf(vals), nil
}

// step returns the attribute name at position i of tr.
func step(tr hcl.Traversal, i int) (string, error) {
	if len(tr) > i {
		if a, ok := tr[i].(hcl.TraverseAttr); ok {
			return a.Name, nil
		}
	}
	return "", fmt.Errorf("%s: %s: want an attribute name at step %d", tr.SourceRange(), traversalString(tr), i+1)
}

func objectOf(m map[string]cty.Value) cty.Value {
	if len(m) == 0 {
		return cty.EmptyObjectVal
	}
	return cty.ObjectVal(m)
}

func traversalString(tr hcl.Traversal) string {
	var b strings.Builder
	for i, s := range tr {
		switch s := s.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			b.WriteString("[…]")
		default:
			if i > 0 {
				b.WriteString("…")
			}
		}
	}
	return b.String()
}

// unknownRefs names the references of expr whose values are unknown.
func (e *Eval) unknownRefs(expr hcl.Expression, extra map[string]cty.Value) []string {
	ctx, err := e.context(expr, extra)
	if err != nil {
		return nil
	}
	var out []string
	for _, tr := range expr.Variables() {
		v, diags := tr.TraverseAbs(ctx)
		if !diags.HasErrors() && !v.IsWhollyKnown() {
			out = append(out, traversalString(tr))
		}
	}
	sort.Strings(out)
	return out
}
