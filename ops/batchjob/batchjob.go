// Package batchjob runs a backfill as an S3 Batch Operations job, the
// engine for buckets with millions of objects: it writes a CSV manifest of
// the versions to process under the bucket's batch-operations/manifests/
// prefix (or takes an S3 Inventory manifest), creates a LambdaInvoke job
// (invocation schema 2.0) with a completion report under
// batch-operations/reports/, and follows a job to its end.
package batchjob

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	ctltypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/metadata"
	"github.com/imgpipe/imgpipe/ops/inventory"
	"github.com/imgpipe/imgpipe/ops/progress"
)

// ObjectAPI is the S3 calls the package makes (s3.Client).
type ObjectAPI interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

// ControlAPI is the S3 Control calls the package makes (s3control.Client).
type ControlAPI interface {
	CreateJob(ctx context.Context, in *s3control.CreateJobInput, optFns ...func(*s3control.Options)) (*s3control.CreateJobOutput, error)
	DescribeJob(ctx context.Context, in *s3control.DescribeJobInput, optFns ...func(*s3control.Options)) (*s3control.DescribeJobOutput, error)
}

// The job's settings.
const (
	InvocationSchemaVersion = "2.0"
	priority                = 10
	manifestFolder          = "manifests/"
	reportFolder            = "reports"
)

// Jobs creates and follows the jobs of one stack.
type Jobs struct {
	S3          ObjectAPI
	Control     ControlAPI
	AccountID   string
	Bucket      string
	FunctionArn string
	RoleArn     string // the stack's Batch Operations role
	// Now stamps manifest names; time.Now when nil.
	Now func() time.Time
}

// Manifest is where a job's manifest is.
type Manifest struct {
	Bucket, Key, ETag string
	Inventory         bool // an S3 Inventory manifest.json, not a CSV of ours
	Objects           int  // rows written (0 for an inventory manifest)
}

// URI is s3://bucket/key.
func (m Manifest) URI() string { return "s3://" + m.Bucket + "/" + m.Key }

// EscapeKey percent-encodes key for a CSV manifest: every byte but
// unreserved characters (RFC 3986) and "/" is %XX, so commas, quotes,
// spaces and "+" never need CSV quoting and decode the same with
// percent-decoding (what the function does with s3Key) or form decoding.
func EscapeKey(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~', c == '/':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// ManifestCSV is the CSV manifest (format S3BatchOperations_CSV_20180820)
// of objs: "bucket,key,versionId" rows, or "bucket,key" when no object has
// a version (a manifest has versions for all rows or none). It refuses a
// mix, which only a bucket whose versioning was turned on late can give.
func ManifestCSV(bucket string, objs []inventory.Object) ([]byte, []ctltypes.JobManifestFieldName, error) {
	withVersion := 0
	for _, o := range objs {
		if o.VersionID != "" {
			withVersion++
		}
	}
	if withVersion != 0 && withVersion != len(objs) {
		return nil, nil, fmt.Errorf("%d of %d objects have a version id: a manifest needs versions for all or none (use --engine invoke)", withVersion, len(objs))
	}
	var buf bytes.Buffer
	for _, o := range objs {
		buf.WriteString(bucket + "," + EscapeKey(o.Key))
		if withVersion > 0 {
			buf.WriteString("," + o.VersionID)
		}
		buf.WriteByte('\n')
	}
	fields := []ctltypes.JobManifestFieldName{ctltypes.JobManifestFieldNameBucket, ctltypes.JobManifestFieldNameKey}
	if withVersion > 0 {
		fields = append(fields, ctltypes.JobManifestFieldNameVersionId)
	}
	return buf.Bytes(), fields, nil
}

// WriteManifest stores the CSV manifest of objs under the bucket's
// manifests prefix. It is encrypted with SSE-S3 whatever the bucket's
// default: Batch Operations cannot read a KMS-encrypted CSV manifest.
func (j Jobs) WriteManifest(ctx context.Context, objs []inventory.Object) (Manifest, []ctltypes.JobManifestFieldName, error) {
	body, fields, err := ManifestCSV(j.Bucket, objs)
	if err != nil {
		return Manifest{}, nil, err
	}
	now := time.Now
	if j.Now != nil {
		now = j.Now
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	key := contract.BatchOperationsPrefix + manifestFolder + now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(rnd[:]) + ".csv"
	out, err := j.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(j.Bucket), Key: aws.String(key), Body: bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))), ContentType: aws.String("text/csv"),
		ServerSideEncryption: s3types.ServerSideEncryptionAes256,
	})
	if err != nil {
		return Manifest{}, nil, fmt.Errorf("write the manifest s3://%s/%s: %w", j.Bucket, key, err)
	}
	return Manifest{Bucket: j.Bucket, Key: key, ETag: metadata.NormalizeETag(aws.ToString(out.ETag)), Objects: len(objs)}, fields, nil
}

// InventoryManifest reads the ETag of an S3 Inventory manifest.json at uri
// (s3://bucket/key).
func (j Jobs) InventoryManifest(ctx context.Context, uri string) (Manifest, error) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	bucket, key, okKey := strings.Cut(rest, "/")
	if !ok || !okKey || bucket == "" || !strings.HasSuffix(key, "manifest.json") {
		return Manifest{}, fmt.Errorf("--inventory %q: give the s3://bucket/.../manifest.json of an S3 Inventory report (CSV format)", uri)
	}
	out, err := j.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return Manifest{}, fmt.Errorf("read the inventory manifest %s: %w", uri, err)
	}
	return Manifest{Bucket: bucket, Key: key, ETag: metadata.NormalizeETag(aws.ToString(out.ETag)), Inventory: true}, nil
}

// Create creates the LambdaInvoke job over m and returns its id. The job
// runs without confirmation and reports every task under
// batch-operations/reports/.
func (j Jobs) Create(ctx context.Context, m Manifest, fields []ctltypes.JobManifestFieldName, description string) (string, error) {
	if j.RoleArn == "" {
		return "", errors.New("the stack has no S3 Batch Operations role: apply the root stack with create_batch_operations_role = true")
	}
	spec := &ctltypes.JobManifestSpec{Format: ctltypes.JobManifestFormatS3BatchOperationsCsv20180820, Fields: fields}
	if m.Inventory {
		spec = &ctltypes.JobManifestSpec{Format: ctltypes.JobManifestFormatS3InventoryReportCsv20161130}
	}
	token := make([]byte, 16)
	_, _ = rand.Read(token)
	out, err := j.Control.CreateJob(ctx, &s3control.CreateJobInput{
		AccountId:            aws.String(j.AccountID),
		ClientRequestToken:   aws.String(hex.EncodeToString(token)),
		ConfirmationRequired: aws.Bool(false),
		Description:          aws.String(truncate(description, 256)),
		Priority:             aws.Int32(priority),
		RoleArn:              aws.String(j.RoleArn),
		Operation: &ctltypes.JobOperation{LambdaInvoke: &ctltypes.LambdaInvokeOperation{
			FunctionArn:             aws.String(j.FunctionArn),
			InvocationSchemaVersion: aws.String(InvocationSchemaVersion),
			UserArguments:           map[string]string{"requestedBy": "imgpipe backfill"},
		}},
		Manifest: &ctltypes.JobManifest{
			Spec:     spec,
			Location: &ctltypes.JobManifestLocation{ObjectArn: aws.String(j.s3Arn(m.Bucket + "/" + m.Key)), ETag: aws.String(m.ETag)},
		},
		Report: &ctltypes.JobReport{
			Enabled:     true,
			Bucket:      aws.String(j.s3Arn(j.Bucket)),
			Prefix:      aws.String(contract.BatchOperationsPrefix + reportFolder),
			Format:      ctltypes.JobReportFormatReportCsv20180820,
			ReportScope: ctltypes.JobReportScopeAllTasks,
		},
	})
	if err != nil {
		return "", fmt.Errorf("create the S3 Batch Operations job: %w", err)
	}
	return aws.ToString(out.JobId), nil
}

// Job is the state of a job.
type Job struct {
	ID             string   `json:"id"`
	Status         string   `json:"status"`
	Total          int64    `json:"total"`
	Succeeded      int64    `json:"succeeded"`
	Failed         int64    `json:"failed"`
	FailureReasons []string `json:"failureReasons,omitempty"`
	Report         string   `json:"report,omitempty"` // where the completion report goes
}

// Done reports whether the job has ended.
func (j Job) Done() bool {
	switch ctltypes.JobStatus(j.Status) {
	case ctltypes.JobStatusComplete, ctltypes.JobStatusFailed, ctltypes.JobStatusCancelled:
		return true
	}
	return false
}

// Clean reports whether the job completed with every task succeeded.
func (j Job) Clean() bool {
	return ctltypes.JobStatus(j.Status) == ctltypes.JobStatusComplete && j.Failed == 0
}

// Describe returns the state of job id.
func (j Jobs) Describe(ctx context.Context, id string) (Job, error) {
	out, err := j.Control.DescribeJob(ctx, &s3control.DescribeJobInput{AccountId: aws.String(j.AccountID), JobId: aws.String(id)})
	if err != nil {
		return Job{}, fmt.Errorf("describe S3 Batch Operations job %s: %w", id, err)
	}
	d := out.Job
	if d == nil {
		return Job{}, fmt.Errorf("describe S3 Batch Operations job %s: no job in the answer", id)
	}
	job := Job{ID: aws.ToString(d.JobId), Status: string(d.Status)}
	if p := d.ProgressSummary; p != nil {
		job.Total, job.Succeeded, job.Failed = aws.ToInt64(p.TotalNumberOfTasks), aws.ToInt64(p.NumberOfTasksSucceeded), aws.ToInt64(p.NumberOfTasksFailed)
	}
	for _, f := range d.FailureReasons {
		job.FailureReasons = append(job.FailureReasons, aws.ToString(f.FailureCode)+": "+aws.ToString(f.FailureReason))
	}
	if r := d.Report; r != nil && r.Enabled {
		_, bucket, _ := strings.Cut(aws.ToString(r.Bucket), ":::")
		job.Report = "s3://" + bucket + "/" + aws.ToString(r.Prefix) + "/job-" + job.ID + "/"
	}
	return job, nil
}

// Follow polls job id every interval until it ends or ctx ends, reporting
// finished tasks to a progress reporter made by newProgress once the total
// is known, and returns the last state seen.
func (j Jobs) Follow(ctx context.Context, id string, interval time.Duration, newProgress func(total int) progress.Reporter) (Job, error) {
	var prog progress.Reporter
	var reported int64
	defer func() {
		if prog != nil {
			prog.Finish()
		}
	}()
	for {
		job, err := j.Describe(ctx, id)
		if err != nil {
			return job, err
		}
		if prog == nil && job.Total > 0 {
			prog = newProgress(int(job.Total))
		}
		if prog != nil {
			if n := job.Succeeded + job.Failed; n > reported {
				prog.Add(int(n - reported))
				reported = n
			}
		}
		if job.Done() {
			return job, nil
		}
		select {
		case <-ctx.Done():
			return job, ctx.Err()
		case <-time.After(interval):
		}
	}
}

// s3Arn is the S3 ARN of resource in the partition of the function.
func (j Jobs) s3Arn(resource string) string {
	partition := "aws"
	if parts := strings.SplitN(j.FunctionArn, ":", 3); len(parts) == 3 && parts[0] == "arn" {
		partition = parts[1]
	}
	return "arn:" + partition + ":s3:::" + resource
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
