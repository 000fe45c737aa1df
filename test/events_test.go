//go:build integration

package test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/verify"
)

// subscribeDeleted subscribes a test queue to the Image Deleted events of
// this run's uploads on the stack's bus, as a consumer would, and returns
// a reader of its events. The queue and the rule are removed when the
// validate stage ends (before destroy: a bus with rules cannot be
// deleted); an interrupted run leaves them tagged for the cleanup tool.
func subscribeDeleted(t *testing.T, ctx context.Context, d *deployment, tg verify.Target) (*verify.Events, func()) {
	t.Helper()
	name := d.run.ResourcePrefix() + "-deleted-events"
	bus := d.output(t, ctx, "event_bus_name")
	sqsc := sqs.NewFromConfig(d.cfg)
	ebc := eventbridge.NewFromConfig(d.cfg)

	q, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName:  aws.String(name),
		Attributes: map[string]string{string(sqstypes.QueueAttributeNameSqsManagedSseEnabled): "true"},
		Tags:       d.run.Tags("stack"),
	})
	require.NoError(t, err, "create the events test queue")
	attrs, err := sqsc.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	require.NoError(t, err)
	queueARN := attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]

	pattern, err := json.Marshal(map[string]any{
		"source":      []string{contract.EventSource},
		"detail-type": []string{contract.EventDetailTypeDeleted},
		"detail":      map[string]any{"key": []any{map[string]string{"prefix": uploadKey(tg, d.run, "")}}},
	})
	require.NoError(t, err)
	var tags []ebtypes.Tag
	for k, v := range d.run.Tags("stack") {
		tags = append(tags, ebtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	rule, err := ebc.PutRule(ctx, &eventbridge.PutRuleInput{
		Name: aws.String(name), EventBusName: aws.String(bus), EventPattern: aws.String(string(pattern)), Tags: tags,
	})
	require.NoError(t, err, "create the rule on %s", bus)
	policy, err := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Sid": "FromTheTestRule", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queueARN,
			"Principal": map[string]string{"Service": "events.amazonaws.com"},
			"Condition": map[string]any{"ArnEquals": map[string]string{"aws:SourceArn": aws.ToString(rule.RuleArn)}},
		}},
	})
	require.NoError(t, err)
	_, err = sqsc.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{
		QueueUrl: q.QueueUrl, Attributes: map[string]string{string(sqstypes.QueueAttributeNamePolicy): string(policy)},
	})
	require.NoError(t, err, "allow the rule to send to the queue")
	_, err = ebc.PutTargets(ctx, &eventbridge.PutTargetsInput{
		Rule: aws.String(name), EventBusName: aws.String(bus),
		Targets: []ebtypes.Target{{Id: aws.String("queue"), Arn: aws.String(queueARN)}},
	})
	require.NoError(t, err, "target the queue")

	remove := func() {
		cctx := context.WithoutCancel(ctx)
		if _, err := ebc.RemoveTargets(cctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(name), EventBusName: aws.String(bus), Ids: []string{"queue"}}); err != nil {
			t.Logf("events test rule %s: remove its target: %v (make clean-integration removes leftovers)", name, err)
		}
		if _, err := ebc.DeleteRule(cctx, &eventbridge.DeleteRuleInput{Name: aws.String(name), EventBusName: aws.String(bus)}); err != nil {
			t.Logf("events test rule %s: delete: %v", name, err)
		}
		if _, err := sqsc.DeleteQueue(cctx, &sqs.DeleteQueueInput{QueueUrl: q.QueueUrl}); err != nil {
			t.Logf("events test queue %s: delete: %v", name, err)
		}
	}
	return verify.NewEvents(sqsc, aws.ToString(q.QueueUrl), recordTimeout), remove
}
