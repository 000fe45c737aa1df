// Package invoke has the function process object versions it did not get
// (or must redo) an event for: it invokes it with S3-event-shaped payloads,
// a few records each, as S3 would have (eventName "ObjectCreated:Backfill",
// key URL-encoded, versionId and ETag of the version). The function's own
// rules then apply: a version already processed under the same settings is
// a duplicate, another rendition fingerprint replaces the record.
package invoke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/imgpipe/imgpipe/ops/inventory"
	"github.com/imgpipe/imgpipe/ops/run"
)

// API is the Lambda call the package makes (lambda.Client).
type API interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// EventName is the eventName of the records the CLI sends.
const EventName = "ObjectCreated:Backfill"

// DefaultBatchSize is how many records one invocation carries.
const DefaultBatchSize = 5

// Invoker invokes one function for the objects of one bucket.
type Invoker struct {
	API      API
	Function string
	Bucket   string
	Region   string
	// BatchSize is the records per invocation; DefaultBatchSize when 0.
	BatchSize int
}

// The event as S3 sends it; its own type (not aws-lambda-go's, which
// would add fields S3 never sends).
type (
	s3Event struct {
		Records []s3Record `json:"Records"`
	}
	s3Record struct {
		EventVersion string    `json:"eventVersion"`
		EventSource  string    `json:"eventSource"`
		AWSRegion    string    `json:"awsRegion"`
		EventTime    time.Time `json:"eventTime"`
		EventName    string    `json:"eventName"`
		S3           s3Entity  `json:"s3"`
	}
	s3Entity struct {
		SchemaVersion string   `json:"s3SchemaVersion"`
		Bucket        s3Bucket `json:"bucket"`
		Object        s3Object `json:"object"`
	}
	s3Bucket struct {
		Name string `json:"name"`
		Arn  string `json:"arn"`
	}
	s3Object struct {
		Key       string `json:"key"`
		Size      int64  `json:"size"`
		ETag      string `json:"eTag,omitempty"`
		VersionID string `json:"versionId,omitempty"`
	}
)

// Payload is the S3 event notification of objs.
func (v Invoker) Payload(objs []inventory.Object) ([]byte, error) {
	ev := s3Event{Records: make([]s3Record, 0, len(objs))}
	for _, o := range objs {
		ev.Records = append(ev.Records, s3Record{
			EventVersion: "2.1", EventSource: "aws:s3", AWSRegion: v.Region,
			EventTime: o.LastModified.UTC(), EventName: EventName,
			S3: s3Entity{
				SchemaVersion: "1.0",
				Bucket:        s3Bucket{Name: v.Bucket, Arn: "arn:aws:s3:::" + v.Bucket},
				// S3 form-encodes keys in notifications ("a b" -> "a+b").
				Object: s3Object{Key: url.QueryEscape(o.Key), Size: o.Size, ETag: o.ETag, VersionID: o.VersionID},
			},
		})
	}
	return json.Marshal(ev)
}

// FunctionError is the error an invocation returned.
type FunctionError struct {
	Type    string // Lambda's FunctionError, e.g. "Unhandled"
	Message string // errorMessage of the response payload
}

func (e *FunctionError) Error() string {
	return fmt.Sprintf("function error (%s): %s", e.Type, e.Message)
}

// Sync invokes the function synchronously with payload and returns the
// function's error, if any.
func Sync(ctx context.Context, api API, function string, payload []byte) error {
	out, err := api.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(function), Payload: payload,
		InvocationType: lambdatypes.InvocationTypeRequestResponse})
	if err != nil {
		return fmt.Errorf("invoke %s: %w", function, err)
	}
	if out.FunctionError != nil {
		var body struct {
			ErrorMessage string `json:"errorMessage"`
		}
		msg := string(out.Payload)
		if json.Unmarshal(out.Payload, &body) == nil && body.ErrorMessage != "" {
			msg = body.ErrorMessage
		}
		return &FunctionError{Type: aws.ToString(out.FunctionError), Message: msg}
	}
	return nil
}

// Failure is an object the function did not handle.
type Failure struct {
	Object inventory.Object `json:"object"`
	Error  string           `json:"error"`
}

// Result of processing a list of objects.
type Result struct {
	Handled     []inventory.Object `json:"-"`
	Failed      []Failure          `json:"failed"`
	NotStarted  int                `json:"notStarted,omitempty"`
	Interrupted bool               `json:"interrupted,omitempty"`
}

// Process has the function handle every object synchronously, BatchSize
// records per invocation, within o's bounds (rate and progress count
// records). A batch the function fails is retried one record at a time, so
// each object gets its own answer (the function is idempotent: the records
// it had already handled are duplicates).
func (v Invoker) Process(ctx context.Context, objs []inventory.Object, o run.Options) Result {
	var res Result
	handled := make([][]inventory.Object, 0)
	var failed [][]Failure
	type batch struct {
		n    int
		objs []inventory.Object
	}
	batches := run.Chunks(objs, v.batchSize())
	items := make([]batch, len(batches))
	for i, b := range batches {
		items[i] = batch{n: i, objs: b}
	}
	handled = make([][]inventory.Object, len(items))
	failed = make([][]Failure, len(items))
	sum := run.Each(ctx, items, o, func(b batch) int { return len(b.objs) }, func(ctx context.Context, b batch) error {
		h, f := v.batch(ctx, b.objs)
		handled[b.n], failed[b.n] = h, f
		return nil
	})
	for i := range items {
		res.Handled = append(res.Handled, handled[i]...)
		res.Failed = append(res.Failed, failed[i]...)
	}
	for _, b := range items[len(items)-sum.NotStarted:] {
		res.NotStarted += len(b.objs)
	}
	res.Interrupted = sum.Interrupted
	return res
}

func (v Invoker) batch(ctx context.Context, objs []inventory.Object) (handled []inventory.Object, failed []Failure) {
	err := v.invoke(ctx, objs)
	if err == nil {
		return objs, nil
	}
	if len(objs) == 1 || !isFunctionError(err) {
		for _, o := range objs {
			failed = append(failed, Failure{Object: o, Error: err.Error()})
		}
		return nil, failed
	}
	for _, o := range objs {
		if err := v.invoke(ctx, []inventory.Object{o}); err != nil {
			failed = append(failed, Failure{Object: o, Error: err.Error()})
		} else {
			handled = append(handled, o)
		}
	}
	return handled, failed
}

func (v Invoker) invoke(ctx context.Context, objs []inventory.Object) error {
	payload, err := v.Payload(objs)
	if err != nil {
		return err
	}
	return Sync(ctx, v.API, v.Function, payload)
}

func isFunctionError(err error) bool {
	var fe *FunctionError
	return errors.As(err, &fe)
}

// Enqueue hands every object to the function asynchronously (InvocationType
// Event), BatchSize records per invocation: Lambda queues the events,
// retries failures and sends what still fails to the dead-letter queue, as
// for S3's own events. It returns the objects whose invocation Lambda
// refused.
func (v Invoker) Enqueue(ctx context.Context, objs []inventory.Object, o run.Options) Result {
	var res Result
	batches := run.Chunks(objs, v.batchSize())
	errs := make([]error, len(batches))
	idx := make([]int, len(batches))
	for i := range idx {
		idx[i] = i
	}
	sum := run.Each(ctx, idx, o, func(i int) int { return len(batches[i]) }, func(ctx context.Context, i int) error {
		payload, err := v.Payload(batches[i])
		if err == nil {
			_, err = v.API.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(v.Function), Payload: payload,
				InvocationType: lambdatypes.InvocationTypeEvent})
		}
		errs[i] = err
		return err
	})
	for i, b := range batches {
		if i >= len(batches)-sum.NotStarted {
			res.NotStarted += len(b)
			continue
		}
		if errs[i] != nil {
			for _, o := range b {
				res.Failed = append(res.Failed, Failure{Object: o, Error: errs[i].Error()})
			}
			continue
		}
		res.Handled = append(res.Handled, b...)
	}
	res.Interrupted = sum.Interrupted
	return res
}

func (v Invoker) batchSize() int {
	if v.BatchSize > 0 {
		return v.BatchSize
	}
	return DefaultBatchSize
}
