package awstest

import (
	"fmt"
	"math/big"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// evalCondition evaluates a DynamoDB ConditionExpression against item (nil
// when no item exists) with DynamoDB's semantics for the subset it
// supports: attribute_exists / attribute_not_exists, the comparators
// = <> < <= > >= on S and N values (=, <, <=, >, >= with a missing
// attribute or mismatched types are false), AND, OR, NOT and parentheses, with
// #name and :value placeholders. Anything else is an error, as a
// ValidationException would be.
func evalCondition(expr string, names map[string]string, values map[string]types.AttributeValue, item map[string]types.AttributeValue) (bool, error) {
	p := &condParser{toks: tokenize(expr), names: names, values: values, item: item}
	v, err := p.or()
	if err != nil {
		return false, err
	}
	if p.pos != len(p.toks) {
		return false, fmt.Errorf("ValidationException: unexpected %q in condition %q", p.toks[p.pos], expr)
	}
	return v, nil
}

// placeholdersUsed fails, as DynamoDB does with a ValidationException, when
// a #name or :value placeholder is defined but not used in expr.
func placeholdersUsed(expr string, names map[string]string, values map[string]types.AttributeValue) error {
	used := map[string]bool{}
	for _, t := range tokenize(expr) {
		used[t] = true
	}
	for n := range names {
		if !used[n] {
			return fmt.Errorf("ValidationException: Value provided in ExpressionAttributeNames unused in expressions: keys: {%s}", n)
		}
	}
	for v := range values {
		if !used[v] {
			return fmt.Errorf("ValidationException: Value provided in ExpressionAttributeValues unused in expressions: keys: {%s}", v)
		}
	}
	return nil
}

func tokenize(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		c := rune(s[i])
		switch {
		case unicode.IsSpace(c):
			i++
		case strings.ContainsRune("(),", c):
			toks = append(toks, string(c))
			i++
		case strings.ContainsRune("<>=", c):
			j := i + 1
			if j < len(s) && strings.ContainsRune("<>=", rune(s[j])) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			j := i
			for j < len(s) && !unicode.IsSpace(rune(s[j])) && !strings.ContainsRune("(),<>=", rune(s[j])) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks
}

type condParser struct {
	toks   []string
	pos    int
	names  map[string]string
	values map[string]types.AttributeValue
	item   map[string]types.AttributeValue
	// skip > 0 while parsing an operand of AND/OR whose value cannot change
	// the result: it is checked for syntax but not evaluated, so a
	// comparison the fake does not emulate there is no error.
	skip int
}

func (p *condParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *condParser) next() string { t := p.peek(); p.pos++; return t }

func (p *condParser) expect(t string) error {
	if got := p.next(); got != t {
		return fmt.Errorf("ValidationException: expected %q, got %q", t, got)
	}
	return nil
}

func (p *condParser) or() (bool, error) {
	v, err := p.and()
	for err == nil && strings.EqualFold(p.peek(), "OR") {
		p.next()
		var r bool
		r, err = p.shortCircuit(v, p.and)
		v = v || r
	}
	return v, err
}

func (p *condParser) and() (bool, error) {
	v, err := p.unary()
	for err == nil && strings.EqualFold(p.peek(), "AND") {
		p.next()
		var r bool
		r, err = p.shortCircuit(!v, p.unary)
		v = v && r
	}
	return v, err
}

// shortCircuit parses the next operand with parse, without evaluating it
// when decided is true (the left side already decides the result).
func (p *condParser) shortCircuit(decided bool, parse func() (bool, error)) (bool, error) {
	if decided {
		p.skip++
		defer func() { p.skip-- }()
	}
	return parse()
}

func (p *condParser) unary() (bool, error) {
	switch t := p.peek(); {
	case strings.EqualFold(t, "NOT"):
		p.next()
		v, err := p.unary()
		return !v, err
	case t == "(":
		p.next()
		v, err := p.or()
		if err != nil {
			return false, err
		}
		return v, p.expect(")")
	case t == "attribute_exists" || t == "attribute_not_exists":
		p.next()
		if err := p.expect("("); err != nil {
			return false, err
		}
		name, err := p.path(p.next())
		if err != nil {
			return false, err
		}
		if err := p.expect(")"); err != nil {
			return false, err
		}
		_, exists := p.item[name]
		return exists == (t == "attribute_exists"), nil
	}
	left, err := p.operand(p.next())
	if err != nil {
		return false, err
	}
	op := p.next()
	right, err := p.operand(p.next())
	if err != nil {
		return false, err
	}
	if p.skip > 0 {
		return false, nil
	}
	return compare(left, op, right)
}

func (p *condParser) path(tok string) (string, error) {
	if strings.HasPrefix(tok, "#") {
		n, ok := p.names[tok]
		if !ok {
			return "", fmt.Errorf("ValidationException: undefined attribute name %s", tok)
		}
		return n, nil
	}
	if tok == "" || strings.HasPrefix(tok, ":") || strings.ContainsAny(tok, "()") {
		return "", fmt.Errorf("ValidationException: bad attribute path %q", tok)
	}
	return tok, nil
}

func (p *condParser) operand(tok string) (types.AttributeValue, error) {
	if strings.HasPrefix(tok, ":") {
		v, ok := p.values[tok]
		if !ok {
			return nil, fmt.Errorf("ValidationException: undefined attribute value %s", tok)
		}
		return v, nil
	}
	name, err := p.path(tok)
	if err != nil {
		return nil, err
	}
	return p.item[name], nil // nil when missing
}

func compare(a types.AttributeValue, op string, b types.AttributeValue) (bool, error) {
	if !map[string]bool{"=": true, "<>": true, "<": true, "<=": true, ">": true, ">=": true}[op] {
		return false, fmt.Errorf("ValidationException: unsupported comparator %q", op)
	}
	if a == nil || b == nil {
		if op == "<>" {
			return false, fmt.Errorf("awstest: <> with a missing attribute is not emulated")
		}
		return false, nil // an ordering or equality test on a missing attribute is false
	}
	var c int
	switch av := a.(type) {
	case *types.AttributeValueMemberS:
		bv, ok := b.(*types.AttributeValueMemberS)
		if !ok {
			return op == "<>", nil
		}
		c = strings.Compare(av.Value, bv.Value)
	case *types.AttributeValueMemberN:
		bv, ok := b.(*types.AttributeValueMemberN)
		if !ok {
			return op == "<>", nil
		}
		x, ok1 := new(big.Float).SetString(av.Value)
		y, ok2 := new(big.Float).SetString(bv.Value)
		if !ok1 || !ok2 {
			return false, fmt.Errorf("ValidationException: bad number %q or %q", av.Value, bv.Value)
		}
		c = x.Cmp(y)
	default:
		return false, fmt.Errorf("awstest: comparison of %T not emulated", a)
	}
	switch op {
	case "=":
		return c == 0, nil
	case "<>":
		return c != 0, nil
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	}
	return c >= 0, nil
}
