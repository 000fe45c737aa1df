package stack

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/tfmodule"
)

// Addresses of what the local stack provisions, in modules/storage and
// modules/processing.
const (
	addrBucket       = "aws_s3_bucket.images"
	addrVersioning   = "aws_s3_bucket_versioning.images"
	addrEncryption   = "aws_s3_bucket_server_side_encryption_configuration.images"
	addrPublicAccess = "aws_s3_bucket_public_access_block.images"
	addrLifecycle    = "aws_s3_bucket_lifecycle_configuration.images"
	addrBucketPolicy = "aws_s3_bucket_policy.images"
	addrTable        = "aws_dynamodb_table.metadata"
	addrRole         = "aws_iam_role.processor"
	addrFunction     = "aws_lambda_function.processor"
	addrPermission   = "aws_lambda_permission.s3_invoke"
	addrNotification = "aws_s3_bucket_notification.uploads"
	addrDLQ          = "aws_sqs_queue.dlq"
	// Ingestion "sqs" only (counted: none with "direct").
	addrIngestQueue  = "aws_sqs_queue.ingest"
	addrIngestPolicy = "aws_sqs_queue_policy.ingest"
	addrMapping      = "aws_lambda_event_source_mapping.ingest"
)

// environment is what the local stack provisions into, as a root stack
// (terraform/) would pass it to the modules.
type environment struct {
	NamePrefix  string
	Environment string
	Account     string // data.aws_caller_identity.current.account_id
	Region      string // data.aws_region.current.region
	// ProcessingInputs are further inputs of modules/processing.
	ProcessingInputs map[string]any
	// PackagePath is the deployment zip (lambda_package_path).
	PackagePath string
	// QueueARN makes the queue of that name exist and returns its ARN,
	// which only the local AWS can tell (the redrive policy and the queue
	// policy name it); nil computes AWS's ARN for Region and Account
	// without creating anything (tests).
	QueueARN func(name string) (string, error)
}

// declaration is everything the local stack sends to the local AWS, as
// API inputs evaluated from the modules' HCL. The function's Role and Code
// and the notification's function ARN are filled in while provisioning.
type declaration struct {
	Names Names

	CreateBucket   *s3.CreateBucketInput
	Versioning     *s3.PutBucketVersioningInput
	Encryption     *s3.PutBucketEncryptionInput
	PublicAccess   *s3.PutPublicAccessBlockInput
	Lifecycle      *s3.PutBucketLifecycleConfigurationInput
	BucketPolicy   *s3.PutBucketPolicyInput
	CreateTable    *dynamodb.CreateTableInput
	CreateRole     *iam.CreateRoleInput
	CreateFunction *lambda.CreateFunctionInput
	Permission     *lambda.AddPermissionInput
	Notification   *s3.PutBucketNotificationConfigurationInput
	DLQ            *sqs.SetQueueAttributesInput // the dead-letter queue's attributes; QueueUrl filled in while provisioning

	// Ingestion is the module's ingestion mode (contract.IngestionModes).
	// With "sqs": the ingest queue's attributes (its redrive policy and
	// queue policy included; QueueUrl filled in while provisioning) and
	// the event source mapping (FunctionName filled in), and Permission is
	// nil; with "direct" the three are nil.
	Ingestion   string
	IngestQueue *sqs.SetQueueAttributesInput
	Mapping     *lambda.CreateEventSourceMappingInput
	// Poller is what the harness's event source mapping needs that kumo
	// does not keep (it stores batch size and window only).
	Poller MappingSettings
}

// MappingSettings are the event source mapping's settings as
// modules/processing declares them, for the harness's poller.
type MappingSettings struct {
	BatchSize               int
	BatchingWindow          time.Duration
	MaximumConcurrency      int
	ReportBatchItemFailures bool
	MaxReceiveCount         int
	VisibilityTimeout       time.Duration
}

// Names are the resource names of one environment, as the modules derive
// them.
type Names struct {
	Bucket   string
	Table    string
	Function string
	Role     string
	DLQ      string // the dead-letter queue
	EventBus string // modules/events' bus (set by Start, once the table's stream exists)
	// IngestQueue is the ingest queue (ingestion "sqs"), "" with "direct".
	IngestQueue string
}

// declare evaluates modules/storage and modules/processing under
// modulesDir for env, wiring them as terraform/main.tf does (the bucket and
// table outputs of storage are inputs of processing).
func declare(modulesDir string, env environment) (*declaration, error) {
	storage, err := tfmodule.Load(filepath.Join(modulesDir, "storage"))
	if err != nil {
		return nil, err
	}
	processing, err := tfmodule.Load(filepath.Join(modulesDir, "processing"))
	if err != nil {
		return nil, err
	}
	known := map[string]cty.Value{
		"data.aws_caller_identity.current": cty.ObjectVal(map[string]cty.Value{"account_id": cty.StringVal(env.Account)}),
		"data.aws_region.current":          cty.ObjectVal(map[string]cty.Value{"region": cty.StringVal(env.Region), "name": cty.StringVal(env.Region)}),
	}
	common := map[string]cty.Value{
		"name_prefix": cty.StringVal(env.NamePrefix),
		"environment": cty.StringVal(env.Environment),
	}
	opts := tfmodule.Options{Inputs: common, Known: known, Data: policyDocument}

	// The bucket's and table's ARNs are what AWS would assign: known once
	// their names are.
	st, err := storage.Eval(opts)
	if err != nil {
		return nil, err
	}
	d := &declaration{}
	if d.Names.Bucket, err = attr(st, addrBucket, (*tfmodule.Block).String, "bucket"); err != nil {
		return nil, err
	}
	if d.Names.Table, err = attr(st, addrTable, (*tfmodule.Block).String, "name"); err != nil {
		return nil, err
	}
	bucketARN := "arn:aws:s3:::" + d.Names.Bucket
	tableARN := fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", env.Region, env.Account, d.Names.Table)
	known[addrBucket] = cty.ObjectVal(map[string]cty.Value{
		"arn": cty.StringVal(bucketARN), "id": cty.StringVal(d.Names.Bucket), "bucket": cty.StringVal(d.Names.Bucket),
	})
	known[addrTable] = cty.ObjectVal(map[string]cty.Value{
		"arn": cty.StringVal(tableARN), "id": cty.StringVal(d.Names.Table), "name": cty.StringVal(d.Names.Table),
	})
	if st, err = storage.Eval(opts); err != nil {
		return nil, err
	}
	if err := d.declareStorage(st); err != nil {
		return nil, err
	}

	inputs := map[string]cty.Value{"lambda_package_path": cty.StringVal(env.PackagePath)}
	for k, v := range common {
		inputs[k] = v
	}
	for _, wire := range []struct{ input, output string }{
		{"bucket_name", "bucket_name"}, {"bucket_arn", "bucket_arn"}, {"table_name", "table_name"}, {"table_arn", "table_arn"},
	} {
		if inputs[wire.input], err = st.Output(wire.output); err != nil {
			return nil, err
		}
	}
	for k, v := range env.ProcessingInputs {
		cv, err := toCty(v)
		if err != nil {
			return nil, fmt.Errorf("input %s of modules/processing: %w", k, err)
		}
		inputs[k] = cv
	}
	popts := tfmodule.Options{Inputs: inputs, Known: known, Data: policyDocument}
	pr, err := processing.Eval(popts)
	if err != nil {
		return nil, err
	}
	// The queues' ARNs are the local AWS's to tell: the queues are made
	// first (env.QueueARN), then the module is evaluated again with them.
	if err := knowQueues(pr, env, known); err != nil {
		return nil, err
	}
	if pr, err = processing.Eval(popts); err != nil {
		return nil, err
	}
	if err := d.declareProcessing(pr); err != nil {
		return nil, err
	}
	return d, nil
}

// knowQueues adds the ARNs of the queues modules/processing declares (the
// dead-letter queue, and the ingest queue with ingestion "sqs") to known,
// asking env.QueueARN for each.
func knowQueues(pr *tfmodule.Eval, env environment, known map[string]cty.Value) error {
	arnOf := env.QueueARN
	if arnOf == nil {
		arnOf = func(name string) (string, error) {
			return fmt.Sprintf("arn:aws:sqs:%s:%s:%s", env.Region, env.Account, name), nil
		}
	}
	queue := func(b *tfmodule.Block) (cty.Value, error) {
		name, err := b.String("name")
		if err != nil {
			return cty.NilVal, err
		}
		arn, err := arnOf(name)
		if err != nil {
			return cty.NilVal, fmt.Errorf("create queue %s: %w", name, err)
		}
		return cty.ObjectVal(map[string]cty.Value{"arn": cty.StringVal(arn), "name": cty.StringVal(name)}), nil
	}
	dlq, err := pr.Resource(addrDLQ)
	if err != nil {
		return err
	}
	if known[addrDLQ], err = queue(dlq); err != nil {
		return err
	}
	ingest, err := pr.Instances(addrIngestQueue)
	if err != nil || len(ingest) == 0 {
		return err // ingestion "direct": references to the queue stay unknown, in branches not taken
	}
	vals := make([]cty.Value, len(ingest))
	for i, b := range ingest {
		if vals[i], err = queue(b); err != nil {
			return err
		}
	}
	known[addrIngestQueue] = cty.TupleVal(vals)
	return nil
}

// attr reads one attribute of the resource at addr with get.
func attr[T any](e *tfmodule.Eval, addr string, get func(*tfmodule.Block, string) (T, error), name string) (T, error) {
	var zero T
	b, err := e.Resource(addr)
	if err != nil {
		return zero, err
	}
	return get(b, name)
}

// toCty converts a Go value (string, number, bool, slices and maps of
// them) as JSON would.
func toCty(v any) (cty.Value, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return cty.NilVal, err
	}
	ty, err := ctyjson.ImpliedType(raw)
	if err != nil {
		return cty.NilVal, err
	}
	return ctyjson.Unmarshal(raw, ty)
}

// reader reads attributes of one module, keeping the first error.
type reader struct {
	e   *tfmodule.Eval
	err error
}

func (r *reader) fail(err error) {
	if r.err == nil && err != nil {
		r.err = err
	}
}

func (r *reader) resource(addr string) *tfmodule.Block {
	b, err := r.e.Resource(addr)
	r.fail(err)
	return b
}

// blocks returns the nested blocks typ of b; want, when not negative, is
// how many there must be.
func (r *reader) blocks(b *tfmodule.Block, typ string, want int) []*tfmodule.Block {
	if b == nil {
		return nil
	}
	bs, err := b.Blocks(typ)
	r.fail(err)
	if err == nil && want >= 0 && len(bs) != want {
		r.fail(fmt.Errorf("%s has %d %s blocks; the local stack provisions exactly %d", b.Path, len(bs), typ, want))
		return nil
	}
	return bs
}

func get[T any](r *reader, b *tfmodule.Block, name string, f func(*tfmodule.Block, string) (T, error)) T {
	var zero T
	if b == nil {
		return zero
	}
	v, err := f(b, name)
	r.fail(err)
	return v
}

func (r *reader) str(b *tfmodule.Block, name string) string {
	return get(r, b, name, (*tfmodule.Block).String)
}

// optStr is a string attribute that may be unset or null ("" then).
func (r *reader) optStr(b *tfmodule.Block, name string) string {
	if b == nil || !b.Has(name) {
		return ""
	}
	v, err := b.Value(name)
	if err != nil {
		r.fail(err)
		return ""
	}
	if v.IsNull() {
		return ""
	}
	return r.str(b, name)
}

func (r *reader) int32(b *tfmodule.Block, name string) int32 {
	n := get(r, b, name, (*tfmodule.Block).Int)
	if int64(int32(n)) != n {
		r.fail(fmt.Errorf("%s.%s = %d does not fit the API's int32", b.Path, name, n))
	}
	return int32(n)
}

func (r *reader) boolean(b *tfmodule.Block, name string) bool {
	return get(r, b, name, (*tfmodule.Block).Bool)
}

func (r *reader) strings(b *tfmodule.Block, name string) []string {
	return get(r, b, name, (*tfmodule.Block).Strings)
}

// instances returns the instances of the (possibly counted) resource at
// addr; want, when not negative, is the most there may be.
func (r *reader) instances(addr string, most int) []*tfmodule.Block {
	bs, err := r.e.Instances(addr)
	r.fail(err)
	if err == nil && most >= 0 && len(bs) > most {
		r.fail(fmt.Errorf("%s has %d instances; the local stack provisions at most %d", addr, len(bs), most))
		return nil
	}
	return bs
}

// keyFilter is the S3 key filter of a notification's destination block.
func (r *reader) keyFilter(b *tfmodule.Block) *s3types.NotificationConfigurationFilter {
	var rules []s3types.FilterRule
	if v := r.optStr(b, "filter_prefix"); v != "" {
		rules = append(rules, s3types.FilterRule{Name: s3types.FilterRuleNamePrefix, Value: aws.String(v)})
	}
	if v := r.optStr(b, "filter_suffix"); v != "" {
		rules = append(rules, s3types.FilterRule{Name: s3types.FilterRuleNameSuffix, Value: aws.String(v)})
	}
	if len(rules) == 0 {
		return nil
	}
	return &s3types.NotificationConfigurationFilter{Key: &s3types.S3KeyFilter{FilterRules: rules}}
}

// only fails unless b's nested blocks are all among handled: a block the
// local stack would silently drop is refused instead.
func (r *reader) only(b *tfmodule.Block, handled ...string) {
	if b == nil {
		return
	}
	for _, t := range b.BlockTypes() {
		if !slices.Contains(handled, t) {
			r.fail(fmt.Errorf("%s has a %q block, which the local stack does not provision: teach local/stack (declared.go) to", b.Path, t))
		}
	}
}

func (d *declaration) declareStorage(e *tfmodule.Eval) error {
	r := &reader{e: e}
	bucket := aws.String(d.Names.Bucket)
	d.CreateBucket = &s3.CreateBucketInput{Bucket: bucket}

	v := r.resource(addrVersioning)
	for _, c := range r.blocks(v, "versioning_configuration", 1) {
		d.Versioning = &s3.PutBucketVersioningInput{Bucket: bucket, VersioningConfiguration: &s3types.VersioningConfiguration{
			Status: s3types.BucketVersioningStatus(r.str(c, "status")),
		}}
	}

	enc := &s3types.ServerSideEncryptionConfiguration{}
	for _, rule := range r.blocks(r.resource(addrEncryption), "rule", -1) {
		out := s3types.ServerSideEncryptionRule{BucketKeyEnabled: aws.Bool(r.boolean(rule, "bucket_key_enabled"))}
		for _, def := range r.blocks(rule, "apply_server_side_encryption_by_default", 1) {
			out.ApplyServerSideEncryptionByDefault = &s3types.ServerSideEncryptionByDefault{
				SSEAlgorithm: s3types.ServerSideEncryption(r.str(def, "sse_algorithm")),
			}
			if key := r.optStr(def, "kms_master_key_id"); key != "" {
				out.ApplyServerSideEncryptionByDefault.KMSMasterKeyID = aws.String(key)
			}
		}
		enc.Rules = append(enc.Rules, out)
	}
	d.Encryption = &s3.PutBucketEncryptionInput{Bucket: bucket, ServerSideEncryptionConfiguration: enc}

	pab := r.resource(addrPublicAccess)
	d.PublicAccess = &s3.PutPublicAccessBlockInput{Bucket: bucket, PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
		BlockPublicAcls:       aws.Bool(r.boolean(pab, "block_public_acls")),
		BlockPublicPolicy:     aws.Bool(r.boolean(pab, "block_public_policy")),
		IgnorePublicAcls:      aws.Bool(r.boolean(pab, "ignore_public_acls")),
		RestrictPublicBuckets: aws.Bool(r.boolean(pab, "restrict_public_buckets")),
	}}

	lc := &s3types.BucketLifecycleConfiguration{}
	for _, rule := range r.blocks(r.resource(addrLifecycle), "rule", -1) {
		r.only(rule, "filter", "noncurrent_version_expiration", "expiration", "abort_incomplete_multipart_upload")
		out := s3types.LifecycleRule{
			ID:     aws.String(r.str(rule, "id")),
			Status: s3types.ExpirationStatus(r.str(rule, "status")),
			Filter: &s3types.LifecycleRuleFilter{}, // no filter, or an empty one: every object
		}
		for _, f := range r.blocks(rule, "filter", -1) {
			r.only(f)
			if attrs := f.Attributes(); len(attrs) > 0 {
				r.fail(fmt.Errorf("%s filters objects (%s), which the local stack does not provision: teach local/stack (declared.go) to", f.Path, strings.Join(attrs, ", ")))
			}
		}
		for _, x := range r.blocks(rule, "noncurrent_version_expiration", -1) {
			out.NoncurrentVersionExpiration = &s3types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(r.int32(x, "noncurrent_days"))}
		}
		for _, x := range r.blocks(rule, "expiration", -1) {
			r.only(x)
			out.Expiration = &s3types.LifecycleExpiration{ExpiredObjectDeleteMarker: aws.Bool(r.boolean(x, "expired_object_delete_marker"))}
		}
		for _, x := range r.blocks(rule, "abort_incomplete_multipart_upload", -1) {
			out.AbortIncompleteMultipartUpload = &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(r.int32(x, "days_after_initiation"))}
		}
		lc.Rules = append(lc.Rules, out)
	}
	d.Lifecycle = &s3.PutBucketLifecycleConfigurationInput{Bucket: bucket, LifecycleConfiguration: lc}

	d.BucketPolicy = &s3.PutBucketPolicyInput{Bucket: bucket, Policy: aws.String(r.str(r.resource(addrBucketPolicy), "policy"))}

	tbl := r.resource(addrTable)
	r.only(tbl, "attribute", "global_secondary_index", "server_side_encryption", "point_in_time_recovery", "ttl")
	if ttl := r.blocks(tbl, "ttl", -1); len(ttl) > 0 {
		r.fail(fmt.Errorf("%s enables TTL (ttl_attribute), which the local stack does not provision", addrTable))
	}
	ct := &dynamodb.CreateTableInput{
		TableName:                 aws.String(d.Names.Table),
		BillingMode:               ddbtypes.BillingMode(r.str(tbl, "billing_mode")),
		DeletionProtectionEnabled: aws.Bool(r.boolean(tbl, "deletion_protection_enabled")),
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String(r.str(tbl, "hash_key")), KeyType: ddbtypes.KeyTypeHash},
		},
	}
	if rk := r.optStr(tbl, "range_key"); rk != "" {
		ct.KeySchema = append(ct.KeySchema, ddbtypes.KeySchemaElement{AttributeName: aws.String(rk), KeyType: ddbtypes.KeyTypeRange})
	}
	if tbl != nil && tbl.Has("stream_enabled") && r.boolean(tbl, "stream_enabled") {
		ct.StreamSpecification = &ddbtypes.StreamSpecification{
			StreamEnabled:  aws.Bool(true),
			StreamViewType: ddbtypes.StreamViewType(r.str(tbl, "stream_view_type")),
		}
	}
	for _, a := range r.blocks(tbl, "attribute", -1) {
		ct.AttributeDefinitions = append(ct.AttributeDefinitions, ddbtypes.AttributeDefinition{
			AttributeName: aws.String(r.str(a, "name")), AttributeType: ddbtypes.ScalarAttributeType(r.str(a, "type")),
		})
	}
	for _, g := range r.blocks(tbl, "global_secondary_index", -1) {
		gsi := ddbtypes.GlobalSecondaryIndex{
			IndexName:  aws.String(r.str(g, "name")),
			KeySchema:  []ddbtypes.KeySchemaElement{{AttributeName: aws.String(r.str(g, "hash_key")), KeyType: ddbtypes.KeyTypeHash}},
			Projection: &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionType(r.str(g, "projection_type"))},
		}
		if rk := r.optStr(g, "range_key"); rk != "" {
			gsi.KeySchema = append(gsi.KeySchema, ddbtypes.KeySchemaElement{AttributeName: aws.String(rk), KeyType: ddbtypes.KeyTypeRange})
		}
		ct.GlobalSecondaryIndexes = append(ct.GlobalSecondaryIndexes, gsi)
	}
	for _, sse := range r.blocks(tbl, "server_side_encryption", -1) {
		ct.SSESpecification = &ddbtypes.SSESpecification{Enabled: aws.Bool(r.boolean(sse, "enabled"))}
		if key := r.optStr(sse, "kms_key_arn"); key != "" {
			ct.SSESpecification.SSEType = ddbtypes.SSETypeKms
			ct.SSESpecification.KMSMasterKeyId = aws.String(key)
		}
	}
	d.CreateTable = ct
	if r.err != nil {
		return fmt.Errorf("modules/storage: %w", r.err)
	}
	return nil
}

func (d *declaration) declareProcessing(e *tfmodule.Eval) error {
	r := &reader{e: e}
	role := r.resource(addrRole)
	d.Names.Role = r.str(role, "name")
	d.CreateRole = &iam.CreateRoleInput{
		RoleName:                 aws.String(d.Names.Role),
		AssumeRolePolicyDocument: aws.String(r.str(role, "assume_role_policy")),
	}
	if desc := r.optStr(role, "description"); desc != "" {
		d.CreateRole.Description = aws.String(desc)
	}

	fn := r.resource(addrFunction)
	d.Names.Function = r.str(fn, "function_name")
	cf := &lambda.CreateFunctionInput{
		FunctionName: aws.String(d.Names.Function),
		Description:  aws.String(r.optStr(fn, "description")),
		Runtime:      lambdatypes.Runtime(r.str(fn, "runtime")),
		Handler:      aws.String(r.str(fn, "handler")),
		MemorySize:   aws.Int32(r.int32(fn, "memory_size")),
		Timeout:      aws.Int32(r.int32(fn, "timeout")),
	}
	for _, a := range r.strings(fn, "architectures") {
		cf.Architectures = append(cf.Architectures, lambdatypes.Architecture(a))
	}
	for _, env := range r.blocks(fn, "environment", 1) {
		vars, err := env.StringMap("variables")
		r.fail(err)
		cf.Environment = &lambdatypes.Environment{Variables: vars}
	}
	d.CreateFunction = cf

	q := r.resource(addrDLQ)
	d.Names.DLQ = r.str(q, "name")
	d.DLQ = &sqs.SetQueueAttributesInput{Attributes: map[string]string{
		string(sqstypes.QueueAttributeNameMessageRetentionPeriod): strconv.FormatInt(int64(r.int32(q, "message_retention_seconds")), 10),
		string(sqstypes.QueueAttributeNameSqsManagedSseEnabled):   strconv.FormatBool(r.boolean(q, "sqs_managed_sse_enabled")),
	}}

	ingestion, err := e.Var("ingestion")
	r.fail(err)
	if err == nil {
		d.Ingestion = ingestion.AsString()
	}
	for _, p := range r.instances(addrPermission, 1) {
		d.Permission = &lambda.AddPermissionInput{
			FunctionName:  aws.String(d.Names.Function),
			StatementId:   aws.String(r.str(p, "statement_id")),
			Action:        aws.String(r.str(p, "action")),
			Principal:     aws.String(r.str(p, "principal")),
			SourceArn:     aws.String(r.str(p, "source_arn")),
			SourceAccount: aws.String(r.str(p, "source_account")),
		}
	}
	ingestARN := d.declareIngestion(r)

	n := r.resource(addrNotification)
	nc := &s3types.NotificationConfiguration{}
	for _, lf := range r.blocks(n, "lambda_function", -1) {
		c := s3types.LambdaFunctionConfiguration{Id: aws.String(r.str(lf, "id"))}
		for _, ev := range r.strings(lf, "events") {
			c.Events = append(c.Events, s3types.Event(ev))
		}
		c.Filter = r.keyFilter(lf)
		nc.LambdaFunctionConfigurations = append(nc.LambdaFunctionConfigurations, c)
	}
	for _, qc := range r.blocks(n, "queue", -1) {
		c := s3types.QueueConfiguration{Id: aws.String(r.str(qc, "id")), QueueArn: aws.String(r.str(qc, "queue_arn"))}
		for _, ev := range r.strings(qc, "events") {
			c.Events = append(c.Events, s3types.Event(ev))
		}
		c.Filter = r.keyFilter(qc)
		if r.err == nil && aws.ToString(c.QueueArn) != ingestARN {
			r.fail(fmt.Errorf("%s notifies queue %s, not the ingest queue %s", addrNotification, aws.ToString(c.QueueArn), ingestARN))
		}
		nc.QueueConfigurations = append(nc.QueueConfigurations, c)
	}
	r.only(n, "lambda_function", "queue")
	d.Notification = &s3.PutBucketNotificationConfigurationInput{
		Bucket:                    aws.String(r.str(n, "bucket")),
		NotificationConfiguration: nc,
	}
	if r.err != nil {
		return fmt.Errorf("modules/processing: %w", r.err)
	}
	if aws.ToString(d.Notification.Bucket) != d.Names.Bucket {
		return errors.New("modules/processing: the notification is not on the bucket of modules/storage")
	}
	if sqsMode := d.Ingestion == contract.IngestionSQS; sqsMode != (d.IngestQueue != nil && d.Mapping != nil && len(nc.QueueConfigurations) == 1 && len(nc.LambdaFunctionConfigurations) == 0 && d.Permission == nil) ||
		(!sqsMode && (len(nc.LambdaFunctionConfigurations) != 1 || d.Permission == nil)) {
		return fmt.Errorf("modules/processing: ingestion %q, but the module declares an ingest queue: %t, a mapping: %t, %d queue and %d function notifications, an S3 invoke permission: %t",
			d.Ingestion, d.IngestQueue != nil, d.Mapping != nil, len(nc.QueueConfigurations), len(nc.LambdaFunctionConfigurations), d.Permission != nil)
	}
	return nil
}

// declareIngestion reads the ingest queue, its policy and the event source
// mapping (ingestion "sqs"; none with "direct") and returns the queue's
// ARN ("" without one).
func (d *declaration) declareIngestion(r *reader) string {
	queues := r.instances(addrIngestQueue, -1)
	if len(queues) == 0 {
		return ""
	}
	q := queues[0]
	d.Names.IngestQueue = r.str(q, "name")
	redrive := r.str(q, "redrive_policy")
	d.IngestQueue = &sqs.SetQueueAttributesInput{Attributes: map[string]string{
		string(sqstypes.QueueAttributeNameVisibilityTimeout):      strconv.FormatInt(int64(r.int32(q, "visibility_timeout_seconds")), 10),
		string(sqstypes.QueueAttributeNameMessageRetentionPeriod): strconv.FormatInt(int64(r.int32(q, "message_retention_seconds")), 10),
		string(sqstypes.QueueAttributeNameSqsManagedSseEnabled):   strconv.FormatBool(r.boolean(q, "sqs_managed_sse_enabled")),
		string(sqstypes.QueueAttributeNameRedrivePolicy):          redrive,
	}}
	var rp struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		MaxReceiveCount     int    `json:"maxReceiveCount"`
	}
	if redrive != "" {
		if err := json.Unmarshal([]byte(redrive), &rp); err != nil || rp.DeadLetterTargetArn == "" || rp.MaxReceiveCount < 1 {
			r.fail(fmt.Errorf("%s.redrive_policy %q is not {deadLetterTargetArn, maxReceiveCount}: %v", addrIngestQueue, redrive, err))
		}
	}
	for _, p := range r.instances(addrIngestPolicy, 1) {
		d.IngestQueue.Attributes[string(sqstypes.QueueAttributeNamePolicy)] = r.str(p, "policy")
	}
	if _, ok := d.IngestQueue.Attributes[string(sqstypes.QueueAttributeNamePolicy)]; !ok && r.err == nil {
		r.fail(fmt.Errorf("%s has no %s", addrIngestQueue, addrIngestPolicy))
	}
	queueARN := ""
	for _, m := range r.instances(addrMapping, 1) {
		r.only(m, "scaling_config")
		queueARN = r.str(m, "event_source_arn")
		d.Mapping = &lambda.CreateEventSourceMappingInput{
			EventSourceArn:                 aws.String(queueARN),
			BatchSize:                      aws.Int32(r.int32(m, "batch_size")),
			MaximumBatchingWindowInSeconds: aws.Int32(r.int32(m, "maximum_batching_window_in_seconds")),
			Enabled:                        aws.Bool(r.boolean(m, "enabled")),
		}
		for _, t := range r.strings(m, "function_response_types") {
			d.Mapping.FunctionResponseTypes = append(d.Mapping.FunctionResponseTypes, lambdatypes.FunctionResponseType(t))
		}
		for _, sc := range r.blocks(m, "scaling_config", 1) {
			d.Mapping.ScalingConfig = &lambdatypes.ScalingConfig{MaximumConcurrency: aws.Int32(r.int32(sc, "maximum_concurrency"))}
		}
		if d.Mapping.ScalingConfig != nil {
			d.Poller = MappingSettings{
				BatchSize:               int(aws.ToInt32(d.Mapping.BatchSize)),
				BatchingWindow:          time.Duration(aws.ToInt32(d.Mapping.MaximumBatchingWindowInSeconds)) * time.Second,
				MaximumConcurrency:      int(aws.ToInt32(d.Mapping.ScalingConfig.MaximumConcurrency)),
				ReportBatchItemFailures: slices.Contains(d.Mapping.FunctionResponseTypes, lambdatypes.FunctionResponseTypeReportBatchItemFailures),
				MaxReceiveCount:         rp.MaxReceiveCount,
				VisibilityTimeout:       time.Duration(r.int32(q, "visibility_timeout_seconds")) * time.Second,
			}
		}
	}
	return queueARN
}
