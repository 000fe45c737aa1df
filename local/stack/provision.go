package stack

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/imgpipe/imgpipe/internal/contract"
)

// Settings the Terraform modules give the resources by default. Names and
// key schema come from internal/contract; these are the modules' tuning
// defaults (modules/storage and modules/processing variables).
const (
	functionRuntime          = lambdatypes.RuntimeProvidedal2023
	functionArchitecture     = lambdatypes.ArchitectureArm64
	functionHandler          = "bootstrap"
	functionMemoryMB         = 1024
	functionTimeoutSeconds   = 60
	noncurrentExpirationDays = 30
	abortMultipartDays       = 7
	notificationID           = "process-uploads"
)

// Names are the resource names of one environment, derived from one place
// as the Terraform modules do: "<name_prefix>-<environment>".
type Names struct {
	Bucket   string
	Table    string
	Function string
	Role     string
}

// NamesFor derives the resource names of environment under namePrefix.
func NamesFor(namePrefix, environment string) Names {
	base := namePrefix + "-" + environment
	return Names{
		Bucket:   base + "-images",
		Table:    base + "-metadata",
		Function: base + "-processor",
		Role:     base + "-processor",
	}
}

// clients are the AWS API clients the provisioner uses.
type clients struct {
	s3     *s3.Client
	ddb    *dynamodb.Client
	lambda *lambda.Client
	iam    *iam.Client
}

// functionEnv is the environment the function is configured with, as the
// processing module sets it: every name from internal/contract.
func functionEnv(environment, tableName string, overrides map[string]string) map[string]string {
	env := map[string]string{
		contract.EnvTableName:         tableName,
		contract.EnvEnvironment:       environment,
		contract.EnvUploadsPrefix:     contract.UploadsPrefix,
		contract.EnvThumbnailsPrefix:  contract.ThumbnailsPrefix,
		contract.EnvThumbnailSizes:    contract.SettingThumbnailSizes.EnvDefault(),
		contract.EnvJPEGQuality:       strconv.Itoa(contract.DefaultJPEGQuality),
		contract.EnvMaxImageBytes:     strconv.Itoa(contract.DefaultMaxImageBytes),
		contract.EnvMaxImagePixels:    strconv.Itoa(contract.DefaultMaxImagePixels),
		contract.EnvMetricNamespace:   contract.DefaultMetricNamespace,
		contract.EnvRecordConcurrency: strconv.Itoa(contract.DefaultRecordConcurrency),
		contract.EnvLogLevel:          contract.DefaultLogLevel,
	}
	for k, v := range overrides {
		env[k] = v
	}
	return env
}

// provisionStorage creates the bucket (versioning, default encryption,
// public access block, lifecycle) and the metadata table with its status
// index, as modules/storage declares them.
func provisionStorage(ctx context.Context, c clients, n Names) error {
	if _, err := c.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(n.Bucket)}); err != nil {
		return fmt.Errorf("create bucket %s: %w", n.Bucket, err)
	}
	if _, err := c.s3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  aws.String(n.Bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled},
	}); err != nil {
		return fmt.Errorf("enable versioning on %s: %w", n.Bucket, err)
	}
	if _, err := c.s3.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{
		Bucket: aws.String(n.Bucket),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
			Rules: []s3types.ServerSideEncryptionRule{{
				ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{
					SSEAlgorithm: s3types.ServerSideEncryptionAes256,
				},
				BucketKeyEnabled: aws.Bool(false), // only with a KMS key
			}},
		},
	}); err != nil {
		return fmt.Errorf("set default encryption on %s: %w", n.Bucket, err)
	}
	if _, err := c.s3.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{
		Bucket: aws.String(n.Bucket),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
			BlockPublicAcls:       aws.Bool(true),
			BlockPublicPolicy:     aws.Bool(true),
			IgnorePublicAcls:      aws.Bool(true),
			RestrictPublicBuckets: aws.Bool(true),
		},
	}); err != nil {
		return fmt.Errorf("block public access on %s: %w", n.Bucket, err)
	}
	// Object ownership BucketOwnerEnforced (set by the module) is not
	// provisioned: kumo rejects PutBucketOwnershipControls as MalformedXML,
	// and it is the default of every new bucket on AWS anyway.
	if _, err := c.s3.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{
		Bucket: aws.String(n.Bucket),
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{
			Rules: []s3types.LifecycleRule{{
				ID:                          aws.String("expire-noncurrent-versions"),
				Status:                      s3types.ExpirationStatusEnabled,
				Filter:                      &s3types.LifecycleRuleFilter{},
				NoncurrentVersionExpiration: &s3types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(noncurrentExpirationDays)},
				Expiration:                  &s3types.LifecycleExpiration{ExpiredObjectDeleteMarker: aws.Bool(true)},
			}, {
				ID:                             aws.String("abort-incomplete-multipart-uploads"),
				Status:                         s3types.ExpirationStatusEnabled,
				Filter:                         &s3types.LifecycleRuleFilter{},
				AbortIncompleteMultipartUpload: &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(abortMultipartDays)},
			}},
		},
	}); err != nil {
		return fmt.Errorf("set lifecycle on %s: %w", n.Bucket, err)
	}
	// Deny-only TLS policy, as the module attaches it (kumo stores bucket
	// policies but does not enforce them, so plain HTTP still works here).
	if _, err := c.s3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{
		Bucket: aws.String(n.Bucket),
		Policy: aws.String(tlsOnlyPolicy(n.Bucket)),
	}); err != nil {
		return fmt.Errorf("set the bucket policy of %s: %w", n.Bucket, err)
	}

	// Point-in-time recovery (on in the module) is not provisioned:
	// kumo answers UpdateContinuousBackups with UnknownOperation.
	_, err := c.ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(n.Table),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: aws.String(contract.TableHashKey), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String(contract.TableRangeKey), AttributeType: ddbtypes.ScalarAttributeTypeN},
			{AttributeName: aws.String(contract.StatusIndexHashKey), AttributeType: ddbtypes.ScalarAttributeTypeS},
		},
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String(contract.TableHashKey), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String(contract.TableRangeKey), KeyType: ddbtypes.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []ddbtypes.GlobalSecondaryIndex{{
			IndexName: aws.String(contract.StatusIndexName),
			KeySchema: []ddbtypes.KeySchemaElement{
				{AttributeName: aws.String(contract.StatusIndexHashKey), KeyType: ddbtypes.KeyTypeHash},
				{AttributeName: aws.String(contract.StatusIndexRangeKey), KeyType: ddbtypes.KeyTypeRange},
			},
			Projection: &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionTypeAll},
		}},
		SSESpecification:          &ddbtypes.SSESpecification{Enabled: aws.Bool(true)},
		DeletionProtectionEnabled: aws.Bool(true),
	})
	if err != nil {
		return fmt.Errorf("create table %s: %w", n.Table, err)
	}
	return nil
}

// provisionFunction creates the execution role and the function (with the
// package zip of the handler binary and its environment), allows S3 to
// invoke it, and subscribes it to ObjectCreated events under the uploads
// prefix, as modules/processing declares them. It returns the function ARN.
func provisionFunction(ctx context.Context, c clients, n Names, bootstrap string, env map[string]string) (string, error) {
	role, err := c.iam.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String(n.Role),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
			`"Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
	})
	if err != nil {
		return "", fmt.Errorf("create role %s: %w", n.Role, err)
	}
	pkg, err := zipBootstrap(bootstrap)
	if err != nil {
		return "", err
	}
	fn, err := c.lambda.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName:  aws.String(n.Function),
		Role:          role.Role.Arn,
		Runtime:       functionRuntime,
		Architectures: []lambdatypes.Architecture{functionArchitecture},
		Handler:       aws.String(functionHandler),
		MemorySize:    aws.Int32(functionMemoryMB),
		Timeout:       aws.Int32(functionTimeoutSeconds),
		Code:          &lambdatypes.FunctionCode{ZipFile: pkg},
		Environment:   &lambdatypes.Environment{Variables: env},
	})
	if err != nil {
		return "", fmt.Errorf("create function %s: %w", n.Function, err)
	}
	if _, err := c.lambda.AddPermission(ctx, &lambda.AddPermissionInput{
		FunctionName: aws.String(n.Function),
		StatementId:  aws.String("AllowInvokeFromImageBucket"),
		Action:       aws.String("lambda:InvokeFunction"),
		Principal:    aws.String("s3.amazonaws.com"),
		SourceArn:    aws.String("arn:aws:s3:::" + n.Bucket),
	}); err != nil {
		return "", fmt.Errorf("allow S3 to invoke %s: %w", n.Function, err)
	}
	if _, err := c.s3.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{
		Bucket: aws.String(n.Bucket),
		NotificationConfiguration: &s3types.NotificationConfiguration{
			LambdaFunctionConfigurations: []s3types.LambdaFunctionConfiguration{{
				Id:                aws.String(notificationID),
				LambdaFunctionArn: fn.FunctionArn,
				Events:            []s3types.Event{"s3:ObjectCreated:*"},
				Filter: &s3types.NotificationConfigurationFilter{Key: &s3types.S3KeyFilter{
					FilterRules: []s3types.FilterRule{{Name: s3types.FilterRuleNamePrefix, Value: aws.String(contract.UploadsPrefix)}},
				}},
			}},
		},
	}); err != nil {
		return "", fmt.Errorf("subscribe %s to uploads in %s: %w", n.Function, n.Bucket, err)
	}
	if fn.FunctionArn == nil {
		return "", errors.New("create function: no ARN in the response")
	}
	return *fn.FunctionArn, nil
}

// zipBootstrap packs the handler binary as a Lambda deployment package.
func zipBootstrap(path string) ([]byte, error) {
	bin, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the handler binary: %w", err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	hdr := &zip.FileHeader{Name: "bootstrap", Method: zip.Store} // the binary barely compresses; storing saves a second of CPU
	hdr.SetMode(0o755)
	w, err := zw.CreateHeader(hdr)
	if err == nil {
		_, err = w.Write(bin)
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("zip the handler binary: %w", err)
	}
	return buf.Bytes(), nil
}

// tlsOnlyPolicy denies any request over plain HTTP or TLS < 1.2.
func tlsOnlyPolicy(bucket string) string {
	res := fmt.Sprintf(`["arn:aws:s3:::%[1]s","arn:aws:s3:::%[1]s/*"]`, bucket)
	return `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":` + res +
		`,"Condition":{"Bool":{"aws:SecureTransport":"false"}}},` +
		`{"Sid":"DenyOutdatedTLS","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":` + res +
		`,"Condition":{"NumericLessThan":{"s3:TlsVersion":"1.2"}}}]}`
}
