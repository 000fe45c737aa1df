package cleanup

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/pipes"
	rgta "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	rgtatypes "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/imgpipe/imgpipe/test/itest"
)

// AllRuns as the run id finds the leftovers of every run.
const AllRuns = "all"

// namePrefix is the prefix of every resource name of run ("imgpipe-it-<id>"),
// or of every run's ("imgpipe-it-") for AllRuns.
func namePrefix(run string) string {
	if run == AllRuns {
		return itest.Run{}.ResourcePrefix()
	}
	return itest.Run{ID: run}.ResourcePrefix()
}

// ownsName reports whether a resource name belongs to run: the prefix,
// followed by the end or a '-' (so run "abcd" never matches "abcde").
func ownsName(run, name string) bool {
	p := namePrefix(run)
	if run == AllRuns {
		return strings.HasPrefix(name, p)
	}
	rest, ok := strings.CutPrefix(name, p)
	return ok && (rest == "" || strings.HasPrefix(rest, "-"))
}

// CheckRun validates a run id given on the command line.
func CheckRun(run string) error {
	if run == AllRuns {
		return nil
	}
	r, err := itest.NewRun(run)
	if err != nil {
		return err
	}
	if r.ID != run {
		return fmt.Errorf("cleanup: run ids are lower case: use %q", r.ID)
	}
	return nil
}

// Find lists the leftovers of run in cfg's region: everything tagged
// imgpipe:test-run=<run> (any value for AllRuns), plus the IAM roles and
// dashboards named after it. The suites create no KMS keys or aliases
// (they use the pre-created itest.AlarmKeyAlias), so none are searched.
func Find(ctx context.Context, cfg aws.Config, run string) ([]Resource, error) {
	if err := CheckRun(run); err != nil {
		return nil, err
	}
	var arns []string
	filter := rgtatypes.TagFilter{Key: aws.String(itest.TagRun)}
	if run != AllRuns {
		filter.Values = []string{run}
	}
	for p := rgta.NewGetResourcesPaginator(rgta.NewFromConfig(cfg), &rgta.GetResourcesInput{TagFilters: []rgtatypes.TagFilter{filter}}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("cleanup: tag:GetResources %s: %w", itest.TagRun, err)
		}
		for _, m := range page.ResourceTagMappingList {
			arns = append(arns, aws.ToString(m.ResourceARN))
		}
	}
	for p := iam.NewListRolesPaginator(iam.NewFromConfig(cfg), &iam.ListRolesInput{}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("cleanup: iam:ListRoles: %w", err)
		}
		for _, r := range page.Roles {
			if ownsName(run, aws.ToString(r.RoleName)) {
				arns = append(arns, aws.ToString(r.Arn))
			}
		}
	}
	cw := cloudwatch.NewFromConfig(cfg)
	for p := cloudwatch.NewListDashboardsPaginator(cw, &cloudwatch.ListDashboardsInput{DashboardNamePrefix: aws.String(namePrefix(run))}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("cleanup: cloudwatch:ListDashboards: %w", err)
		}
		for _, d := range page.DashboardEntries {
			if ownsName(run, aws.ToString(d.DashboardName)) {
				arns = append(arns, aws.ToString(d.DashboardArn))
			}
		}
	}
	var out []Resource
	for _, a := range arns {
		r, err := Classify(a)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return Order(out), nil
}

// Delete deletes one leftover. Only resources whose name belongs to a test
// run are deleted; anything else is refused with an error. KMS keys and
// aliases are refused too: the CI role may not write KMS (they can only be
// left by runs from before the suites stopped creating keys).
func Delete(ctx context.Context, cfg aws.Config, run string, r Resource) error {
	if r.Kind == KindKMSKey || r.Kind == KindKMSAlias {
		return fmt.Errorf("cleanup: not deleting %s: the CI role may not write KMS; an administrator schedules the key's deletion (aws kms schedule-key-deletion) or deletes the alias", r.ARN)
	}
	if !ownsName(run, strings.TrimPrefix(strings.TrimPrefix(r.Name, "/aws/lambda/"), "alias/")) {
		return fmt.Errorf("cleanup: refusing to delete %s: its name is not one of run %q's", r.ARN, run)
	}
	var err error
	switch r.Kind {
	case KindPipe:
		_, err = pipes.NewFromConfig(cfg).DeletePipe(ctx, &pipes.DeletePipeInput{Name: aws.String(r.Name)})
	case KindEventRule:
		err = deleteRule(ctx, eventbridge.NewFromConfig(cfg), r)
	case KindEventBus:
		_, err = eventbridge.NewFromConfig(cfg).DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: aws.String(r.Name)})
	case KindAlarm:
		_, err = cloudwatch.NewFromConfig(cfg).DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{r.Name}})
	case KindDashboard:
		_, err = cloudwatch.NewFromConfig(cfg).DeleteDashboards(ctx, &cloudwatch.DeleteDashboardsInput{DashboardNames: []string{r.Name}})
	case KindFunction:
		_, err = lambda.NewFromConfig(cfg).DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(r.Name)})
	case KindLogGroup:
		_, err = cloudwatchlogs.NewFromConfig(cfg).DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(r.Name)})
	case KindQueue:
		err = deleteQueue(ctx, sqs.NewFromConfig(cfg), r.Name)
	case KindTopic:
		_, err = sns.NewFromConfig(cfg).DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(r.ARN)})
	case KindTable:
		c := dynamodb.NewFromConfig(cfg)
		// Test tables have no deletion protection; turn it off in case.
		_, _ = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(r.Name), DeletionProtectionEnabled: aws.Bool(false)})
		_, err = c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(r.Name)})
	case KindBucket:
		err = deleteBucket(ctx, s3.NewFromConfig(cfg), r.Name)
	case KindRole:
		err = deleteRole(ctx, iam.NewFromConfig(cfg), r.Name)
	default:
		return fmt.Errorf("cleanup: %s is a kind this tool does not delete; delete it by hand", r.ARN)
	}
	if err != nil {
		return fmt.Errorf("cleanup: delete %s: %w", r.ARN, err)
	}
	return nil
}

// deleteRule removes a rule's targets (EventBridge refuses to delete a
// rule that has any), then the rule, on the bus its ARN names.
func deleteRule(ctx context.Context, c *eventbridge.Client, r Resource) error {
	var bus *string // nil: the default bus
	if res := strings.SplitN(r.ARN, ":", 6); len(res) == 6 {
		if b, _, ok := strings.Cut(strings.TrimPrefix(res[5], "rule/"), "/"); ok {
			bus = aws.String(b)
		}
	}
	targets, err := c.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String(r.Name), EventBusName: bus})
	if err != nil {
		return err
	}
	if len(targets.Targets) > 0 {
		ids := make([]string, len(targets.Targets))
		for i, t := range targets.Targets {
			ids[i] = aws.ToString(t.Id)
		}
		if _, err := c.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(r.Name), EventBusName: bus, Ids: ids, Force: true}); err != nil {
			return err
		}
	}
	_, err = c.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String(r.Name), EventBusName: bus, Force: true})
	return err
}

func deleteQueue(ctx context.Context, c *sqs.Client, name string) error {
	u, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		return err
	}
	_, err = c.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: u.QueueUrl})
	return err
}

// deleteBucket deletes every object version and delete marker, then the
// bucket.
func deleteBucket(ctx context.Context, c *s3.Client, bucket string) error {
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		var ids []s3types.ObjectIdentifier
		for _, v := range page.Versions {
			ids = append(ids, s3types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
		}
		for _, m := range page.DeleteMarkers {
			ids = append(ids, s3types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
		}
		if len(ids) == 0 {
			continue
		}
		out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: &s3types.Delete{Objects: ids, Quiet: aws.Bool(true)}})
		if err != nil {
			return err
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("delete %d object versions, first: %s: %s", len(out.Errors), aws.ToString(e.Key), aws.ToString(e.Message))
		}
	}
	_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
	return err
}

// deleteRole removes the role's inline and attached policies, then the role.
func deleteRole(ctx context.Context, c *iam.Client, role string) error {
	var errs []error
	for p := iam.NewListRolePoliciesPaginator(c, &iam.ListRolePoliciesInput{RoleName: aws.String(role)}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, name := range page.PolicyNames {
			_, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(name)})
			errs = append(errs, err)
		}
	}
	for p := iam.NewListAttachedRolePoliciesPaginator(c, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, ap := range page.AttachedPolicies {
			_, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(role), PolicyArn: ap.PolicyArn})
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	_, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(role)})
	return err
}
