package stack

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
)

func TestListenNamesTheProcessHoldingThePort(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0") // a free port, never 4566
	require.NoError(t, err)
	defer func() { assert.NoError(t, held.Close()) }()

	_, err = listen(context.Background(), held.Addr().String(), 0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is taken by")
	if _, statErr := os.Stat("/proc/net/tcp"); statErr == nil {
		assert.Contains(t, err.Error(), "pid "+strconv.Itoa(os.Getpid()))
	}
}

// With a wait, listen takes the port once its holder lets it go (without
// the wait it would fail at once, as above).
func TestListenWaitsForThePort(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := held.Addr().String()
	got := make(chan error, 1)
	go func() {
		ln, err := listen(context.Background(), addr, time.Minute)
		if err == nil {
			err = ln.Close()
		}
		got <- err
	}()
	time.Sleep(300 * time.Millisecond) // listen meets the port taken first
	require.NoError(t, held.Close())
	require.NoError(t, <-got)

	held2, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer func() { require.NoError(t, held2.Close()) }()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = listen(ctx, held2.Addr().String(), time.Minute)
	assert.ErrorIs(t, err, context.Canceled, "an interrupt ends the wait")
}

// modulesDir is the repository's modules/.
func modulesDir(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok)
	return filepath.Join(filepath.Dir(file), "..", "..", "modules")
}

// copyModules copies modules/ to a temporary folder, for edits.
func copyModules(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "modules")
	require.NoError(t, os.CopyFS(dst, os.DirFS(modulesDir(t))))
	return dst
}

// edit replaces old, which must occur once, by new in file.
func edit(t *testing.T, file, old, new string) {
	t.Helper()
	src, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, 1, strings.Count(string(src), old), "%q in %s", old, file)
	require.NoError(t, os.WriteFile(file, []byte(strings.Replace(string(src), old, new, 1)), 0o644))
}

func testEnv() environment {
	return environment{NamePrefix: "imgpipe", Environment: "unit", Account: "000000000000", Region: "us-east-1", PackagePath: "/tmp/processor.zip"}
}

// TestDeclarationFollowsModuleDefaults changes defaults of both modules in
// a copy and sees the declaration follow: the local stack restates none.
func TestDeclarationFollowsModuleDefaults(t *testing.T) {
	before, err := declare(modulesDir(t), testEnv())
	require.NoError(t, err)

	dir := copyModules(t)
	edit(t, filepath.Join(dir, "processing", "variables.tf"),
		"default     = 1024\n", "default     = 1536\n") // memory_size
	edit(t, filepath.Join(dir, "processing", "variables.tf"),
		"default     = 60\n", "default     = 75\n") // timeout
	edit(t, filepath.Join(dir, "storage", "variables.tf"),
		"default     = 30\n", "default     = 45\n") // noncurrent_version_expiration_days
	edit(t, filepath.Join(dir, "processing", "main.tf"),
		`id            = "process-uploads"`, `id            = "renamed"`) // the queue notification (default ingestion sqs)
	edit(t, filepath.Join(dir, "processing", "variables.tf"),
		"default     = 50\n", "default     = 7\n") // ingest_maximum_concurrency
	after, err := declare(dir, testEnv())
	require.NoError(t, err)

	assert.NotEqual(t, int32(1536), aws.ToInt32(before.CreateFunction.MemorySize))
	assert.Equal(t, int32(1536), aws.ToInt32(after.CreateFunction.MemorySize))
	assert.Equal(t, int32(75), aws.ToInt32(after.CreateFunction.Timeout))
	assert.Equal(t, int32(45), aws.ToInt32(after.Lifecycle.LifecycleConfiguration.Rules[0].NoncurrentVersionExpiration.NoncurrentDays))
	assert.Equal(t, "renamed", aws.ToString(after.Notification.NotificationConfiguration.QueueConfigurations[0].Id))
	assert.Equal(t, 7, after.Poller.MaximumConcurrency, "the poller's concurrency is the module's maximum_concurrency")
	assert.Equal(t, 75*6*time.Second, after.Poller.VisibilityTimeout, "the visibility timeout follows the function's timeout")
	assert.Equal(t, before.CreateFunction.Environment, after.CreateFunction.Environment, "nothing else changed")
}

// TestDeclaration checks what is declared against what the modules and
// internal/contract promise.
func TestDeclaration(t *testing.T) {
	d, err := declare(modulesDir(t), testEnv())
	require.NoError(t, err)
	assert.Equal(t, Names{
		Bucket: "imgpipe-unit-images-000000000000", Table: "imgpipe-unit-metadata",
		Function: "imgpipe-unit-processor", Role: "imgpipe-unit-processor", DLQ: "imgpipe-unit-processor-dlq",
		IngestQueue: "imgpipe-unit-processor-ingest",
	}, d.Names)
	assert.Equal(t, map[string]string{"MessageRetentionPeriod": "1209600", "SqsManagedSseEnabled": "true"}, d.DLQ.Attributes,
		"the dead-letter queue as modules/processing declares it")

	env := d.CreateFunction.Environment.Variables
	assert.Equal(t, d.Names.Table, env[contract.EnvTableName])
	assert.Equal(t, "unit", env[contract.EnvEnvironment])
	for _, s := range contract.Settings {
		switch {
		case s.Input:
			assert.Equal(t, s.EnvDefault(), env[s.Env], "%s: the module's default, which is the contract's", s.Env)
		case s.HCL == "":
			assert.NotContains(t, env, s.Env, "Terraform never sets %s", s.Env)
		}
	}
	assert.Equal(t, "provided.al2023", string(d.CreateFunction.Runtime))
	assert.Equal(t, "bootstrap", aws.ToString(d.CreateFunction.Handler))

	var policy struct {
		Statement []struct {
			Sid       string
			Effect    string
			Principal any
			Resource  []string
			Condition map[string]map[string]string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(aws.ToString(d.BucketPolicy.Policy)), &policy))
	require.Len(t, policy.Statement, 2)
	arn := "arn:aws:s3:::" + d.Names.Bucket
	for _, s := range policy.Statement {
		assert.Equal(t, "Deny", s.Effect, s.Sid)
		assert.Equal(t, "*", s.Principal, s.Sid)
		assert.Equal(t, []string{arn, arn + "/*"}, s.Resource, s.Sid)
	}
	assert.Equal(t, map[string]map[string]string{"Bool": {"aws:SecureTransport": "false"}}, policy.Statement[0].Condition)
	assert.Equal(t, map[string]map[string]string{"NumericLessThan": {"s3:TlsVersion": "1.2"}}, policy.Statement[1].Condition)
	assert.Contains(t, aws.ToString(d.CreateRole.AssumeRolePolicyDocument), `"Principal":{"Service":"lambda.amazonaws.com"}`)

	// The default ingestion: the bucket notifies the ingest queue, which
	// redrives to the dead-letter queue; S3 may not invoke the function.
	assert.Equal(t, contract.IngestionSQS, d.Ingestion)
	assert.Nil(t, d.Permission)
	ingestARN := "arn:aws:sqs:us-east-1:000000000000:imgpipe-unit-processor-ingest"
	qc := d.Notification.NotificationConfiguration.QueueConfigurations
	require.Len(t, qc, 1)
	assert.Empty(t, d.Notification.NotificationConfiguration.LambdaFunctionConfigurations)
	assert.Equal(t, ingestARN, aws.ToString(qc[0].QueueArn))
	require.NotNil(t, qc[0].Filter)
	require.Len(t, qc[0].Filter.Key.FilterRules, 1, "prefix only")
	assert.Equal(t, contract.UploadsPrefix, aws.ToString(qc[0].Filter.Key.FilterRules[0].Value))
	assert.Equal(t, "imgpipe-unit-processor-ingest", d.Names.IngestQueue)
	attrs := d.IngestQueue.Attributes
	assert.Equal(t, "360", attrs["VisibilityTimeout"], "six times the 60 s timeout")
	assert.JSONEq(t, `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:imgpipe-unit-processor-dlq","maxReceiveCount":5}`, attrs["RedrivePolicy"])
	assert.Equal(t, "true", attrs["SqsManagedSseEnabled"])
	var qp struct {
		Statement []struct {
			Sid       string
			Effect    string
			Principal any
			Action    any
			Resource  any
			Condition map[string]map[string]string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(attrs["Policy"]), &qp))
	require.Len(t, qp.Statement, 2)
	assert.Equal(t, map[string]any{"Service": "s3.amazonaws.com"}, qp.Statement[0].Principal)
	assert.Equal(t, ingestARN, qp.Statement[0].Resource)
	assert.Equal(t, map[string]map[string]string{"ArnEquals": {"aws:SourceArn": arn}, "StringEquals": {"aws:SourceAccount": "000000000000"}}, qp.Statement[0].Condition)
	assert.Equal(t, ingestARN, aws.ToString(d.Mapping.EventSourceArn))
	assert.Equal(t, MappingSettings{BatchSize: 10, MaximumConcurrency: 50, ReportBatchItemFailures: true, MaxReceiveCount: 5, VisibilityTimeout: 360 * time.Second}, d.Poller)
	var events []string
	for _, ev := range qc[0].Events {
		events = append(events, string(ev))
	}
	assert.Equal(t, contract.TriggerEvents, events, "created and removed, as the direct trigger")
	prefix, ok, err := removalNotification(d.Notification.NotificationConfiguration)
	require.NoError(t, err)
	assert.True(t, ok, "removals are notified (by the harness, to the ingest queue: kumo sends none)")
	assert.Equal(t, contract.UploadsPrefix, prefix)

	keys := map[string]string{}
	for _, k := range d.CreateTable.KeySchema {
		keys[aws.ToString(k.AttributeName)] = string(k.KeyType)
	}
	assert.Equal(t, map[string]string{contract.TableHashKey: "HASH", contract.TableRangeKey: "RANGE"}, keys)
	require.Len(t, d.CreateTable.GlobalSecondaryIndexes, 1)
	assert.Equal(t, contract.StatusIndexName, aws.ToString(d.CreateTable.GlobalSecondaryIndexes[0].IndexName))
	assert.Len(t, d.CreateTable.AttributeDefinitions, 3)
	require.NotNil(t, d.CreateTable.StreamSpecification, "the table's stream feeds the events pipe")
	assert.True(t, aws.ToBool(d.CreateTable.StreamSpecification.StreamEnabled))
	assert.Equal(t, "NEW_AND_OLD_IMAGES", string(d.CreateTable.StreamSpecification.StreamViewType))
}

const testStream = "arn:aws:dynamodb:us-east-1:000000000000:table/imgpipe-unit-metadata/stream/2026-01-01T00:00:00.000"

// TestDeclareEvents reads the bus modules/events creates and accepts its
// pipe, which is the one the harness emulates.
func TestDeclareEvents(t *testing.T) {
	d, err := declareEvents(modulesDir(t), testEnv(), testStream)
	require.NoError(t, err)
	assert.Equal(t, "imgpipe-unit-events", d.Bus)
	assert.Equal(t, "imgpipe-unit-events-all", d.Queue)
}

// TestDeclareEventsRefusesAPipeItDoesNotEmulate: a pipe whose parameters
// depart from the contract's is an error naming the difference.
func TestDeclareEventsRefusesAPipeItDoesNotEmulate(t *testing.T) {
	for _, tc := range []struct{ old, new, want string }{
		{"batch_size                    = module.contract.pipe.batch_size", "batch_size                    = 5", "batch_size 5"},
		{"source      = module.contract.event_source", `source      = "other"`, "source other"},
		{"input_template = module.contract.pipe.input_template", `input_template = "<$.detailType>"`, "input_template"},
		{"for_each = module.contract.pipe_filter_patterns", "for_each = slice(module.contract.pipe_filter_patterns, 0, 1)", "filter patterns"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			dir := copyModules(t)
			edit(t, filepath.Join(dir, "events", "main.tf"), tc.old, tc.new)
			_, err := declareEvents(dir, testEnv(), testStream)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), "teach internal/eventpipe")
		})
	}
}

func TestRemovalNotificationRefusesWhatIsNotEmulated(t *testing.T) {
	for mode, line := range map[string]string{
		contract.IngestionDirect: "filter_prefix       = module.contract.uploads_prefix", // the lambda_function block
		contract.IngestionSQS:    "filter_prefix = module.contract.uploads_prefix",       // the queue block
	} {
		dir := copyModules(t)
		edit(t, filepath.Join(dir, "processing", "main.tf"), line, line+"\n      filter_suffix = \".jpg\"")
		env := testEnv()
		env.ProcessingInputs = map[string]any{"ingestion": mode}
		d, err := declare(dir, env)
		require.NoError(t, err, mode)
		_, _, err = removalNotification(d.Notification.NotificationConfiguration)
		assert.ErrorContains(t, err, "a suffix filter on removals", mode)
	}
}

// With ingestion "direct" S3 invokes the function: a permission and a
// Lambda notification, and no queue but the dead-letter queue.
func TestDeclarationDirect(t *testing.T) {
	env := testEnv()
	env.ProcessingInputs = map[string]any{"ingestion": contract.IngestionDirect}
	d, err := declare(modulesDir(t), env)
	require.NoError(t, err)
	assert.Equal(t, contract.IngestionDirect, d.Ingestion)
	assert.Nil(t, d.IngestQueue)
	assert.Nil(t, d.Mapping)
	assert.Empty(t, d.Names.IngestQueue)
	arn := "arn:aws:s3:::" + d.Names.Bucket
	require.NotNil(t, d.Permission)
	assert.Equal(t, arn, aws.ToString(d.Permission.SourceArn))
	assert.Equal(t, "s3.amazonaws.com", aws.ToString(d.Permission.Principal))
	assert.Equal(t, "000000000000", aws.ToString(d.Permission.SourceAccount))
	lf := d.Notification.NotificationConfiguration.LambdaFunctionConfigurations
	require.Len(t, lf, 1)
	assert.Empty(t, d.Notification.NotificationConfiguration.QueueConfigurations)
	require.NotNil(t, lf[0].Filter)
	require.Len(t, lf[0].Filter.Key.FilterRules, 1, "prefix only")
	assert.Equal(t, contract.UploadsPrefix, aws.ToString(lf[0].Filter.Key.FilterRules[0].Value))
	var events []string
	for _, ev := range lf[0].Events {
		events = append(events, string(ev))
	}
	assert.Equal(t, contract.TriggerEvents, events, "created and removed")
	prefix, ok, err := removalNotification(d.Notification.NotificationConfiguration)
	require.NoError(t, err)
	assert.True(t, ok, "removals are notified (by the harness: kumo sends none)")
	assert.Equal(t, contract.UploadsPrefix, prefix)
}

// The module's ingestion validation accepts exactly contract.IngestionModes.
func TestIngestionModesAreTheContracts(t *testing.T) {
	for _, mode := range contract.IngestionModes {
		env := testEnv()
		env.ProcessingInputs = map[string]any{"ingestion": mode}
		d, err := declare(modulesDir(t), env)
		require.NoError(t, err, mode)
		assert.Equal(t, mode, d.Ingestion)
	}
	env := testEnv()
	env.ProcessingInputs = map[string]any{"ingestion": "kinesis"}
	_, err := declare(modulesDir(t), env)
	assert.ErrorContains(t, err, `ingestion must be "direct" or "sqs".`)

	env.ProcessingInputs = map[string]any{"ingest_visibility_timeout_seconds": 100}
	_, err = declare(modulesDir(t), env)
	assert.ErrorContains(t, err, "must be at least six times the function's timeout", "the module's precondition holds locally too")
}

func TestProcessingInputs(t *testing.T) {
	env := testEnv()
	env.ProcessingInputs = map[string]any{"max_image_pixels": 1000, "thumbnail_sizes": []int{64, 128}}
	d, err := declare(modulesDir(t), env)
	require.NoError(t, err)
	assert.Equal(t, "1000", d.CreateFunction.Environment.Variables[contract.EnvMaxImagePixels])
	assert.Equal(t, "64,128", d.CreateFunction.Environment.Variables[contract.EnvThumbnailSizes])

	env.ProcessingInputs = map[string]any{"jpeg_quality": 0}
	_, err = declare(modulesDir(t), env)
	assert.ErrorContains(t, err, "jpeg_quality must be a whole number from 1 to 100.", "the module's own validation")

	env.ProcessingInputs = map[string]any{"no_such_input": 1}
	_, err = declare(modulesDir(t), env)
	assert.ErrorContains(t, err, `no input variable "no_such_input"`)
}

// TestDeclarationRefusesWhatItCannotProvision: a block the local stack
// does not translate fails loudly instead of being dropped.
func TestDeclarationRefusesWhatItCannotProvision(t *testing.T) {
	dir := copyModules(t)
	edit(t, filepath.Join(dir, "storage", "main.tf"), `    abort_incomplete_multipart_upload {`, `    transition {
      days          = 30
      storage_class = "STANDARD_IA"
    }

    abort_incomplete_multipart_upload {`)
	_, err := declare(dir, testEnv())
	assert.ErrorContains(t, err, `"transition" block, which the local stack does not provision`)

	// An empty filter means every object; a real one is refused.
	dir = copyModules(t)
	edit(t, filepath.Join(dir, "storage", "main.tf"), `    filter {}

    abort_incomplete_multipart_upload {`, `    filter {
      prefix = "logs/"
    }

    abort_incomplete_multipart_upload {`)
	_, err = declare(dir, testEnv())
	assert.ErrorContains(t, err, `filters objects (prefix), which the local stack does not provision`)
}

// TestInputsFromEnv: Lambda settings given as environment variables (make
// run THUMBNAIL_FORMATS=jpeg,webp) become the module's inputs and reach the
// function's environment as Terraform would set them; a bad value is
// refused by the module's validation.
func TestInputsFromEnv(t *testing.T) {
	given := map[string]string{
		contract.EnvThumbnailFormats: "JPEG, webp", contract.EnvWebPQuality: "80", contract.EnvThumbnailSizes: "128,64",
		contract.EnvColorOutput: "Preserve", contract.EnvThumbnailCacheControl: "no-cache", contract.EnvLogLevel: "debug",
		contract.EnvTableName: "not an input: ignored",
	}
	inputs, err := InputsFromEnv(func(k string) (string, bool) { v, ok := given[k]; return v, ok })
	require.NoError(t, err)
	assert.NotContains(t, inputs, "table_name")
	env := testEnv()
	env.ProcessingInputs = inputs
	d, err := declare(modulesDir(t), env)
	require.NoError(t, err)
	vars := d.CreateFunction.Environment.Variables
	assert.Equal(t, "jpeg,webp", vars[contract.EnvThumbnailFormats])
	assert.Equal(t, "80", vars[contract.EnvWebPQuality])
	assert.Equal(t, "128,64", vars[contract.EnvThumbnailSizes])
	assert.Equal(t, "preserve", vars[contract.EnvColorOutput])
	assert.Equal(t, "no-cache", vars[contract.EnvThumbnailCacheControl])
	assert.Equal(t, "DEBUG", vars[contract.EnvLogLevel])

	inputs, err = InputsFromEnv(func(k string) (string, bool) {
		return map[string]string{contract.EnvThumbnailFormats: "jpeg,gif"}[k], k == contract.EnvThumbnailFormats
	})
	require.NoError(t, err)
	env.ProcessingInputs = inputs
	_, err = declare(modulesDir(t), env)
	assert.ErrorContains(t, err, "thumbnail_formats must hold 1 to 3 of jpeg, webp, avif")

	_, err = InputsFromEnv(func(k string) (string, bool) { return "many", k == contract.EnvWebPQuality })
	assert.ErrorContains(t, err, `WEBP_QUALITY="many": want an integer`)

	// INGESTION picks the module's ingestion mode; its validation judges it.
	for value, want := range map[string]string{"direct": contract.IngestionDirect, " sqs ": contract.IngestionSQS} {
		inputs, err = InputsFromEnv(func(k string) (string, bool) { return value, k == EnvIngestion })
		require.NoError(t, err)
		env.ProcessingInputs = inputs
		d, err = declare(modulesDir(t), env)
		require.NoError(t, err, value)
		assert.Equal(t, want, d.Ingestion)
	}
	inputs, err = InputsFromEnv(func(k string) (string, bool) { return "kinesis", k == EnvIngestion })
	require.NoError(t, err)
	env.ProcessingInputs = inputs
	_, err = declare(modulesDir(t), env)
	assert.ErrorContains(t, err, `ingestion must be "direct" or "sqs".`)
}
