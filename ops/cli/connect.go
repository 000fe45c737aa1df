package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/imgpipe/imgpipe/internal/stackfile"
)

// Connect makes the clients of stack s from the standard AWS chain. The
// stack's region, when given, wins over the chain's; with an endpoint (the
// local stack) every client talks to it and S3 uses path-style addressing.
func Connect(ctx context.Context, s stackfile.Stack) (*Clients, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if s.Region != "" {
		opts = append(opts, awsconfig.WithRegion(s.Region))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("no AWS region: set AWS_REGION (or a profile's region), or give the stack's region")
	}
	if s.Endpoint != "" {
		cfg.BaseEndpoint = aws.String(s.Endpoint)
		// A local endpoint accepts any key: when the chain has none, the
		// emulator's conventional static test credentials.
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		if _, err := cfg.Credentials.Retrieve(rctx); err != nil {
			cfg.Credentials = credentials.NewStaticCredentialsProvider("test", "test", "")
		}
		cancel()
	}
	stsc := sts.NewFromConfig(cfg)
	return &Clients{
		S3: s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = s.Endpoint != "" }),
		// A local emulator's DynamoDB answers fail the SDK's CRC32 check of
		// response bodies (kumo v0.33.1: one warning per call); AWS's are
		// checked as always.
		DynamoDB:   dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = s.Endpoint != "" }),
		Lambda:     lambda.NewFromConfig(cfg),
		SQS:        sqs.NewFromConfig(cfg),
		CloudWatch: cloudwatch.NewFromConfig(cfg),
		Control:    s3control.NewFromConfig(cfg),
		AccountID: func(ctx context.Context) (string, error) {
			out, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.Account), nil
		},
	}, nil
}
