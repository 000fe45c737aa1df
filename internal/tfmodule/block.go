package tfmodule

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Block is a resource, data source or nested block of an evaluation. Its
// attributes are evaluated when read.
type Block struct {
	Type   string   // "resource", "data", or a nested block's type ("rule")
	Labels []string // of a resource or data source: its type and name
	Path   string   // where it is, for errors: "aws_s3_bucket_lifecycle_configuration.images.rule[0]"

	body  *hclsyntax.Body
	e     *Eval
	extra map[string]cty.Value // iterators of the dynamic blocks it came from
	rng   hcl.Range
}

// Has reports whether the block sets attribute name.
func (b *Block) Has(name string) bool {
	_, ok := b.body.Attributes[name]
	return ok
}

// Value evaluates attribute name; an attribute the block does not set is
// null.
func (b *Block) Value(name string) (cty.Value, error) {
	a, ok := b.body.Attributes[name]
	if !ok {
		return cty.NullVal(cty.DynamicPseudoType), nil
	}
	v, err := b.e.eval(a.Expr, b.extra)
	if err != nil {
		return cty.NilVal, fmt.Errorf("%s.%s: %w", b.Path, name, err)
	}
	if !v.IsWhollyKnown() {
		what := "values only the cloud knows"
		if refs := b.e.unknownRefs(a.Expr, b.extra); len(refs) > 0 {
			what = strings.Join(refs, ", ")
		}
		return cty.NilVal, fmt.Errorf("%s.%s (%s) is not known before apply: it depends on %s", b.Path, name, a.SrcRange, what)
	}
	return v, nil
}

// Blocks returns the nested blocks of type typ, in source order, with
// dynamic "typ" blocks expanded over their for_each.
func (b *Block) Blocks(typ string) ([]*Block, error) {
	var out []*Block
	for _, c := range b.body.Blocks {
		switch {
		case c.Type == typ:
			out = append(out, b.child(c.Body, typ, len(out), b.extra, c.DefRange()))
		case c.Type == "dynamic" && len(c.Labels) == 1 && c.Labels[0] == typ:
			expanded, err := b.expand(c, typ, len(out))
			if err != nil {
				return nil, err
			}
			out = append(out, expanded...)
		}
	}
	return out, nil
}

// BlockTypes lists the types of the nested blocks (dynamic ones by the
// type they produce), for callers that refuse what they do not handle.
// Terraform's own lifecycle block is not one of them (its preconditions
// are checked when the resource is read).
func (b *Block) BlockTypes() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range b.body.Blocks {
		t := c.Type
		if t == "lifecycle" && b.Labels != nil {
			continue
		}
		if t == "dynamic" && len(c.Labels) == 1 {
			t = c.Labels[0]
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// Attributes lists the names of the attributes the block sets.
func (b *Block) Attributes() []string {
	out := make([]string, 0, len(b.body.Attributes))
	for n := range b.body.Attributes {
		out = append(out, n)
	}
	return out
}

func (b *Block) child(body *hclsyntax.Body, typ string, i int, extra map[string]cty.Value, rng hcl.Range) *Block {
	return &Block{Type: typ, Path: fmt.Sprintf("%s.%s[%d]", b.Path, typ, i), body: body, e: b.e, extra: extra, rng: rng}
}

func (b *Block) expand(d *hclsyntax.Block, typ string, first int) ([]*Block, error) {
	where := fmt.Sprintf("%s: dynamic %q", d.DefRange(), typ)
	fe, ok := d.Body.Attributes["for_each"]
	if !ok {
		return nil, fmt.Errorf("%s has no for_each", where)
	}
	iter := typ
	if a, ok := d.Body.Attributes["iterator"]; ok {
		iter = hcl.ExprAsKeyword(a.Expr)
		if iter == "" {
			return nil, fmt.Errorf("%s: iterator must be a name", where)
		}
	}
	var content *hclsyntax.Block
	for _, c := range d.Body.Blocks {
		if c.Type == "content" {
			content = c
		}
	}
	if content == nil {
		return nil, fmt.Errorf("%s has no content block", where)
	}
	coll, err := b.e.eval(fe.Expr, b.extra)
	if err != nil {
		return nil, fmt.Errorf("%s: for_each: %w", where, err)
	}
	// As in Terraform, the collection must be known, its elements need not
	// be (reading an attribute made from an unknown one fails then).
	if !coll.IsKnown() || (coll.Type().IsSetType() && !coll.IsWhollyKnown()) {
		return nil, fmt.Errorf("%s: for_each is not known before apply", where)
	}
	if coll.IsNull() || !coll.CanIterateElements() {
		return nil, fmt.Errorf("%s: for_each must be a collection, not %s", where, coll.Type().FriendlyName())
	}
	var out []*Block
	for it := coll.ElementIterator(); it.Next(); {
		k, v := it.Element()
		if coll.Type().IsSetType() {
			k = v
		}
		extra := map[string]cty.Value{}
		for n, x := range b.extra {
			extra[n] = x
		}
		extra[iter] = cty.ObjectVal(map[string]cty.Value{"key": k, "value": v})
		out = append(out, b.child(content.Body, typ, first+len(out), extra, content.DefRange()))
	}
	return out, nil
}

// String reads a required string attribute.
func (b *Block) String(name string) (string, error) {
	v, err := b.required(name)
	if err != nil {
		return "", err
	}
	if v.Type() != cty.String {
		return "", b.typeErr(name, "a string", v)
	}
	return v.AsString(), nil
}

// Int reads a required whole-number attribute.
func (b *Block) Int(name string) (int64, error) {
	v, err := b.required(name)
	if err != nil {
		return 0, err
	}
	if v.Type() != cty.Number {
		return 0, b.typeErr(name, "a number", v)
	}
	n, acc := v.AsBigFloat().Int64()
	if acc != big.Exact {
		return 0, b.typeErr(name, "a whole number", v)
	}
	return n, nil
}

// Bool reads a required bool attribute.
func (b *Block) Bool(name string) (bool, error) {
	v, err := b.required(name)
	if err != nil {
		return false, err
	}
	if v.Type() != cty.Bool {
		return false, b.typeErr(name, "a bool", v)
	}
	return v.True(), nil
}

// Strings reads a required list or set of strings, in order (a set's
// order is cty's, sorted).
func (b *Block) Strings(name string) ([]string, error) {
	v, err := b.required(name)
	if err != nil {
		return nil, err
	}
	if !v.CanIterateElements() || v.Type().IsMapType() || v.Type().IsObjectType() {
		return nil, b.typeErr(name, "a list of strings", v)
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() || e.Type() != cty.String {
			return nil, b.typeErr(name, "a list of strings", v)
		}
		out = append(out, e.AsString())
	}
	return out, nil
}

// StringMap reads a required map or object of strings. A number or bool
// element is converted as Terraform converts it for a map(string).
func (b *Block) StringMap(name string) (map[string]string, error) {
	v, err := b.required(name)
	if err != nil {
		return nil, err
	}
	if !v.Type().IsMapType() && !v.Type().IsObjectType() {
		return nil, b.typeErr(name, "a map of strings", v)
	}
	out := map[string]string{}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		s, err := asString(e)
		if err != nil {
			return nil, fmt.Errorf("%s.%s[%q]: %w", b.Path, name, k.AsString(), err)
		}
		out[k.AsString()] = s
	}
	return out, nil
}

func asString(v cty.Value) (string, error) {
	switch {
	case v.IsNull():
		return "", fmt.Errorf("is null")
	case v.Type() == cty.String:
		return v.AsString(), nil
	case v.Type() == cty.Bool:
		return strconv.FormatBool(v.True()), nil
	case v.Type() == cty.Number:
		return v.AsBigFloat().Text('f', -1), nil
	}
	return "", fmt.Errorf("is %s, not a string", v.Type().FriendlyName())
}

func (b *Block) required(name string) (cty.Value, error) {
	if !b.Has(name) {
		return cty.NilVal, fmt.Errorf("%s (%s) does not set %s", b.Path, b.rng, name)
	}
	v, err := b.Value(name)
	if err != nil {
		return cty.NilVal, err
	}
	if v.IsNull() {
		return cty.NilVal, fmt.Errorf("%s.%s is null", b.Path, name)
	}
	return v, nil
}

func (b *Block) typeErr(name, want string, v cty.Value) error {
	return fmt.Errorf("%s.%s is %s, want %s", b.Path, name, v.Type().FriendlyName(), want)
}

// checkPreconditions evaluates the precondition blocks of a resource's
// lifecycle block, as Terraform does at plan: a condition that is false
// is an error with its error_message; one that depends on values only the
// cloud knows is left to Terraform.
func (b *Block) checkPreconditions() error {
	for _, lc := range b.body.Blocks {
		if lc.Type != "lifecycle" {
			continue
		}
		for _, pc := range lc.Body.Blocks {
			if pc.Type != "precondition" {
				continue
			}
			cond, ok := pc.Body.Attributes["condition"]
			if !ok {
				return fmt.Errorf("%s: precondition at %s has no condition", b.Path, pc.DefRange())
			}
			v, err := b.e.eval(cond.Expr, b.extra)
			if err != nil {
				return fmt.Errorf("%s: precondition at %s: %w", b.Path, cond.SrcRange, err)
			}
			if !v.IsKnown() || v.IsNull() || v.Type() != cty.Bool || v.True() {
				continue
			}
			msg := "precondition failed"
			if a, ok := pc.Body.Attributes["error_message"]; ok {
				if m, err := b.e.eval(a.Expr, b.extra); err == nil && m.IsKnown() && !m.IsNull() && m.Type() == cty.String {
					msg = m.AsString()
				}
			}
			return fmt.Errorf("%s: precondition (%s) failed: %s", b.Path, cond.SrcRange, msg)
		}
	}
	return nil
}
