package itest

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/test/iampolicy"
)

// The account, the CI role and a test run the requests below are made in.
const (
	account = "111122223333"
	ciRole  = "arn:aws:iam::" + account + ":role/imgpipe-ci"
	testRun = "imgpipe-it-k3x9qa"
)

var boundary = BoundaryARN("aws", account)

func loadPolicy(t *testing.T, name string) (iampolicy.Document, string) {
	t.Helper()
	repo, err := RepoRoot(".")
	require.NoError(t, err)
	raw, err := os.ReadFile(filepath.Join(repo, "test", name))
	require.NoError(t, err)
	doc, err := iampolicy.Parse(raw)
	require.NoError(t, err, name)
	return doc, string(raw)
}

// as is the request context of a call by the CI role, plus kv.
func as(principal string, kv ...string) map[string]string {
	ctx := map[string]string{"aws:PrincipalAccount": account, "aws:PrincipalArn": principal}
	for i := 0; i+1 < len(kv); i += 2 {
		ctx[kv[i]] = kv[i+1]
	}
	return ctx
}

func decide(t *testing.T, doc iampolicy.Document, action, resource string, ctx map[string]string) iampolicy.Result {
	t.Helper()
	res, err := doc.Evaluate(iampolicy.Request{Action: action, Resource: resource, Context: ctx})
	require.NoError(t, err)
	return res
}

// TestCIRolePolicyStatements keeps every statement of
// test/ci-role-policy.json least-privilege, one by one: each Allow names
// actions of one service (no wildcard), on this project's test-run names,
// except the read/list calls AWS grants only on "*"; the Deny statements
// are exactly the guard rails the README describes.
func TestCIRolePolicyStatements(t *testing.T) {
	doc, raw := loadPolicy(t, "ci-role-policy.json")
	namePattern := NamePrefix + "-" + EnvironmentPrefix + "*" // imgpipe-it-*
	action := regexp.MustCompile(`^[a-z0-9-]+:[A-Za-z0-9]+\*?$`)
	// Calls that accept no resource narrower than "*".
	starOK := map[string]bool{
		"logs:DescribeLogGroups": true, "cloudwatch:GetMetricData": true, "cloudwatch:ListMetrics": true,
		"cloudwatch:ListDashboards": true, "tag:GetResources": true, "iam:ListRoles": true,
		// S3 Batch Operations: CreateJob has no resource type; the job can
		// only run as a role the CI may pass (imgpipe-it-*, bounded).
		"s3:CreateJob": true,
		// An event source mapping has no name, and no ARN before it
		// exists: creating one is scoped by the lambda:FunctionArn
		// condition to test functions instead.
		"lambda:CreateEventSourceMapping": true,
	}
	// Job ids are random: DescribeJob cannot be scoped by test-run name.
	const anyJobARN = "arn:aws:s3:*:*:job/*"
	wantDenies := []string{
		"DenyRolesWithoutTheBoundary", "DenyRemovingBoundaries", "DenyChangingTheBoundary",
		"DenyTouchingItsOwnRole", "DenyRolesOutsideTests", "DenyKMSWrites",
	}
	sids := map[string]bool{}
	var denies []string
	for _, st := range doc.Statement {
		t.Run(st.Sid, func(t *testing.T) {
			require.NotEmpty(t, st.Sid)
			assert.False(t, sids[st.Sid], "duplicate Sid")
			sids[st.Sid] = true
			if st.Effect == "Deny" {
				denies = append(denies, st.Sid)
				return // a Deny may be as broad as it likes
			}
			assert.Empty(t, st.NotAction, "an Allow names its actions")
			assert.Empty(t, st.NotResource, "an Allow names its resources")
			services := map[string]bool{}
			for _, a := range st.Action {
				assert.Regexp(t, action, a, "named action")
				assert.NotContains(t, a, ":*", "no service-wide wildcard")
				services[strings.SplitN(a, ":", 2)[0]] = true
			}
			for _, r := range st.Resource {
				switch {
				case r == "*":
					for _, a := range st.Action {
						assert.True(t, starOK[a], "%s on \"*\"", a)
						if a == "lambda:CreateEventSourceMapping" {
							assert.Contains(t, strings.Join(st.Condition["ArnLike"]["lambda:FunctionArn"], " "), "function:"+namePattern, "mappings of test functions only")
						}
					}
				case r == anyJobARN:
					assert.Equal(t, iampolicy.Strings{"s3:DescribeJob"}, st.Action, "only reading jobs on any job ARN")
				case strings.Contains(r, ":event-source-mapping:"):
					// Mappings are named by UUID: scoped by their function.
					assert.Contains(t, strings.Join(st.Condition["ArnLike"]["lambda:FunctionArn"], " "), "function:"+namePattern, "event source mappings of test functions only")
				case strings.HasPrefix(r, "arn:aws:kms:"):
					// KMS keys have no names: reading one is all it may do.
					assert.Equal(t, iampolicy.Strings{"kms:DescribeKey"}, st.Action)
				default:
					assert.Contains(t, r, namePattern, "resource scoped to test-run names")
				}
			}
			if st.Sid != "CloudWatchReadMetricsAndFindLeftovers" {
				assert.Len(t, services, 1, "one service per statement")
			}
		})
	}
	assert.Equal(t, wantDenies, denies)
	// The boundary the conditions name is the one the suites pass.
	assert.Contains(t, raw, `"arn:aws:iam::${aws:PrincipalAccount}:policy/`+BoundaryPolicyName+`"`)
}

// TestCIRoleCannotEscalate proves, request by request, the three ways in
// are closed: the CI role creates roles and sets their policies only with
// the boundary, never changes the boundary, its own role or roles outside
// imgpipe-it-*, and writes no KMS key at all (so it cannot tag a key of the
// account as its own and then take it over).
func TestCIRoleCannotEscalate(t *testing.T) {
	doc, _ := loadPolicy(t, "ci-role-policy.json")
	testRole := "arn:aws:iam::" + account + ":role/" + testRun + "-processor"
	otherRole := "arn:aws:iam::" + account + ":role/admin"
	other := BoundaryARN("aws", "999999999999")
	bounded := func(kv ...string) map[string]string {
		return as(ciRole, append([]string{"iam:PermissionsBoundary", boundary}, kv...)...)
	}
	type req struct {
		name, action, resource string
		ctx                    map[string]string
	}
	allowed := []req{
		{"create a test role with the boundary", "iam:CreateRole", testRole, bounded()},
		{"put a test role's inline policy", "iam:PutRolePolicy", testRole, bounded()},
		{"delete a test role's inline policy", "iam:DeleteRolePolicy", testRole, bounded()},
		{"delete a test role", "iam:DeleteRole", testRole, as(ciRole)},
		{"pass a test role to Lambda", "iam:PassRole", testRole, as(ciRole, "iam:PassedToService", "lambda.amazonaws.com")},
		{"pass a test role to S3 Batch Operations", "iam:PassRole", testRole, as(ciRole, "iam:PassedToService", "batchoperations.s3.amazonaws.com")},
		{"pass a test role to EventBridge Pipes", "iam:PassRole", testRole, as(ciRole, "iam:PassedToService", "pipes.amazonaws.com")},
		// What TestStack's events module and its test queue need.
		{"create a test pipe", "pipes:CreatePipe", "arn:aws:pipes:eu-west-1:" + account + ":pipe/" + testRun + "-outcome-events", as(ciRole)},
		{"create a test bus", "events:CreateEventBus", "arn:aws:events:eu-west-1:" + account + ":event-bus/" + testRun + "-events", as(ciRole)},
		{"put a rule on a test bus", "events:PutRule", "arn:aws:events:eu-west-1:" + account + ":rule/" + testRun + "-events/" + testRun + "-deleted", as(ciRole)},
		{"target a test rule", "events:PutTargets", "arn:aws:events:eu-west-1:" + account + ":rule/" + testRun + "-events/" + testRun + "-deleted", as(ciRole)},
		{"read the test events queue", "sqs:ReceiveMessage", "arn:aws:sqs:eu-west-1:" + account + ":" + testRun + "-deleted-events", as(ciRole)},
		{"read the alarm key", "kms:DescribeKey", "arn:aws:kms:eu-west-1:" + account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab", as(ciRole)},
	}
	for _, r := range allowed {
		t.Run("allows: "+r.name, func(t *testing.T) {
			assert.Equal(t, iampolicy.Allow, decide(t, doc, r.action, r.resource, r.ctx).Decision)
		})
	}

	var denied []req
	// A role without the boundary, or with another one.
	for _, a := range []string{"iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"} {
		denied = append(denied,
			req{"no boundary: " + a, a, testRole, as(ciRole)},
			req{"another boundary: " + a, a, testRole, as(ciRole, "iam:PermissionsBoundary", other)},
			req{"another account's boundary name: " + a, a, testRole, as(ciRole, "iam:PermissionsBoundary", "arn:aws:iam::aws:policy/"+BoundaryPolicyName)})
	}
	denied = append(denied,
		req{"attach a managed policy even with the boundary", "iam:AttachRolePolicy", testRole, bounded()},
		req{"remove a test role's boundary", "iam:DeleteRolePermissionsBoundary", testRole, bounded()},
		req{"make a test role trust someone else", "iam:UpdateAssumeRolePolicy", testRole, bounded()},
		req{"pass a test role to another service", "iam:PassRole", testRole, as(ciRole, "iam:PassedToService", "ec2.amazonaws.com")},
		// Pipes, buses and rules outside the tests, and events of its own.
		req{"a pipe outside imgpipe-it-*", "pipes:CreatePipe", "arn:aws:pipes:eu-west-1:" + account + ":pipe/prod-outcome-events", as(ciRole)},
		req{"change a pipe outside imgpipe-it-*", "pipes:UpdatePipe", "arn:aws:pipes:eu-west-1:" + account + ":pipe/prod-outcome-events", as(ciRole)},
		req{"a rule on the default bus", "events:PutRule", "arn:aws:events:eu-west-1:" + account + ":rule/prod-rule", as(ciRole)},
		req{"targets of a rule outside the tests", "events:PutTargets", "arn:aws:events:eu-west-1:" + account + ":rule/imgpipe-prod-events/prod-rule", as(ciRole)},
		req{"delete a bus outside the tests", "events:DeleteEventBus", "arn:aws:events:eu-west-1:" + account + ":event-bus/imgpipe-prod-events", as(ciRole)},
		req{"put events itself", "events:PutEvents", "arn:aws:events:eu-west-1:" + account + ":event-bus/" + testRun + "-events", as(ciRole)},
		req{"read a queue outside the tests", "sqs:ReceiveMessage", "arn:aws:sqs:eu-west-1:" + account + ":imgpipe-prod-processor-dlq", as(ciRole)},
	)
	// The boundary itself.
	for _, a := range []string{"iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicyVersion", "iam:DeletePolicy", "iam:TagPolicy", "iam:UntagPolicy", "iam:CreatePolicy"} {
		denied = append(denied, req{"change the boundary: " + a, a, boundary, as(ciRole)})
	}
	// Its own role, whatever its name: even if it were named imgpipe-it-*.
	for _, self := range []string{ciRole, "arn:aws:iam::" + account + ":role/" + testRun + "-ci"} {
		for _, a := range []string{"iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRolePermissionsBoundary", "iam:DeleteRole", "iam:TagRole", "iam:UpdateRole"} {
			denied = append(denied, req{"its own role " + self + ": " + a, a, self, as(self, "iam:PermissionsBoundary", boundary)})
		}
	}
	// Roles outside the test names, boundary or not.
	for _, a := range []string{"iam:CreateRole", "iam:DeleteRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:TagRole", "iam:UpdateAssumeRolePolicy", "iam:PassRole"} {
		denied = append(denied, req{"a role outside imgpipe-it-*: " + a, a, otherRole, bounded("iam:PassedToService", "lambda.amazonaws.com")})
	}
	// No KMS writes on any key, tagged as the suites' or not, with the tag
	// in the request or not.
	key := "arn:aws:kms:eu-west-1:" + account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
	tagged := []string{"aws:ResourceTag/" + TagOwner, OwnerValue}
	requestTag := []string{"aws:RequestTag/" + TagOwner, OwnerValue, "aws:TagKeys", TagOwner}
	for _, a := range []string{"kms:TagResource", "kms:UntagResource", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:DisableKeyRotation", "kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias", "kms:UpdateKeyDescription"} {
		denied = append(denied,
			req{"untagged key: " + a, a, key, as(ciRole, requestTag...)},
			req{"tagged key: " + a, a, key, as(ciRole, append(tagged, requestTag...)...)})
	}
	denied = append(denied, req{"create a key with the suites' tag", "kms:CreateKey", "*", as(ciRole, requestTag...)})
	for _, r := range denied {
		t.Run("denies: "+r.name, func(t *testing.T) {
			got := decide(t, doc, r.action, r.resource, r.ctx)
			assert.NotEqual(t, iampolicy.Allow, got.Decision, "allowed by %v", got.By)
		})
	}
	// The escalation paths are refused by explicit denies, which no other
	// policy attached to the role can override.
	for _, r := range []req{
		{"create without the boundary", "iam:CreateRole", testRole, as(ciRole)},
		{"change the boundary", "iam:CreatePolicyVersion", boundary, as(ciRole)},
		{"change its own role", "iam:PutRolePolicy", ciRole, as(ciRole, "iam:PermissionsBoundary", boundary)},
		{"change a role outside the tests", "iam:PutRolePolicy", otherRole, bounded()},
		{"tag a key as the suites'", "kms:TagResource", key, as(ciRole, requestTag...)},
	} {
		t.Run("explicitly denies: "+r.name, func(t *testing.T) {
			assert.Equal(t, iampolicy.ExplicitDeny, decide(t, doc, r.action, r.resource, r.ctx).Decision)
		})
	}
}

// TestCIRoleCanDoWhatTheSuitesNeed: every action of every Allow statement,
// on a resource its pattern names and with its conditions met, is allowed,
// so no Deny statement blocks what the suites do.
func TestCIRoleCanDoWhatTheSuitesNeed(t *testing.T) {
	doc, _ := loadPolicy(t, "ci-role-policy.json")
	for _, st := range doc.Statement {
		if st.Effect != "Allow" {
			continue
		}
		ctx := as(ciRole)
		for _, keys := range st.Condition {
			for k, v := range keys {
				ctx[k] = strings.ReplaceAll(v[0], "${aws:PrincipalAccount}", account)
			}
		}
		for _, r := range st.Resource {
			res := sampleResource(r)
			for _, a := range st.Action {
				t.Run(st.Sid+"/"+a, func(t *testing.T) {
					got := decide(t, doc, a, res, ctx)
					assert.Equal(t, iampolicy.Allow, got.Decision, "%s on %s: %v", a, res, got.By)
				})
			}
		}
	}
}

// sampleResource turns a Resource pattern into an ARN it matches: the
// account variable becomes the account, "*" a run's name or id.
func sampleResource(pattern string) string {
	if pattern == "*" {
		return "*"
	}
	r := strings.ReplaceAll(pattern, "${aws:PrincipalAccount}", account)
	parts := strings.SplitN(r, ":", 6)
	if len(parts) == 6 {
		if parts[3] == "*" {
			parts[3] = "eu-west-1"
		}
		if parts[4] == "*" {
			parts[4] = account
		}
		r = strings.Join(parts, ":")
	}
	return strings.ReplaceAll(r, "*", "k3x9qa-x")
}

// TestBoundaryCoversTheProcessorRole: the permissions boundary allows each
// statement of modules/processing's role policies (the function's, and the
// S3 Batch Operations role's TestStack creates) and of modules/events' (the
// pipe's and its enrichment's) on the resources a test run names, and
// nothing more: no other action, no other bucket, no IAM, no KMS, nothing
// outside imgpipe-it-*.
func TestBoundaryCoversTheProcessorRole(t *testing.T) {
	doc, raw := loadPolicy(t, "ci-boundary-policy.json")
	// The boundary scopes objects by the contract's prefixes.
	assert.Contains(t, raw, `"arn:aws:s3:::`+NamePrefix+"-"+EnvironmentPrefix+"*/"+contract.UploadsPrefix+`*"`)
	assert.Contains(t, raw, `"arn:aws:s3:::`+NamePrefix+"-"+EnvironmentPrefix+"*/"+contract.ThumbnailsPrefix+`*"`)
	bucket := "arn:aws:s3:::" + testRun + "-images-" + account
	fn := testRun + "-processor"
	// One resource per statement of data.aws_iam_policy_document.processor,
	// as a test run names it. A new statement needs an entry here.
	samples := map[string]string{
		"ReadUploads":           bucket + "/" + contract.UploadsPrefix + "photo.jpg",
		"TellMissingKeysApart":  bucket,
		"ListUploadVersions":    bucket,
		"FindVersionRecords":    "arn:aws:dynamodb:eu-west-1:" + account + ":table/" + testRun + "-metadata",
		"WriteThumbnails":       bucket + "/" + contract.ThumbnailsPrefix + "256/photo.jpg.jpg",
		"DeleteThumbnails":      bucket + "/" + contract.ThumbnailsPrefix + "2048/photo.jpg.jpg",
		"WriteMetadata":         "arn:aws:dynamodb:eu-west-1:" + account + ":table/" + testRun + "-metadata",
		"WriteLogs":             "arn:aws:logs:eu-west-1:" + account + ":log-group:/aws/lambda/" + fn + ":log-stream:2026/12/01/[$LATEST]abc",
		"WriteTraces":           "*",
		"SendToDeadLetterQueue": "arn:aws:sqs:eu-west-1:" + account + ":" + fn + "-dlq",
		"ConsumeIngestQueue":    "arn:aws:sqs:eu-west-1:" + account + ":" + fn + "-ingest",
	}
	batch := bucket + "/" + contract.BatchOperationsPrefix
	samples["InvokeProcessor"] = "arn:aws:lambda:eu-west-1:" + account + ":function:" + fn
	samples["ReadManifests"] = batch + "manifests/job-1.csv"
	samples["WriteReports"] = batch + "reports/job-1/results.csv"
	samples["LocateBuckets"] = bucket
	role := as("arn:aws:iam::" + account + ":role/" + fn)
	granted := roleStatements(t, "processing", "processor")
	require.NotEmpty(t, granted)
	batchGranted := roleStatements(t, "processing", "batch_operations")
	require.NotEmpty(t, batchGranted, "the S3 Batch Operations role's policy document")
	for sid, actions := range batchGranted {
		_, clash := granted[sid]
		require.False(t, clash && sid != "InvokeProcessor", "sid %s in both roles", sid)
		granted[sid] = append(granted[sid], actions...)
	}
	// The events module's roles, under their own sids (sample resources
	// as a test run names them).
	pipe := testRun + "-outcome-events"
	eventsSamples := map[string]string{
		"ReadTableStream":       "arn:aws:dynamodb:eu-west-1:" + account + ":table/" + testRun + "-metadata/stream/2026-12-01T00:00:00.000",
		"ListStreams":           "*",
		"InvokeEnrichment":      "arn:aws:lambda:eu-west-1:" + account + ":function:" + pipe,
		"PutOutcomeEvents":      "arn:aws:events:eu-west-1:" + account + ":event-bus/" + testRun + "-events",
		"SendToDeadLetterQueue": "arn:aws:sqs:eu-west-1:" + account + ":" + pipe + "-dlq",
		"WriteLogs":             "arn:aws:logs:eu-west-1:" + account + ":log-group:/aws/lambda/" + pipe + ":log-stream:2026/12/01/[$LATEST]abc",
	}
	var moduleActions []string
	for _, roleName := range []string{"pipe", "enrichment"} {
		evGranted := roleStatements(t, "events", roleName)
		require.NotEmpty(t, evGranted, "the events module's %s policy document", roleName)
		for sid, actions := range evGranted {
			res, ok := eventsSamples[sid]
			require.True(t, ok, "statement %s of the events %s role has no sample resource in this test", sid, roleName)
			for _, a := range actions {
				moduleActions = append(moduleActions, a)
				t.Run("events/"+roleName+"/"+sid+"/"+a, func(t *testing.T) {
					got := decide(t, doc, a, res, as("arn:aws:iam::"+account+":role/"+pipe))
					assert.Equal(t, iampolicy.Allow, got.Decision, "the boundary must allow %s on %s", a, res)
				})
			}
		}
	}
	for sid, actions := range granted {
		res, ok := samples[sid]
		require.True(t, ok, "statement %s of the processor role has no sample resource in this test", sid)
		for _, a := range actions {
			moduleActions = append(moduleActions, a)
			t.Run(sid+"/"+a, func(t *testing.T) {
				got := decide(t, doc, a, res, role)
				assert.Equal(t, iampolicy.Allow, got.Decision, "the boundary must allow %s on %s", a, res)
			})
		}
	}
	for _, st := range doc.Statement {
		assert.Equal(t, "Allow", st.Effect, st.Sid)
		for _, a := range st.Action {
			assert.Contains(t, moduleActions, a, "boundary statement %s allows %s, which the processor role is never granted", st.Sid, a)
		}
	}
	for _, r := range []struct{ action, resource string }{
		{"s3:GetObject", "arn:aws:s3:::imgpipe-prod-images-" + account + "/uploads/photo.jpg"},
		{"s3:PutObject", "arn:aws:s3:::other-bucket/x"},
		{"s3:PutObject", bucket + "/uploads/photo.jpg"},
		{"s3:GetObject", bucket + "/elsewhere/photo.jpg"},
		{"s3:DeleteObject", bucket + "/uploads/photo.jpg"},
		{"dynamodb:PutItem", "arn:aws:dynamodb:eu-west-1:" + account + ":table/imgpipe-prod-metadata"},
		{"dynamodb:PutItem", "arn:aws:dynamodb:eu-west-1:999999999999:table/" + testRun + "-metadata"},
		{"dynamodb:Scan", "arn:aws:dynamodb:eu-west-1:" + account + ":table/" + testRun + "-metadata"},
		{"iam:CreateRole", "arn:aws:iam::" + account + ":role/" + testRun + "-x"},
		{"iam:PassRole", "arn:aws:iam::" + account + ":role/admin"},
		{"sts:AssumeRole", "arn:aws:iam::" + account + ":role/admin"},
		{"kms:Decrypt", "arn:aws:kms:eu-west-1:" + account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"},
		{"lambda:UpdateFunctionCode", "arn:aws:lambda:eu-west-1:" + account + ":function:" + fn},
		{"lambda:InvokeFunction", "arn:aws:lambda:eu-west-1:" + account + ":function:imgpipe-prod-processor"},
		{"s3:PutObject", batch + "manifests/job-1.csv"},
		{"s3:GetObject", "arn:aws:s3:::imgpipe-prod-images-" + account + "/batch-operations/manifests/job-1.csv"},
		{"sqs:SendMessage", "arn:aws:sqs:eu-west-1:" + account + ":imgpipe-prod-processor-dlq"},
		{"sqs:ReceiveMessage", "arn:aws:sqs:eu-west-1:" + account + ":imgpipe-prod-processor-ingest"},
		{"s3:ListBucketVersions", "arn:aws:s3:::imgpipe-prod-images-" + account},
		{"dynamodb:Query", "arn:aws:dynamodb:eu-west-1:" + account + ":table/imgpipe-prod-metadata"},
		{"dynamodb:GetRecords", "arn:aws:dynamodb:eu-west-1:" + account + ":table/imgpipe-prod-metadata/stream/2026-12-01T00:00:00.000"},
		{"events:PutEvents", "arn:aws:events:eu-west-1:" + account + ":event-bus/default"},
		{"events:PutRule", "arn:aws:events:eu-west-1:" + account + ":rule/" + testRun + "-events/x"},
	} {
		t.Run("denies "+r.action+" on "+r.resource, func(t *testing.T) {
			assert.Equal(t, iampolicy.ImplicitDeny, decide(t, doc, r.action, r.resource, role).Decision)
		})
	}
}

// roleStatements reads the static statements of the policy document
// data.aws_iam_policy_document.<name> from modules/<module>/*.tf: sid ->
// actions. Dynamic data-key statements are left out: the suites deploy
// without a customer-managed data key, and the boundary allows no KMS use.
func roleStatements(t *testing.T, module, name string) map[string][]string {
	t.Helper()
	repo, err := RepoRoot(".")
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join(repo, "modules", module, "*.tf"))
	require.NoError(t, err)
	out := map[string][]string{}
	for _, path := range files {
		f, diags := hclparse.NewParser().ParseHCLFile(path)
		require.False(t, diags.HasErrors(), diags.Error())
		addStatements(t, f.Body.(*hclsyntax.Body), name, out)
	}
	return out
}

// deployedDynamicStatements are the dynamic statements of the role
// policies that the test runs deploy: the ingest queue's (ingestion "sqs",
// the default). Others (UseDataKeyThroughS3AndDynamoDB, with a data KMS key
// the suites do not set) stay outside the boundary.
var deployedDynamicStatements = map[string]bool{"ConsumeIngestQueue": true}

func addStatements(t *testing.T, body *hclsyntax.Body, name string, out map[string][]string) {
	t.Helper()
	for _, b := range body.Blocks {
		if b.Type != "data" || !slices.Equal(b.Labels, []string{"aws_iam_policy_document", name}) {
			continue
		}
		for _, st := range b.Body.Blocks {
			if st.Type == "dynamic" && slices.Equal(st.Labels, []string{"statement"}) {
				// A statement of one configuration: read when the test
				// runs deploy it (deployedDynamicStatements).
				for _, c := range st.Body.Blocks {
					if c.Type == "content" && deployedDynamicStatements[staticString(t, c.Body.Attributes["sid"])] {
						st = c
					}
				}
			}
			if st.Type != "statement" && st.Type != "content" {
				continue
			}
			sid := staticString(t, st.Body.Attributes["sid"])
			var actions []string
			v, diags := st.Body.Attributes["actions"].Expr.Value(nil)
			require.False(t, diags.HasErrors(), "statement %s: actions must be a literal list: %s", sid, diags.Error())
			for _, a := range v.AsValueSlice() {
				actions = append(actions, a.AsString())
			}
			out[sid] = actions
		}
	}
}

func staticString(t *testing.T, a *hclsyntax.Attribute) string {
	t.Helper()
	require.NotNil(t, a)
	v, diags := a.Expr.Value(&hcl.EvalContext{})
	require.False(t, diags.HasErrors(), diags.Error())
	return v.AsString()
}
