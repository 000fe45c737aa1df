// Package itest holds the AWS-free parts of the Terratest suites in test/:
// the identity of a run (its unique id, environment name and tags), where
// a run keeps its state between stages, and the backend override that
// gives a temporary copy of the root stack local state. It has ordinary
// unit tests, so `make test` checks it without AWS.
package itest

import (
	"fmt"
	"maps"
	"regexp"
	"strings"
)

// Tag keys every resource of a test run carries (through the provider's
// default_tags and the modules' tags input). An interrupted run is found,
// and cleaned up, by TagRun.
const (
	TagRun   = "imgpipe:test-run"   // the run id, e.g. "k3x9qa"
	TagSuite = "imgpipe:test-suite" // which suite deployed it, e.g. "stack"
	TagOwner = "imgpipe:owner"      // always OwnerValue
)

// OwnerValue marks resources created by these suites.
const OwnerValue = "imgpipe-integration-tests"

// EnvironmentPrefix starts the environment name of every test run, so
// names read "imgpipe-it-<id>-..." and never collide with dev or prod.
const EnvironmentPrefix = "it-"

// NamePrefix is the name_prefix the suites pass (the modules' default).
const NamePrefix = "imgpipe"

// What an administrator creates once for the suites (test/README.md, "The
// CI role"), named imgpipe-ci-* so that the CI role, which may change only
// imgpipe-it-* roles, can never change them:
const (
	// BoundaryPolicyName is the customer-managed policy every role the
	// suites create must carry as its permissions boundary
	// (test/ci-boundary-policy.json).
	BoundaryPolicyName = "imgpipe-ci-boundary"
	// AlarmKeyAlias names the KMS key the suites encrypt alarm topics
	// with: the CI role may not create or change keys.
	AlarmKeyAlias = "alias/imgpipe-ci-alarms"
)

// BoundaryARN is the ARN of the boundary policy in account (partition
// "aws", "aws-cn", ...).
func BoundaryARN(partition, account string) string {
	return "arn:" + partition + ":iam::" + account + ":policy/" + BoundaryPolicyName
}

var runIDPattern = regexp.MustCompile(`^[a-z0-9]{4,12}$`)

// Run identifies one execution of a suite.
type Run struct {
	// ID is lower-case alphanumeric (4–12 chars): it ends up in S3 bucket
	// names, which allow no upper case.
	ID string
}

// NewRun makes a Run from a unique id such as random.UniqueID(): the id is
// lower-cased, and rejected with an error naming the problem unless it is
// 4–12 ASCII letters or digits.
func NewRun(uniqueID string) (Run, error) {
	id := strings.ToLower(uniqueID)
	if !runIDPattern.MatchString(id) {
		return Run{}, fmt.Errorf("itest: run id %q must be 4 to 12 ASCII letters or digits (it becomes part of bucket and function names)", uniqueID)
	}
	return Run{ID: id}, nil
}

// Environment is the value of the stack's `environment` variable.
func (r Run) Environment() string { return EnvironmentPrefix + r.ID }

// ResourcePrefix is "${name_prefix}-${environment}", the prefix the
// modules derive every resource name from.
func (r Run) ResourcePrefix() string { return NamePrefix + "-" + r.Environment() }

// Tags are the tags of every resource the suite creates; suite names the
// suite ("stack", "storage", "processing").
func (r Run) Tags(suite string) map[string]string {
	return map[string]string{
		TagRun:   r.ID,
		TagSuite: suite,
		TagOwner: OwnerValue,
	}
}

// TagsWith returns Tags(suite) merged over extra (the run's tags win).
func (r Run) TagsWith(suite string, extra map[string]string) map[string]string {
	out := maps.Clone(extra)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, r.Tags(suite))
	return out
}
