package itest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// policyDoc is the part of an IAM policy document the checks read.
type policyDoc struct {
	Version   string
	Statement []struct {
		Sid       string
		Effect    string
		Action    stringOrList
		Resource  stringOrList
		Condition map[string]map[string]string
	}
}

type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// TestCIRolePolicy keeps test/ci-role-policy.json (the CI role's policy
// test/README.md documents) valid and least-privilege-ish: every statement
// allows named actions of one service (no "*" or "svc:*"), scoped to this
// project's test-run names, except the read/list calls AWS only grants on
// "*" and the KMS calls that a tag condition narrows.
func TestCIRolePolicy(t *testing.T) {
	repo, err := RepoRoot(".")
	require.NoError(t, err)
	raw, err := os.ReadFile(filepath.Join(repo, "test", "ci-role-policy.json"))
	require.NoError(t, err)
	var doc policyDoc
	require.NoError(t, json.Unmarshal(raw, &doc))
	assert.Equal(t, "2012-10-17", doc.Version)
	require.NotEmpty(t, doc.Statement)

	namePattern := NamePrefix + "-" + EnvironmentPrefix + "*" // imgpipe-it-*
	action := regexp.MustCompile(`^[a-z0-9-]+:[A-Za-z0-9]+\*?$`)
	// Calls that accept no resource narrower than "*".
	starOK := map[string]bool{
		"logs:DescribeLogGroups": true, "kms:ListAliases": true,
		"cloudwatch:GetMetricData": true, "cloudwatch:ListMetrics": true, "cloudwatch:ListDashboards": true,
		"tag:GetResources": true, "iam:ListRoles": true,
		// S3 Batch Operations: CreateJob has no resource type; the job can
		// only run as a role the CI may pass (imgpipe-it-*).
		"s3:CreateJob": true,
	}
	// Job ids are random: DescribeJob cannot be scoped by test-run name.
	const anyJobARN = "arn:aws:s3:*:*:job/*"
	// Tag-based authorisation of a new key can lag by up to 5 minutes, so
	// these non-destructive calls are allowed on any key of the account
	// (CreateAlias still needs the alias/imgpipe-it-* grant).
	const anyKeyARN = "arn:aws:kms:*:*:key/*"
	kmsSetUpOK := map[string]bool{
		"kms:DescribeKey": true, "kms:GetKeyPolicy": true, "kms:GetKeyRotationStatus": true,
		"kms:ListResourceTags": true, "kms:EnableKeyRotation": true, "kms:CreateAlias": true,
	}
	sids := map[string]bool{}
	for _, st := range doc.Statement {
		t.Run(st.Sid, func(t *testing.T) {
			assert.NotEmpty(t, st.Sid)
			assert.False(t, sids[st.Sid], "duplicate Sid")
			sids[st.Sid] = true
			assert.Equal(t, "Allow", st.Effect)
			require.NotEmpty(t, st.Action)
			require.NotEmpty(t, st.Resource)
			for _, a := range st.Action {
				assert.Regexp(t, action, a, "named action")
				assert.NotContains(t, a, ":*", "no service-wide wildcard")
			}
			for _, r := range st.Resource {
				if r == anyKeyARN {
					// Read/set-up calls the provider makes right after
					// CreateKey, before a tag condition would be honoured.
					for _, a := range st.Action {
						assert.True(t, kmsSetUpOK[a], "%s on any key without the tag condition", a)
					}
					continue
				}
				if r == anyJobARN {
					assert.Equal(t, []string{"s3:DescribeJob"}, []string(st.Action), "only reading jobs on any job ARN")
					continue
				}
				if r != "*" {
					assert.Contains(t, r, namePattern, "resource scoped to test-run names")
					continue
				}
				if len(st.Condition) > 0 {
					// KMS keys have no name to scope by: the run tags narrow them.
					assert.Contains(t, strings.Join(conditionKeys(st.Condition), " "), "imgpipe:owner")
					continue
				}
				for _, a := range st.Action {
					assert.True(t, starOK[a], "%s on \"*\" without a condition", a)
				}
			}
		})
	}
	actions := map[string]string{} // action -> Sid
	for _, st := range doc.Statement {
		for _, a := range st.Action {
			actions[a] = st.Sid
		}
	}
	// CreateBucket with tags (hashicorp/aws >= 6.23) needs s3:TagResource.
	for _, a := range []string{"s3:TagResource", "s3:UntagResource", "s3:ListTagsForResource"} {
		assert.Equal(t, "S3TestBuckets", actions[a], a)
	}
	assert.NotContains(t, actions, "s3:DeleteBucketOwnershipControls", "not an IAM action")
	// Destructive key calls stay behind the tag condition.
	for _, a := range []string{"kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:DisableKeyRotation"} {
		assert.Equal(t, "KMSManageTestKeys", actions[a], a)
	}
	// The tag the KMS conditions rely on is the one the suites set.
	assert.Contains(t, string(raw), `"aws:RequestTag/`+TagOwner+`": "`+OwnerValue+`"`)
	assert.Contains(t, string(raw), `"aws:ResourceTag/`+TagOwner+`": "`+OwnerValue+`"`)
}

func conditionKeys(c map[string]map[string]string) []string {
	var out []string
	for _, kv := range c {
		for k := range kv {
			out = append(out, k)
		}
	}
	return out
}
