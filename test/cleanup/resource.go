// Package cleanup finds, and on request deletes, what an interrupted
// integration run left on AWS. Every resource of a run carries the tag
// imgpipe:test-run=<id> (itest.TagRun); the Resource Groups Tagging API
// lists them. IAM roles and dashboards, which that API does not list, are
// found by their name prefix "imgpipe-it-<id>-" / "imgpipe-it-<id>".
package cleanup

import (
	"fmt"
	"sort"
	"strings"
)

// Kind is the type of a leftover resource; it decides how it is deleted
// and in which order.
type Kind string

// Kinds, in deletion order (see Order): consumers before what they use.
const (
	KindPipe      Kind = "pipes-pipe"
	KindAlarm     Kind = "cloudwatch-alarm"
	KindEventRule Kind = "events-rule"
	KindDashboard Kind = "cloudwatch-dashboard"
	KindFunction  Kind = "lambda-function"
	KindLogGroup  Kind = "logs-log-group"
	KindQueue     Kind = "sqs-queue"
	KindEventBus  Kind = "events-event-bus"
	KindTopic     Kind = "sns-topic"
	KindTable     Kind = "dynamodb-table"
	KindBucket    Kind = "s3-bucket"
	KindRole      Kind = "iam-role"
	KindKMSAlias  Kind = "kms-alias"
	KindKMSKey    Kind = "kms-key"
	KindOther     Kind = "other"
)

var kindOrder = []Kind{
	KindPipe, KindAlarm, KindEventRule, KindDashboard, KindFunction, KindLogGroup, KindQueue, KindEventBus, KindTopic,
	KindTable, KindBucket, KindRole, KindKMSAlias, KindKMSKey, KindOther,
}

// Resource is one leftover, identified by its ARN.
type Resource struct {
	ARN     string
	Kind    Kind
	Region  string // "" for global resources (S3 bucket ARNs, IAM)
	Account string
	Name    string // what the service's delete call takes (name, URL-less queue name, key id, ...)
}

func (r Resource) String() string {
	return fmt.Sprintf("%-20s %s", r.Kind, r.ARN)
}

// Classify parses an ARN into a Resource. ARNs of kinds this package does
// not delete come back as KindOther (listed, never deleted).
func Classify(arn string) (Resource, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] == "" {
		return Resource{}, fmt.Errorf("cleanup: %q is not an ARN", arn)
	}
	service, region, account, res := parts[2], parts[3], parts[4], parts[5]
	r := Resource{ARN: arn, Kind: KindOther, Region: region, Account: account, Name: res}
	typ, name, _ := strings.Cut(res, "/")
	switch service {
	case "s3":
		if !strings.Contains(res, "/") {
			r.Kind, r.Name = KindBucket, res
		}
	case "dynamodb":
		if typ == "table" && !strings.Contains(name, "/") {
			r.Kind, r.Name = KindTable, name
		}
	case "lambda":
		if f, ok := strings.CutPrefix(res, "function:"); ok && !strings.Contains(f, ":") {
			r.Kind, r.Name = KindFunction, f
		}
	case "logs":
		if g, ok := strings.CutPrefix(res, "log-group:"); ok {
			r.Kind, r.Name = KindLogGroup, strings.TrimSuffix(g, ":*")
		}
	case "sqs":
		r.Kind, r.Name = KindQueue, res
	case "pipes":
		if typ == "pipe" && name != "" && !strings.Contains(name, "/") {
			r.Kind, r.Name = KindPipe, name
		}
	case "events":
		switch typ {
		case "event-bus":
			if name != "" && !strings.Contains(name, "/") {
				r.Kind, r.Name = KindEventBus, name
			}
		case "rule":
			// rule/<name> on the default bus, rule/<bus>/<name> on another.
			if name != "" && strings.Count(name, "/") <= 1 {
				r.Kind, r.Name = KindEventRule, name[strings.LastIndex(name, "/")+1:]
			}
		}
	case "sns":
		if !strings.Contains(res, ":") {
			r.Kind, r.Name = KindTopic, res
		}
	case "cloudwatch":
		if a, ok := strings.CutPrefix(res, "alarm:"); ok {
			r.Kind, r.Name = KindAlarm, a
		} else if typ == "dashboard" {
			r.Kind, r.Name = KindDashboard, name
		}
	case "iam":
		if typ == "role" {
			r.Kind, r.Name = KindRole, name[strings.LastIndex(name, "/")+1:]
		}
	case "kms":
		switch typ {
		case "key":
			r.Kind, r.Name = KindKMSKey, name
		case "alias":
			r.Kind, r.Name = KindKMSAlias, "alias/"+name
		}
	}
	return r, nil
}

// Order sorts resources into deletion order, then by ARN, and drops
// duplicates (a resource found both by tag and by name).
func Order(rs []Resource) []Resource {
	rank := map[Kind]int{}
	for i, k := range kindOrder {
		rank[k] = i
	}
	seen := map[string]bool{}
	out := make([]Resource, 0, len(rs))
	for _, r := range rs {
		if !seen[r.ARN] {
			seen[r.ARN] = true
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if rank[out[i].Kind] != rank[out[j].Kind] {
			return rank[out[i].Kind] < rank[out[j].Kind]
		}
		return out[i].ARN < out[j].ARN
	})
	return out
}
