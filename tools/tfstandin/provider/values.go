package provider

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Placeholder values the stand-in reports for computed attributes. They are
// recognisably fake and deterministic.
const (
	placeholderAccount = "123456789012"
	placeholderRegion  = "us-east-1"
)

type fillFunc func(t tftypes.Type, attrName string) tftypes.Value

// fillComputed returns v (an object of block) with every computed attribute
// that is null replaced by fill(...), in nested blocks and nested attributes too.
func fillComputed(block *tfprotov6.SchemaBlock, v tftypes.Value, fill fillFunc) (tftypes.Value, error) {
	if v.IsNull() || !v.IsKnown() {
		return v, nil
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		return v, fmt.Errorf("read object: %w", err)
	}
	for _, a := range block.Attributes {
		cur, ok := attrs[a.Name]
		if !ok {
			continue
		}
		switch {
		case cur.IsNull() && a.Computed:
			attrs[a.Name] = fill(a.ValueType(), a.Name)
		case a.NestedType != nil:
			inner := &tfprotov6.SchemaBlock{Attributes: a.NestedType.Attributes}
			single := a.NestedType.Nesting == tfprotov6.SchemaObjectNestingModeSingle
			nv, err := fillEach(inner, cur, single, fill)
			if err != nil {
				return v, fmt.Errorf("%s: %w", a.Name, err)
			}
			attrs[a.Name] = nv
		}
	}
	for _, b := range block.BlockTypes {
		cur, ok := attrs[b.TypeName]
		if !ok {
			continue
		}
		single := b.Nesting == tfprotov6.SchemaNestedBlockNestingModeSingle || b.Nesting == tfprotov6.SchemaNestedBlockNestingModeGroup
		nv, err := fillEach(b.Block, cur, single, fill)
		if err != nil {
			return v, fmt.Errorf("%s: %w", b.TypeName, err)
		}
		attrs[b.TypeName] = nv
	}
	return tftypes.NewValue(v.Type(), attrs), nil
}

// fillEach applies fillComputed to one object (single) or to every element
// of a list, set or map of objects.
func fillEach(block *tfprotov6.SchemaBlock, v tftypes.Value, single bool, fill fillFunc) (tftypes.Value, error) {
	if single || v.IsNull() || !v.IsKnown() {
		return fillComputed(block, v, fill)
	}
	if v.Type().Is(tftypes.Map{}) {
		var elems map[string]tftypes.Value
		if err := v.As(&elems); err != nil {
			return v, fmt.Errorf("read map: %w", err)
		}
		for k, e := range elems {
			ne, err := fillComputed(block, e, fill)
			if err != nil {
				return v, fmt.Errorf("[%q]: %w", k, err)
			}
			elems[k] = ne
		}
		return tftypes.NewValue(v.Type(), elems), nil
	}
	var elems []tftypes.Value
	if err := v.As(&elems); err != nil {
		return v, fmt.Errorf("read collection: %w", err)
	}
	for i, e := range elems {
		ne, err := fillComputed(block, e, fill)
		if err != nil {
			return v, fmt.Errorf("[%d]: %w", i, err)
		}
		elems[i] = ne
	}
	return tftypes.NewValue(v.Type(), elems), nil
}

// resolveUnknowns replaces every unknown value inside v with a placeholder.
func resolveUnknowns(typeName string, v tftypes.Value) (tftypes.Value, error) {
	return tftypes.Transform(v, func(p *tftypes.AttributePath, cur tftypes.Value) (tftypes.Value, error) {
		if cur.IsKnown() {
			return cur, nil
		}
		return placeholder(typeName, lastAttributeName(p), cur.Type()), nil
	})
}

func lastAttributeName(p *tftypes.AttributePath) string {
	steps := p.Steps()
	for i := len(steps) - 1; i >= 0; i-- {
		if name, ok := steps[i].(tftypes.AttributeName); ok {
			return string(name)
		}
	}
	return ""
}

// placeholder returns a known value of type t for attribute name of typeName:
// strings are named after the attribute (ARN-shaped for *arn), numbers 0,
// booleans false, collections empty, objects with null attributes.
func placeholder(typeName, name string, t tftypes.Type) tftypes.Value {
	switch {
	case t.Is(tftypes.String), t.Is(tftypes.DynamicPseudoType):
		var s string
		switch {
		case name == "arn" || strings.HasSuffix(name, "_arn"):
			s = fmt.Sprintf("arn:aws:standin:%s:%s:%s/%s", placeholderRegion, placeholderAccount, typeName, name)
		case name == "account_id" || name == "owner_id":
			s = placeholderAccount
		case name == "region":
			s = placeholderRegion
		default:
			s = fmt.Sprintf("standin-%s-%s", typeName, name)
		}
		return tftypes.NewValue(tftypes.String, s)
	case t.Is(tftypes.Number):
		return tftypes.NewValue(t, big.NewFloat(0))
	case t.Is(tftypes.Bool):
		return tftypes.NewValue(t, false)
	case t.Is(tftypes.List{}), t.Is(tftypes.Set{}), t.Is(tftypes.Tuple{}):
		return tftypes.NewValue(t, []tftypes.Value{})
	case t.Is(tftypes.Map{}):
		return tftypes.NewValue(t, map[string]tftypes.Value{})
	case t.Is(tftypes.Object{}):
		attrs := map[string]tftypes.Value{}
		for n, at := range t.(tftypes.Object).AttributeTypes {
			attrs[n] = tftypes.NewValue(at, nil)
		}
		return tftypes.NewValue(t, attrs)
	}
	return tftypes.NewValue(t, nil)
}
