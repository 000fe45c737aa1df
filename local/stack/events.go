package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/tfmodule"
)

// The outcome events of modules/events, locally. kumo has DynamoDB
// streams, EventBridge buses and rules and SQS, but no EventBridge Pipes
// and no ObjectRemoved notifications: the stack provisions the bus the
// module declares and, to let tests and people read the events, one queue
// subscribed to all of them (the events queue, local only: on AWS,
// consumers subscribe their own, as examples/processed-images-to-sqs
// does); the harness runs the pipe (local/eventspipe) and sends the
// delete notifications (local/deletenotify).

const addrPipe = "aws_pipes_pipe.outcomes"

// eventsDeclaration is what the local stack provisions of modules/events.
type eventsDeclaration struct {
	Bus string // the bus the module creates
	// Queue and Rule are the local subscription: every event of the
	// contract's source on Bus goes to Queue.
	Queue, Rule string
}

// declareEvents evaluates modules/events as terraform/ composes it (the
// storage module's stream as its source, its own bus) and checks that its
// pipe is the one the harness emulates: internal/eventpipe applies the
// contract's filter patterns, batch size, starting position and target
// parameters, which the module must declare (a module edit that departs
// from them is refused here, not silently emulated otherwise).
func declareEvents(modulesDir string, env environment, streamARN string) (*eventsDeclaration, error) {
	m, err := tfmodule.Load(filepath.Join(modulesDir, "events"))
	if err != nil {
		return nil, err
	}
	e, err := m.Eval(tfmodule.Options{
		Inputs: map[string]cty.Value{
			"name_prefix":      cty.StringVal(env.NamePrefix),
			"environment":      cty.StringVal(env.Environment),
			"table_stream_arn": cty.StringVal(streamARN),
			// Where `make package` puts it, as terraform/ passes it. Nothing
			// here reads it: the emulated pipe runs the enrichment's code
			// in-process.
			"enrichment_package_path": cty.StringVal(filepath.Join(modulesDir, "..", "dist", "events.zip")),
		},
		Known: map[string]cty.Value{
			"data.aws_caller_identity.current": cty.ObjectVal(map[string]cty.Value{"account_id": cty.StringVal(env.Account)}),
			"data.aws_region.current":          cty.ObjectVal(map[string]cty.Value{"region": cty.StringVal(env.Region), "name": cty.StringVal(env.Region)}),
			"data.aws_partition.current":       cty.ObjectVal(map[string]cty.Value{"partition": cty.StringVal("aws")}),
		},
		Data: policyDocument,
	})
	if err != nil {
		return nil, err
	}
	bus, err := e.Local("created_bus")
	if err != nil {
		return nil, err
	}
	if err := checkPipe(e); err != nil {
		return nil, fmt.Errorf("modules/events: %w", err)
	}
	d := &eventsDeclaration{Bus: bus.AsString()}
	d.Queue = d.Bus + "-all"
	d.Rule = d.Queue
	return d, nil
}

// checkPipe compares the module's pipe with what the emulation applies.
func checkPipe(e *tfmodule.Eval) error {
	r := &reader{e: e}
	pipe := r.resource(addrPipe)
	var patterns []string
	var batch int64
	var start string
	for _, src := range r.blocks(pipe, "source_parameters", 1) {
		for _, ddb := range r.blocks(src, "dynamodb_stream_parameters", 1) {
			batch = get(r, ddb, "batch_size", (*tfmodule.Block).Int)
			start = r.str(ddb, "starting_position")
		}
		for _, fc := range r.blocks(src, "filter_criteria", 1) {
			for _, f := range r.blocks(fc, "filter", -1) {
				patterns = append(patterns, r.str(f, "pattern"))
			}
		}
	}
	var template, source, detailType string
	for _, tp := range r.blocks(pipe, "target_parameters", 1) {
		template = r.str(tp, "input_template")
		for _, eb := range r.blocks(tp, "eventbridge_event_bus_parameters", 1) {
			source = r.str(eb, "source")
			detailType = r.str(eb, "detail_type")
		}
	}
	if r.err != nil {
		return r.err
	}
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"filter patterns", patterns, contract.PipeFilterPatterns()},
		{"batch_size", batch, int64(contract.PipeBatchSize)},
		{"starting_position", start, contract.PipeStartingPosition},
		{"input_template", template, contract.PipeEnrichedDetailTemplate},
		{"source", source, contract.EventSource},
		{"detail_type", detailType, contract.PipeEnrichedDetailTypePath},
	} {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			return fmt.Errorf("%s declares %s %v, but the local stack emulates %v (internal/contract): teach internal/eventpipe to", addrPipe, c.what, c.got, c.want)
		}
	}
	return nil
}

// removalNotification returns the prefix of the notification that sends
// ObjectRemoved events to the function, and whether there is one. Only
// "s3:ObjectRemoved:*" with a prefix filter is emulated.
func removalNotification(nc *s3types.NotificationConfiguration) (prefix string, ok bool, err error) {
	type destination struct {
		Events []s3types.Event
		Filter *s3types.NotificationConfigurationFilter
	}
	var dests []destination
	for _, lf := range nc.LambdaFunctionConfigurations {
		dests = append(dests, destination{lf.Events, lf.Filter})
	}
	for _, qc := range nc.QueueConfigurations { // ingestion "sqs": the same events, to the ingest queue
		dests = append(dests, destination{qc.Events, qc.Filter})
	}
	for _, lf := range dests {
		var removed []string
		for _, ev := range lf.Events {
			if strings.HasPrefix(string(ev), "s3:ObjectRemoved:") {
				removed = append(removed, string(ev))
			}
		}
		if len(removed) == 0 {
			continue
		}
		if ok {
			return "", false, fmt.Errorf("%s: more than one notification of removals, which the local stack does not emulate", addrNotification)
		}
		if !slices.Equal(removed, []string{contract.TriggerEventsRemoved}) {
			return "", false, fmt.Errorf("%s: removal events %v: the local stack emulates only %s", addrNotification, removed, contract.TriggerEventsRemoved)
		}
		if lf.Filter != nil && lf.Filter.Key != nil {
			for _, fr := range lf.Filter.Key.FilterRules {
				switch fr.Name {
				case s3types.FilterRuleNamePrefix:
					prefix = aws.ToString(fr.Value)
				default:
					return "", false, fmt.Errorf("%s: a %s filter on removals, which the local stack does not emulate", addrNotification, fr.Name)
				}
			}
		}
		ok = true
	}
	return prefix, ok, nil
}

// eventsClients are the API clients provisionEvents uses.
type eventsClients struct {
	ddb    *dynamodb.Client
	events *eventbridge.Client
	sqs    *sqs.Client
}

// streamARN is the table's stream, as DescribeTable reports it.
func streamARN(ctx context.Context, ddb *dynamodb.Client, table string) (string, error) {
	out, err := ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return "", fmt.Errorf("describe table %s: %w", table, err)
	}
	if out.Table == nil || aws.ToString(out.Table.LatestStreamArn) == "" {
		return "", fmt.Errorf("table %s has no stream: modules/storage declares one (stream_enabled), the local stack creates it", table)
	}
	return aws.ToString(out.Table.LatestStreamArn), nil
}

// provisionEvents creates the bus, the events queue and the rule sending
// every outcome event to it (the queue's policy lets only that rule send),
// and returns the queue's URL.
func provisionEvents(ctx context.Context, c eventsClients, d *eventsDeclaration) (string, error) {
	var queueURL, queueARN, ruleARN string
	err := run(ctx, []step{
		{"create event bus " + d.Bus, func(ctx context.Context) error {
			_, err := c.events.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(d.Bus)})
			return err
		}},
		{"create queue " + d.Queue, func(ctx context.Context) error {
			out, err := c.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(d.Queue)})
			if err != nil {
				return err
			}
			queueURL = aws.ToString(out.QueueUrl)
			attrs, err := c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
				QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
			})
			if err == nil {
				queueARN = attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
			}
			return err
		}},
		{"create rule " + d.Rule + " on " + d.Bus, func(ctx context.Context) error {
			pattern, err := json.Marshal(map[string][]string{"source": {contract.EventSource}})
			if err != nil {
				return err
			}
			out, err := c.events.PutRule(ctx, &eventbridge.PutRuleInput{
				Name: aws.String(d.Rule), EventBusName: aws.String(d.Bus), EventPattern: aws.String(string(pattern)),
				Description: aws.String("local stack: every outcome event to the events queue"),
			})
			if err == nil {
				ruleARN = aws.ToString(out.RuleArn)
			}
			return err
		}},
		{"let rule " + d.Rule + " send to " + d.Queue, func(ctx context.Context) error {
			policy, err := json.Marshal(map[string]any{
				"Version": "2012-10-17",
				"Statement": []map[string]any{{
					"Sid": "OutcomeEventsFromTheRule", "Effect": "Allow",
					"Principal": map[string]string{"Service": "events.amazonaws.com"},
					"Action":    "sqs:SendMessage", "Resource": queueARN,
					"Condition": map[string]any{"ArnEquals": map[string]string{"aws:SourceArn": ruleARN}},
				}},
			})
			if err != nil {
				return err
			}
			_, err = c.sqs.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{
				QueueUrl: aws.String(queueURL), Attributes: map[string]string{string(sqstypes.QueueAttributeNamePolicy): string(policy)},
			})
			return err
		}},
		{"target " + d.Queue + " from rule " + d.Rule, func(ctx context.Context) error {
			out, err := c.events.PutTargets(ctx, &eventbridge.PutTargetsInput{
				Rule: aws.String(d.Rule), EventBusName: aws.String(d.Bus),
				Targets: []ebtypes.Target{{Id: aws.String("events-queue"), Arn: aws.String(queueARN)}},
			})
			if err == nil && out.FailedEntryCount > 0 {
				err = fmt.Errorf("%d targets refused", out.FailedEntryCount)
			}
			return err
		}},
	})
	return queueURL, err
}
