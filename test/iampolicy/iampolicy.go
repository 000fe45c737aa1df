// Package iampolicy evaluates identity-based IAM policy documents offline,
// so unit tests can prove what the CI role's policy and its permissions
// boundary allow and deny (test/itest/policy_test.go) without AWS.
//
// It implements AWS's documented evaluation logic for one policy: an
// explicit Deny wins, else an Allow is needed, else the request is
// implicitly denied. Statements may use Action or NotAction, Resource or
// NotResource, with the * and ? wildcards, and the policy variables
// ${aws:PrincipalAccount} and ${aws:PrincipalArn}. Conditions support the
// operators the repository's policies use; any other operator is an error,
// never a guess, so a test cannot pass on a policy this package misreads.
//
// No Go library evaluates IAM policies offline (AWS's own simulator,
// iam:SimulateCustomPolicy, needs an account and credentials), so this is
// the smallest evaluator that covers the repository's policies.
package iampolicy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Document is an IAM policy document.
type Document struct {
	Version   string
	Statement Statements
}

// Statement is one statement of a Document.
type Statement struct {
	Sid         string
	Effect      string
	Action      Strings
	NotAction   Strings
	Resource    Strings
	NotResource Strings
	// Condition maps an operator to condition keys and their values.
	Condition map[string]map[string]Strings
}

// Statements accepts a single statement object or a list of them.
type Statements []Statement

// UnmarshalJSON reads one statement or a list.
func (s *Statements) UnmarshalJSON(b []byte) error {
	if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '{' {
		var one Statement
		if err := strictUnmarshal(b, &one); err != nil {
			return err
		}
		*s = Statements{one}
		return nil
	}
	var many []Statement
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// UnmarshalJSON rejects fields the evaluator does not know (Principal, a
// misspelt key), which it would otherwise silently ignore.
func (st *Statement) UnmarshalJSON(b []byte) error {
	type plain Statement
	var p plain
	if err := strictUnmarshal(b, &p); err != nil {
		return err
	}
	*st = Statement(p)
	return nil
}

// Strings accepts a JSON string or a list of strings.
type Strings []string

// UnmarshalJSON reads a string or a list of strings.
func (s *Strings) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = Strings{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// Parse reads a policy document and checks its shape: Version 2012-10-17,
// every statement Allow or Deny, with Action xor NotAction and Resource
// xor NotResource.
func Parse(raw []byte) (Document, error) {
	var d Document
	if err := strictUnmarshal(raw, &d); err != nil {
		return Document{}, fmt.Errorf("iampolicy: %w", err)
	}
	if d.Version != "2012-10-17" {
		return Document{}, fmt.Errorf("iampolicy: Version %q, want 2012-10-17 (policy variables need it)", d.Version)
	}
	if len(d.Statement) == 0 {
		return Document{}, fmt.Errorf("iampolicy: no statements")
	}
	for i, st := range d.Statement {
		name := st.Sid
		if name == "" {
			name = fmt.Sprintf("#%d", i)
		}
		if st.Effect != "Allow" && st.Effect != "Deny" {
			return Document{}, fmt.Errorf("iampolicy: statement %s: Effect %q, want Allow or Deny", name, st.Effect)
		}
		if (len(st.Action) == 0) == (len(st.NotAction) == 0) {
			return Document{}, fmt.Errorf("iampolicy: statement %s: needs exactly one of Action and NotAction", name)
		}
		if (len(st.Resource) == 0) == (len(st.NotResource) == 0) {
			return Document{}, fmt.Errorf("iampolicy: statement %s: needs exactly one of Resource and NotResource", name)
		}
		for op := range st.Condition {
			if _, ok := operators[op]; !ok {
				return Document{}, fmt.Errorf("iampolicy: statement %s: condition operator %q is not supported", name, op)
			}
		}
	}
	return d, nil
}

// Request is one API call to authorise.
type Request struct {
	Action   string // e.g. "iam:CreateRole"
	Resource string // the resource's ARN, or "*"
	// Context holds the request's condition keys, e.g.
	// "iam:PermissionsBoundary" or "aws:PrincipalAccount". A key that is
	// absent is absent from the request, as AWS evaluates it.
	Context map[string]string
}

// Decision is the outcome of Evaluate.
type Decision int

// The three outcomes of AWS's evaluation logic.
const (
	ImplicitDeny Decision = iota // no statement allows it
	Allow                        // a statement allows it, none denies it
	ExplicitDeny                 // a Deny statement matches
)

func (d Decision) String() string {
	return [...]string{"implicit deny", "allow", "explicit deny"}[d]
}

// Result is a Decision and the statements that decided it.
type Result struct {
	Decision Decision
	// By lists the Sids of the matching statements of the deciding effect
	// (the Deny statements for ExplicitDeny, the Allow ones for Allow).
	By []string
}

// Evaluate decides req against d.
func (d Document) Evaluate(req Request) (Result, error) {
	var allows, denies []string
	for _, st := range d.Statement {
		ok, err := st.matches(req)
		if err != nil {
			return Result{}, fmt.Errorf("iampolicy: statement %s: %w", st.Sid, err)
		}
		if !ok {
			continue
		}
		if st.Effect == "Deny" {
			denies = append(denies, st.Sid)
		} else {
			allows = append(allows, st.Sid)
		}
	}
	switch {
	case len(denies) > 0:
		return Result{Decision: ExplicitDeny, By: denies}, nil
	case len(allows) > 0:
		return Result{Decision: Allow, By: allows}, nil
	}
	return Result{Decision: ImplicitDeny}, nil
}

func (st Statement) matches(req Request) (bool, error) {
	if len(st.Action) > 0 {
		if !anyMatch(st.Action, req.Action, true, req.Context) {
			return false, nil
		}
	} else if anyMatch(st.NotAction, req.Action, true, req.Context) {
		return false, nil
	}
	if len(st.Resource) > 0 {
		if !anyMatch(st.Resource, req.Resource, false, req.Context) {
			return false, nil
		}
	} else if anyMatch(st.NotResource, req.Resource, false, req.Context) {
		return false, nil
	}
	for op, keys := range st.Condition {
		for key, values := range keys {
			ok, err := evalCondition(op, key, values, req.Context)
			if err != nil {
				return false, err
			}
			if !ok {
				return false, nil
			}
		}
	}
	return true, nil
}

// anyMatch reports whether value matches one of the patterns (with policy
// variables substituted); actions compare case-insensitively.
func anyMatch(patterns []string, value string, fold bool, ctx map[string]string) bool {
	for _, p := range patterns {
		p = substitute(p, ctx)
		if fold {
			p, value = strings.ToLower(p), strings.ToLower(value)
		}
		if p == "*" || glob(p, value) {
			return true
		}
	}
	return false
}

// glob matches IAM's wildcards: * any run of characters (slashes too), ?
// any one character.
func glob(pattern, value string) bool {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String()).MatchString(value)
}

var variable = regexp.MustCompile(`\$\{([A-Za-z0-9:/_-]+)\}`)

// substitute replaces ${key} by the request's value of key. A variable the
// request lacks becomes text no ARN contains, so it matches nothing.
func substitute(s string, ctx map[string]string) string {
	return variable.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := ctx[m[2:len(m)-1]]; ok {
			return v
		}
		return "\x00unresolved\x00"
	})
}

// operators: whether the operator is negated, and how one value compares.
var operators = map[string]struct {
	negated bool
	match   func(pattern, value string) bool
}{
	"StringEquals":    {false, func(p, v string) bool { return p == v }},
	"StringNotEquals": {true, func(p, v string) bool { return p == v }},
	"StringLike":      {false, glob},
	"StringNotLike":   {true, glob},
	"ArnEquals":       {false, func(p, v string) bool { return p == v }},
	"ArnNotEquals":    {true, func(p, v string) bool { return p == v }},
	"ArnLike":         {false, glob},
	"ArnNotLike":      {true, glob},
	"Null":            {false, nil},
}

// evalCondition evaluates one operator on one key. As AWS does: a key
// absent from the request fails a positive operator and passes a negated
// one; a positive operator needs one value to match, a negated one needs
// none to.
func evalCondition(op, key string, values []string, ctx map[string]string) (bool, error) {
	o, ok := operators[op]
	if !ok {
		return false, fmt.Errorf("condition operator %q is not supported", op)
	}
	got, present := ctx[key]
	if op == "Null" {
		if len(values) != 1 || (values[0] != "true" && values[0] != "false") {
			return false, fmt.Errorf("the Null condition on %s needs \"true\" or \"false\"", key)
		}
		return (values[0] == "true") == !present, nil
	}
	if !present {
		return o.negated, nil
	}
	matched := false
	for _, v := range values {
		if o.match(substitute(v, ctx), got) {
			matched = true
			break
		}
	}
	return matched != o.negated, nil
}
