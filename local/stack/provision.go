package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// clients are the AWS API clients the provisioner uses.
type clients struct {
	s3     *s3.Client
	ddb    *dynamodb.Client
	lambda *lambda.Client
	iam    *iam.Client
	sqs    *sqs.Client
}

// step is one call of the provisioning, named for its error.
type step struct {
	what string
	call func(context.Context) error
}

// run calls the steps in order and stops at the first failure.
func run(ctx context.Context, steps []step) error {
	for _, s := range steps {
		if err := s.call(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
	}
	return nil
}

// provisionStorage creates the bucket (versioning, default encryption,
// public access block, lifecycle, bucket policy) and the metadata table,
// as modules/storage declares them.
//
// Not provisioned, because kumo does not implement them: the bucket's
// ownership controls (PutBucketOwnershipControls fails as MalformedXML;
// BucketOwnerEnforced is every new bucket's default on AWS anyway) and the
// table's point-in-time recovery (UpdateContinuousBackups is an
// UnknownOperation). kumo stores the bucket policy but does not enforce
// it, so plain HTTP still works here.
func provisionStorage(ctx context.Context, c clients, d *declaration) error {
	b := d.Names.Bucket
	return run(ctx, []step{
		{"create bucket " + b, func(ctx context.Context) error { _, err := c.s3.CreateBucket(ctx, d.CreateBucket); return err }},
		{"enable versioning on " + b, func(ctx context.Context) error { _, err := c.s3.PutBucketVersioning(ctx, d.Versioning); return err }},
		{"set default encryption on " + b, func(ctx context.Context) error { _, err := c.s3.PutBucketEncryption(ctx, d.Encryption); return err }},
		{"block public access on " + b, func(ctx context.Context) error { _, err := c.s3.PutPublicAccessBlock(ctx, d.PublicAccess); return err }},
		{"set lifecycle on " + b, func(ctx context.Context) error {
			_, err := c.s3.PutBucketLifecycleConfiguration(ctx, d.Lifecycle)
			return err
		}},
		{"set the bucket policy of " + b, func(ctx context.Context) error { _, err := c.s3.PutBucketPolicy(ctx, d.BucketPolicy); return err }},
		{"create table " + d.Names.Table, func(ctx context.Context) error { _, err := c.ddb.CreateTable(ctx, d.CreateTable); return err }},
	})
}

// queueRef is a queue the local AWS made: its URL and ARN.
type queueRef struct{ URL, ARN string }

// createQueue makes the queue called name (attributes come later, from the
// declaration, in provisionQueues) and returns its URL and ARN.
func createQueue(ctx context.Context, c *sqs.Client, name string) (queueRef, error) {
	out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		return queueRef{}, err
	}
	if out.QueueUrl == nil {
		return queueRef{}, errors.New("no queue URL in the response")
	}
	attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return queueRef{}, fmt.Errorf("read its ARN: %w", err)
	}
	arn := attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
	if arn == "" {
		return queueRef{}, errors.New("the local AWS reports no ARN for it")
	}
	return queueRef{URL: *out.QueueUrl, ARN: arn}, nil
}

// provisionQueues sets the attributes modules/processing declares on the
// dead-letter queue and, with ingestion "sqs", the ingest queue (its
// visibility timeout, redrive policy to the dead-letter queue and queue
// policy), both made by createQueue while the modules were read.
func provisionQueues(ctx context.Context, c clients, d *declaration, queues map[string]queueRef) error {
	dlq, ok := queues[d.Names.DLQ]
	if !ok {
		return fmt.Errorf("the dead-letter queue %s was not created", d.Names.DLQ)
	}
	steps := []step{{"set the attributes of the dead-letter queue " + d.Names.DLQ, func(ctx context.Context) error {
		in := *d.DLQ
		in.QueueUrl = aws.String(dlq.URL)
		_, err := c.sqs.SetQueueAttributes(ctx, &in)
		return err
	}}}
	if d.IngestQueue != nil {
		ingest, ok := queues[d.Names.IngestQueue]
		if !ok {
			return fmt.Errorf("the ingest queue %s was not created", d.Names.IngestQueue)
		}
		steps = append(steps, step{"set the attributes of the ingest queue " + d.Names.IngestQueue, func(ctx context.Context) error {
			var rp struct {
				DeadLetterTargetArn string `json:"deadLetterTargetArn"`
			}
			redrive := d.IngestQueue.Attributes[string(sqstypes.QueueAttributeNameRedrivePolicy)]
			if err := json.Unmarshal([]byte(redrive), &rp); err != nil || rp.DeadLetterTargetArn != dlq.ARN {
				// kumo drops a message whose dead-letter target does not exist.
				return fmt.Errorf("its redrive policy %s does not name the dead-letter queue %s", redrive, dlq.ARN)
			}
			in := *d.IngestQueue
			in.QueueUrl = aws.String(ingest.URL)
			_, err := c.sqs.SetQueueAttributes(ctx, &in)
			return err
		}})
	}
	return run(ctx, steps)
}

// provisionFunction creates the execution role and the function (with the
// deployment package and its environment) and subscribes it to the
// bucket's events as modules/processing declares them: with ingestion
// "direct", S3 may invoke it and notifies it; with "sqs", the event source
// mapping reads the ingest queue, which S3 notifies. It returns the
// function ARN.
//
// kumo stores the mapping but never polls the queue: the harness does
// (mapping.go), with the settings the module declares.
//
// Not provisioned: the log group (the handler logs to handler.log), the
// asynchronous-invocation settings (kumo has none: the harness sends the
// invocation records of the on-failure destination itself, destination.go),
// recursive-loop detection, X-Ray tracing, reserved concurrency and the
// role's inline policy (kumo does not enforce IAM).
func provisionFunction(ctx context.Context, c clients, d *declaration, pkg []byte) (string, error) {
	fn := *d.CreateFunction
	fn.Code = &lambdatypes.FunctionCode{ZipFile: pkg}
	notification := *d.Notification
	nc := *notification.NotificationConfiguration
	notification.NotificationConfiguration = &nc
	var arn string
	steps := []step{
		{"create role " + d.Names.Role, func(ctx context.Context) error {
			out, err := c.iam.CreateRole(ctx, d.CreateRole)
			if err == nil {
				fn.Role = out.Role.Arn
			}
			return err
		}},
		{"create function " + d.Names.Function, func(ctx context.Context) error {
			out, err := c.lambda.CreateFunction(ctx, &fn)
			if err == nil && out.FunctionArn == nil {
				err = errors.New("no ARN in the response")
			}
			if err == nil {
				arn = *out.FunctionArn
			}
			return err
		}},
	}
	if d.Permission != nil {
		steps = append(steps, step{"allow S3 to invoke " + d.Names.Function, func(ctx context.Context) error {
			_, err := c.lambda.AddPermission(ctx, d.Permission)
			return err
		}})
	}
	if d.Mapping != nil {
		steps = append(steps, step{"map the ingest queue " + d.Names.IngestQueue + " to " + d.Names.Function, func(ctx context.Context) error {
			in := *d.Mapping
			in.FunctionName = aws.String(d.Names.Function)
			_, err := c.lambda.CreateEventSourceMapping(ctx, &in)
			return err
		}})
	}
	steps = append(steps, step{"subscribe " + d.Names.Function + " to events of " + d.Names.Bucket, func(ctx context.Context) error {
		nc.LambdaFunctionConfigurations = append(nc.LambdaFunctionConfigurations[:0:0], nc.LambdaFunctionConfigurations...)
		for i := range nc.LambdaFunctionConfigurations {
			nc.LambdaFunctionConfigurations[i].LambdaFunctionArn = aws.String(arn)
		}
		_, err := c.s3.PutBucketNotificationConfiguration(ctx, &notification)
		return err
	}})
	err := run(ctx, steps)
	return arn, err
}
