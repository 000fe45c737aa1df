package stack

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/internal/tfmodule"
)

// policyDocument computes the data sources of type aws_iam_policy_document
// as the AWS provider does, without AWS: its json attribute is the policy
// its statement blocks describe. Other data sources are left to
// tfmodule.Options.Known.
func policyDocument(typ string, b *tfmodule.Block) (cty.Value, bool, error) {
	if typ != "aws_iam_policy_document" {
		return cty.NilVal, false, nil
	}
	doc, err := renderPolicy(b)
	if err != nil {
		return cty.NilVal, false, err
	}
	return cty.ObjectVal(map[string]cty.Value{"json": cty.StringVal(doc)}), true, nil
}

// policyStatement is one statement of an IAM policy, as JSON.
type policyStatement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Principal any                       `json:"Principal,omitempty"`
	Action    any                       `json:"Action,omitempty"`
	NotAction any                       `json:"NotAction,omitempty"`
	Resource  any                       `json:"Resource,omitempty"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// renderPolicy renders the statements of an aws_iam_policy_document block
// as IAM JSON, in the provider's shape: a one-element list is a string,
// principals {type = "*", identifiers = ["*"]} is "*".
func renderPolicy(b *tfmodule.Block) (string, error) {
	for _, a := range b.Attributes() {
		if a != "version" && a != "count" { // count made the instances
			return "", fmt.Errorf("the local stack renders statements only, not %s", a)
		}
	}
	version := "2012-10-17"
	if b.Has("version") {
		v, err := b.String("version")
		if err != nil {
			return "", err
		}
		version = v
	}
	stmts, err := b.Blocks("statement")
	if err != nil {
		return "", err
	}
	out := struct {
		Version   string            `json:"Version"`
		Statement []policyStatement `json:"Statement"`
	}{Version: version}
	for _, s := range stmts {
		st, err := renderStatement(s)
		if err != nil {
			return "", err
		}
		out.Statement = append(out.Statement, st)
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("encode the policy: %w", err)
	}
	return string(raw), nil
}

func renderStatement(s *tfmodule.Block) (policyStatement, error) {
	for _, t := range s.BlockTypes() {
		if t != "principals" && t != "condition" {
			return policyStatement{}, fmt.Errorf("%s: the local stack does not render %q blocks", s.Path, t)
		}
	}
	for _, a := range s.Attributes() {
		if !slices.Contains([]string{"sid", "effect", "actions", "not_actions", "resources"}, a) {
			return policyStatement{}, fmt.Errorf("%s: the local stack does not render %s", s.Path, a)
		}
	}
	st := policyStatement{Effect: "Allow"}
	var err error
	if s.Has("sid") {
		if st.Sid, err = s.String("sid"); err != nil {
			return st, err
		}
	}
	if s.Has("effect") {
		if st.Effect, err = s.String("effect"); err != nil {
			return st, err
		}
	}
	for name, dst := range map[string]*any{"actions": &st.Action, "not_actions": &st.NotAction, "resources": &st.Resource} {
		if !s.Has(name) {
			continue
		}
		list, err := s.Strings(name)
		if err != nil {
			return st, err
		}
		*dst = oneOrList(list)
	}
	principals, err := s.Blocks("principals")
	if err != nil {
		return st, err
	}
	byType := map[string][]string{}
	for _, p := range principals {
		typ, err := p.String("type")
		if err != nil {
			return st, err
		}
		ids, err := p.Strings("identifiers")
		if err != nil {
			return st, err
		}
		byType[typ] = append(byType[typ], ids...)
	}
	switch {
	case len(byType) == 1 && len(byType["*"]) == 1 && byType["*"][0] == "*":
		st.Principal = "*"
	case len(byType) > 0:
		m := map[string]any{}
		for typ, ids := range byType {
			sort.Strings(ids)
			m[typ] = oneOrList(ids)
		}
		st.Principal = m
	}
	conds, err := s.Blocks("condition")
	if err != nil {
		return st, err
	}
	for _, c := range conds {
		test, err := c.String("test")
		if err != nil {
			return st, err
		}
		variable, err := c.String("variable")
		if err != nil {
			return st, err
		}
		values, err := c.Strings("values")
		if err != nil {
			return st, err
		}
		if st.Condition == nil {
			st.Condition = map[string]map[string]any{}
		}
		if st.Condition[test] == nil {
			st.Condition[test] = map[string]any{}
		}
		st.Condition[test][variable] = oneOrList(values)
	}
	return st, nil
}

func oneOrList(list []string) any {
	if len(list) == 1 {
		return list[0]
	}
	return list
}
