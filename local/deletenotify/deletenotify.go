// Package deletenotify sends the S3 event notifications of deletes in the
// local stack, where kumo sends ObjectCreated notifications but none for
// ObjectRemoved. It watches the S3 requests the stack's proxy passes to
// kumo: for each successful DeleteObject (a delete marker, or a version
// deleted) and each entry DeleteObjects deleted, in the stack's bucket,
// under the notification's prefix, it invokes the function asynchronously
// (or, with ingestion "sqs", sends the ingest queue) the event S3 sends: eventName ObjectRemoved:DeleteMarkerCreated
// with the marker's versionId, or ObjectRemoved:Delete with the deleted
// versionId. The processor's own thumbnail deletes stay outside the
// uploads prefix and so notify nothing, as on AWS.
package deletenotify

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// InvokeAPI is the part of the Lambda client the notifier uses.
type InvokeAPI interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// SendAPI is the part of the SQS client the notifier uses when the
// notification's destination is a queue.
type SendAPI interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// Config is one bucket notification: the ObjectRemoved part of what the
// processing module subscribes the function (ingestion "direct") or the
// ingest queue (ingestion "sqs") to.
type Config struct {
	Bucket   string
	Prefix   string // the notification's prefix filter (exact, case-sensitive)
	Function string // name or ARN of the function notified
	Region   string
	Lambda   InvokeAPI
	// QueueURL, when set, is the queue notified instead of the function:
	// the event is its message body, as S3 sends it to a queue.
	QueueURL string
	Queue    SendAPI
	Logger   *slog.Logger
}

// Notifier observes the proxy's S3 traffic.
type Notifier struct {
	cfg  Config
	sent atomic.Int64
	fail atomic.Int64
	seq  atomic.Int64
}

// New returns a Notifier.
func New(cfg Config) *Notifier {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Notifier{cfg: cfg}
}

// removal is one object version removed, as its notification names it.
type removal struct {
	key          string
	versionID    string
	deleteMarker bool // a delete marker was created (versionID is the marker's)
}

// Observe is the proxy's ModifyResponse hook: it reads what resp says was
// deleted (restoring the body for the client) and notifies the function of
// each removal under the prefix. It never fails the response: a
// notification that cannot be sent is logged and counted (Failed).
func (n *Notifier) Observe(resp *http.Response) error {
	req := resp.Request
	if req == nil || req.Header.Get("X-Amz-Target") != "" || resp.StatusCode/100 != 2 {
		return nil
	}
	bucket, key, ok := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/")
	if bucket != n.cfg.Bucket {
		return nil
	}
	var rs []removal
	switch {
	case req.Method == http.MethodDelete && ok && key != "":
		rs = append(rs, removal{
			key:          key,
			versionID:    resp.Header.Get("x-amz-version-id"),
			deleteMarker: strings.EqualFold(resp.Header.Get("x-amz-delete-marker"), "true") && req.URL.Query().Get("versionId") == "",
		})
	case req.Method == http.MethodPost && key == "" && req.URL.Query().Has("delete"):
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close() // fully read; the client gets the copy below
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			n.failed("read the DeleteObjects response", err)
			return nil
		}
		if rs, err = deleted(body); err != nil {
			n.failed("decode the DeleteObjects response", err)
			return nil
		}
	default:
		return nil
	}
	for _, r := range rs {
		if strings.HasPrefix(r.key, n.cfg.Prefix) {
			n.notify(req.Context(), r)
		}
	}
	return nil
}

// deleted lists the removals a DeleteObjects response reports.
func deleted(body []byte) ([]removal, error) {
	var res struct {
		Deleted []struct {
			Key                   string
			VersionID             string `xml:"VersionId"`
			DeleteMarker          bool
			DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId"`
		}
	}
	if err := xml.Unmarshal(body, &res); err != nil {
		return nil, err
	}
	var out []removal
	for _, d := range res.Deleted {
		if d.DeleteMarker && d.VersionID == "" {
			out = append(out, removal{key: d.Key, versionID: d.DeleteMarkerVersionID, deleteMarker: true})
			continue
		}
		out = append(out, removal{key: d.Key, versionID: d.VersionID})
	}
	return out, nil
}

// Event is the notification S3 sends for r.
func (n *Notifier) Event(r removal, at time.Time) events.S3Event {
	name := "ObjectRemoved:Delete"
	if r.deleteMarker {
		name = "ObjectRemoved:DeleteMarkerCreated"
	}
	return events.S3Event{Records: []events.S3EventRecord{{
		EventVersion: "2.1",
		EventSource:  "aws:s3",
		AWSRegion:    n.cfg.Region,
		EventTime:    at.UTC(),
		EventName:    name,
		S3: events.S3Entity{
			SchemaVersion:   "1.0",
			ConfigurationID: "local-delete-notification",
			Bucket:          events.S3Bucket{Name: n.cfg.Bucket, Arn: "arn:aws:s3:::" + n.cfg.Bucket},
			Object: events.S3Object{
				// Form-encoded, '/' kept, as S3 sends keys.
				Key:       strings.ReplaceAll(url.QueryEscape(r.key), "%2F", "/"),
				VersionID: r.versionID,
				Sequencer: fmt.Sprintf("%016X", n.seq.Add(1)),
			},
		},
	}}}
}

func (n *Notifier) notify(ctx context.Context, r removal) {
	payload, err := json.Marshal(n.Event(r, time.Now()))
	switch {
	case err != nil:
	case n.cfg.QueueURL != "":
		_, err = n.cfg.Queue.SendMessage(context.WithoutCancel(ctx), &sqs.SendMessageInput{
			QueueUrl: aws.String(n.cfg.QueueURL), MessageBody: aws.String(string(payload)),
		})
	default:
		_, err = n.cfg.Lambda.Invoke(context.WithoutCancel(ctx), &lambda.InvokeInput{
			FunctionName:   aws.String(n.cfg.Function),
			InvocationType: lambdatypes.InvocationTypeEvent,
			Payload:        payload,
		})
	}
	if err != nil {
		n.failed("notify "+r.key, err)
		return
	}
	n.sent.Add(1)
	n.cfg.Logger.Info("delete notified", "key", r.key, "versionId", r.versionID, "deleteMarker", r.deleteMarker)
}

func (n *Notifier) failed(what string, err error) {
	n.fail.Add(1)
	n.cfg.Logger.Error("delete notification not sent", "what", what, "error", err.Error())
}

// Sent is how many notifications were sent.
func (n *Notifier) Sent() int64 { return n.sent.Load() }

// Failed is how many deletes could not be notified.
func (n *Notifier) Failed() int64 { return n.fail.Load() }
