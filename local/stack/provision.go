package stack

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
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

// provisionQueue creates the dead-letter queue as modules/processing
// declares it and returns its URL.
func provisionQueue(ctx context.Context, c clients, d *declaration) (string, error) {
	var url string
	err := run(ctx, []step{{"create the dead-letter queue " + d.Names.DLQ, func(ctx context.Context) error {
		out, err := c.sqs.CreateQueue(ctx, d.CreateQueue)
		if err == nil && out.QueueUrl == nil {
			err = errors.New("no queue URL in the response")
		}
		if err == nil {
			url = *out.QueueUrl
		}
		return err
	}}})
	return url, err
}

// provisionFunction creates the execution role and the function (with the
// deployment package and its environment), allows S3 to invoke it, and
// subscribes it to the bucket's events, as modules/processing declares
// them. It returns the function ARN.
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
	err := run(ctx, []step{
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
		{"allow S3 to invoke " + d.Names.Function, func(ctx context.Context) error { _, err := c.lambda.AddPermission(ctx, d.Permission); return err }},
		{"subscribe " + d.Names.Function + " to events of " + d.Names.Bucket, func(ctx context.Context) error {
			nc.LambdaFunctionConfigurations = append(nc.LambdaFunctionConfigurations[:0:0], nc.LambdaFunctionConfigurations...)
			for i := range nc.LambdaFunctionConfigurations {
				nc.LambdaFunctionConfigurations[i].LambdaFunctionArn = aws.String(arn)
			}
			_, err := c.s3.PutBucketNotificationConfiguration(ctx, &notification)
			return err
		}},
	})
	return arn, err
}
