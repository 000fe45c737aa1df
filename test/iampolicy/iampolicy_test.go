package iampolicy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sample = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "BoundedRoles", "Effect": "Allow", "Action": ["iam:CreateRole", "iam:PutRolePolicy"],
     "Resource": "arn:aws:iam::*:role/app-*",
     "Condition": {"StringEquals": {"iam:PermissionsBoundary": "arn:aws:iam::${aws:PrincipalAccount}:policy/fence"}}},
    {"Sid": "ReadAll", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
    {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::secret/*"},
    {"Sid": "NoOtherRoles", "Effect": "Deny", "Action": "iam:*", "NotResource": "arn:aws:iam::*:role/app-*"},
    {"Sid": "NotSelf", "Effect": "Deny", "Action": "iam:*", "Resource": "${aws:PrincipalArn}"},
    {"Sid": "OnlyFence", "Effect": "Deny", "Action": "iam:CreateRole", "Resource": "*",
     "Condition": {"StringNotEquals": {"iam:PermissionsBoundary": "arn:aws:iam::${aws:PrincipalAccount}:policy/fence"}}},
    {"Sid": "NeedsTag", "Effect": "Allow", "NotAction": ["kms:ScheduleKeyDeletion"], "Resource": "arn:aws:kms:*:*:key/*",
     "Condition": {"StringLike": {"aws:ResourceTag/team": "a*"}, "Null": {"aws:RequestTag/x": "true"}}}
  ]
}`

func TestEvaluate(t *testing.T) {
	doc, err := Parse([]byte(sample))
	require.NoError(t, err)
	who := map[string]string{"aws:PrincipalAccount": "111122223333", "aws:PrincipalArn": "arn:aws:iam::111122223333:role/app-ci"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range who {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	fence := "arn:aws:iam::111122223333:policy/fence"
	tests := []struct {
		name string
		req  Request
		want Decision
		by   []string
	}{
		{"create with the boundary", Request{"iam:CreateRole", "arn:aws:iam::111122223333:role/app-x", with("iam:PermissionsBoundary", fence)}, Allow, []string{"BoundedRoles"}},
		{"action case does not matter", Request{"IAM:createrole", "arn:aws:iam::111122223333:role/app-x", with("iam:PermissionsBoundary", fence)}, Allow, []string{"BoundedRoles"}},
		{"create without a boundary: absent key fails StringEquals, passes StringNotEquals", Request{"iam:CreateRole", "arn:aws:iam::111122223333:role/app-x", with()}, ExplicitDeny, []string{"OnlyFence"}},
		{"create with another boundary", Request{"iam:CreateRole", "arn:aws:iam::111122223333:role/app-x", with("iam:PermissionsBoundary", "arn:aws:iam::111122223333:policy/other")}, ExplicitDeny, []string{"OnlyFence"}},
		{"boundary of another account", Request{"iam:PutRolePolicy", "arn:aws:iam::111122223333:role/app-x", with("iam:PermissionsBoundary", "arn:aws:iam::999999999999:policy/fence")}, ImplicitDeny, nil},
		{"NotResource denies other roles", Request{"iam:PutRolePolicy", "arn:aws:iam::111122223333:role/admin", with("iam:PermissionsBoundary", fence)}, ExplicitDeny, []string{"NoOtherRoles"}},
		{"variable in Resource denies its own role", Request{"iam:PutRolePolicy", "arn:aws:iam::111122223333:role/app-ci", with("iam:PermissionsBoundary", fence)}, ExplicitDeny, []string{"NotSelf"}},
		{"without the variable's key nothing matches it", Request{"iam:PutRolePolicy", "arn:aws:iam::111122223333:role/app-ci", map[string]string{"iam:PermissionsBoundary": fence}}, ImplicitDeny, nil},
		{"wildcard action allows", Request{"s3:GetObject", "arn:aws:s3:::pub/k", with()}, Allow, []string{"ReadAll"}},
		{"deny beats allow", Request{"s3:GetObject", "arn:aws:s3:::secret/k", with()}, ExplicitDeny, []string{"NoSecrets"}},
		{"unlisted action", Request{"s3:PutObject", "arn:aws:s3:::pub/k", with()}, ImplicitDeny, nil},
		{"StringLike and Null both hold", Request{"kms:Decrypt", "arn:aws:kms:eu-west-1:111122223333:key/k", with("aws:ResourceTag/team", "alpha")}, Allow, []string{"NeedsTag"}},
		{"StringLike fails", Request{"kms:Decrypt", "arn:aws:kms:eu-west-1:111122223333:key/k", with("aws:ResourceTag/team", "beta")}, ImplicitDeny, nil},
		{"Null fails when the key is there", Request{"kms:Decrypt", "arn:aws:kms:eu-west-1:111122223333:key/k", with("aws:ResourceTag/team", "alpha", "aws:RequestTag/x", "1")}, ImplicitDeny, nil},
		{"NotAction excludes", Request{"kms:ScheduleKeyDeletion", "arn:aws:kms:eu-west-1:111122223333:key/k", with("aws:ResourceTag/team", "alpha")}, ImplicitDeny, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := doc.Evaluate(tt.req)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.Decision, "%v", got)
			assert.Equal(t, tt.by, got.By)
		})
	}
}

func TestParseRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"old version":        `{"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}`,
		"no statements":      `{"Version": "2012-10-17", "Statement": []}`,
		"bad effect":         `{"Version": "2012-10-17", "Statement": [{"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}]}`,
		"action and not":     `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "a:b", "NotAction": "a:c", "Resource": "*"}]}`,
		"no resource":        `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "a:b"}]}`,
		"unknown operator":   `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*", "Condition": {"NumericLessThan": {"k": "1"}}}]}`,
		"unknown field":      `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "a:b", "Resource": "*"}]}`,
		"misspelt top level": `{"Version": "2012-10-17", "Statements": [{"Effect": "Allow", "Action": "a:b", "Resource": "*"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(doc))
			assert.Error(t, err)
		})
	}
}

func TestSingleStatementObject(t *testing.T) {
	doc, err := Parse([]byte(`{"Version": "2012-10-17", "Statement": {"Sid": "One", "Effect": "Allow", "Action": "a:b", "Resource": "*"}}`))
	require.NoError(t, err)
	got, err := doc.Evaluate(Request{Action: "a:b", Resource: "x"})
	require.NoError(t, err)
	assert.Equal(t, Allow, got.Decision)
}
