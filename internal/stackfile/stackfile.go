// Package stackfile is the description of one deployed imgpipe stack that
// the imgpipe CLI works on: where the bucket, table, function and
// dead-letter queue are. The local stack writes it as out/local/stack.json
// (`make local-up`); on AWS it is read from `terraform output -json` of the
// root stack (terraform/). One type, Stack, for both; a test holds its
// Terraform mapping to the root stack's outputs.
package stackfile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/imgpipe/imgpipe/internal/contract"
)

// Stack describes a deployed stack. JSON names are those of stack.json.
type Stack struct {
	// Endpoint is the base URL of an AWS-compatible endpoint (the local
	// stack: http://127.0.0.1:4566); empty on AWS. With an endpoint, the
	// CLI uses path-style S3 addressing.
	Endpoint string `json:"endpoint,omitempty"`
	// Region of the stack; empty means the standard AWS chain's region.
	Region           string `json:"region,omitempty"`
	Bucket           string `json:"bucket"`
	Table            string `json:"table"`
	Function         string `json:"function"`
	DLQ              string `json:"dlq"` // URL of the dead-letter queue of failed asynchronous events
	UploadsPrefix    string `json:"uploadsPrefix"`
	ThumbnailsPrefix string `json:"thumbnailsPrefix"`
	// Alarms are the names of the stack's CloudWatch alarms (status shows
	// those in ALARM); none on the local stack.
	Alarms []string `json:"alarms,omitempty"`
	// BatchOperationsRole is the ARN of the role S3 Batch Operations
	// assumes for `backfill --engine batch` (modules/processing
	// create_batch_operations_role); empty when not created.
	BatchOperationsRole string `json:"batchOperationsRole,omitempty"`
	// EventBus is the name of the bus the outcome events are put on
	// (docs/events.md).
	EventBus string `json:"eventBus,omitempty"`
	// EventsQueue is the URL of a queue subscribed to every outcome event
	// of the stack: the local stack's (on AWS, consumers bring their own
	// queues, so the root stack has none).
	EventsQueue string `json:"eventsQueue,omitempty"`
	// Ingestion is how uploads reach the function, one of
	// contract.IngestionModes; empty means "direct" (a description from
	// before the mode existed).
	Ingestion string `json:"ingestion,omitempty"`
	// IngestQueue is the URL of the ingest queue S3 notifies (ingestion
	// "sqs"), whose dead-letter queue is DLQ.
	IngestQueue string `json:"ingestQueue,omitempty"`
	// MessageMove is how `imgpipe redrive` moves dead-letter messages back
	// to the ingest queue: "" with SQS's message move task
	// (StartMessageMoveTask, on AWS), MessageMoveManual by receiving,
	// sending and deleting each (the local stack, whose emulator lacks the
	// task).
	MessageMove string `json:"messageMove,omitempty"`

	// Further engines and queues (an ingestion mode and ingest queue) are
	// fields here, with their Terraform output in terraformOutputs.
}

// MessageMoveManual is Stack.MessageMove of a stack without SQS's message
// move task.
const MessageMoveManual = "manual"

// IngestionMode is the stack's ingestion, with "" read as "direct".
func (s Stack) IngestionMode() string {
	if s.Ingestion == "" {
		return contract.IngestionDirect
	}
	return s.Ingestion
}

// terraformOutputs maps root-stack output names (terraform/outputs.tf) to
// the field each fills. Required outputs must be present.
var terraformOutputs = []struct {
	name     string
	required bool
	set      func(*Stack, json.RawMessage) error
}{
	{"aws_region", false, str(func(s *Stack) *string { return &s.Region })},
	{"bucket_name", true, str(func(s *Stack) *string { return &s.Bucket })},
	{"table_name", true, str(func(s *Stack) *string { return &s.Table })},
	{"function_name", true, str(func(s *Stack) *string { return &s.Function })},
	{"dlq_url", true, str(func(s *Stack) *string { return &s.DLQ })},
	{"uploads_prefix", true, str(func(s *Stack) *string { return &s.UploadsPrefix })},
	{"thumbnails_prefix", true, str(func(s *Stack) *string { return &s.ThumbnailsPrefix })},
	{"alarm_names", false, func(s *Stack, v json.RawMessage) error { return json.Unmarshal(v, &s.Alarms) }},
	{"batch_operations_role_arn", false, str(func(s *Stack) *string { return &s.BatchOperationsRole })},
	{"event_bus_name", false, str(func(s *Stack) *string { return &s.EventBus })},
	{"ingestion", false, str(func(s *Stack) *string { return &s.Ingestion })},
	{"ingest_queue_url", false, str(func(s *Stack) *string { return &s.IngestQueue })},
}

// TerraformOutputNames lists the root-stack outputs a description is read
// from (for tests and documentation).
func TerraformOutputNames() []string {
	out := make([]string, len(terraformOutputs))
	for i, o := range terraformOutputs {
		out[i] = o.name
	}
	return out
}

func str(field func(*Stack) *string) func(*Stack, json.RawMessage) error {
	return func(s *Stack, v json.RawMessage) error {
		if string(v) == "null" {
			return nil
		}
		return json.Unmarshal(v, field(s))
	}
}

// Validate reports every missing or malformed field at once.
func (s Stack) Validate() error {
	var errs []error
	for _, f := range []struct{ name, value string }{
		{"bucket", s.Bucket}, {"table", s.Table}, {"function", s.Function}, {"dlq", s.DLQ},
		{"uploadsPrefix", s.UploadsPrefix}, {"thumbnailsPrefix", s.ThumbnailsPrefix},
	} {
		if strings.TrimSpace(f.value) == "" {
			errs = append(errs, fmt.Errorf("%s is missing", f.name))
		}
	}
	for _, p := range []struct{ name, value string }{{"uploadsPrefix", s.UploadsPrefix}, {"thumbnailsPrefix", s.ThumbnailsPrefix}} {
		if p.value != "" && !strings.HasSuffix(p.value, "/") {
			errs = append(errs, fmt.Errorf("%s %q must end with \"/\"", p.name, p.value))
		}
	}
	if s.Endpoint != "" {
		u, err := url.Parse(s.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("endpoint %q is not an http(s) URL", s.Endpoint))
		}
	}
	if s.DLQ != "" && !strings.Contains(s.DLQ, "://") {
		errs = append(errs, fmt.Errorf("dlq %q must be the queue URL", s.DLQ))
	}
	switch mode := s.IngestionMode(); {
	case !slices.Contains(contract.IngestionModes, mode):
		errs = append(errs, fmt.Errorf("ingestion %q is none of %s", s.Ingestion, strings.Join(contract.IngestionModes, ", ")))
	case mode == contract.IngestionSQS && !strings.Contains(s.IngestQueue, "://"):
		errs = append(errs, fmt.Errorf("ingestion %q needs ingestQueue, the ingest queue's URL (got %q)", mode, s.IngestQueue))
	case mode != contract.IngestionSQS && s.IngestQueue != "":
		errs = append(errs, fmt.Errorf("ingestQueue %q is set, but ingestion is %q", s.IngestQueue, mode))
	}
	if s.MessageMove != "" && s.MessageMove != MessageMoveManual {
		errs = append(errs, fmt.Errorf("messageMove %q: want \"\" (SQS's message move task) or %q", s.MessageMove, MessageMoveManual))
	}
	return errors.Join(errs...)
}

// Parse reads a description from data: stack.json, or the output of
// `terraform output -json` of the root stack (told apart by its shape).
func Parse(data []byte) (Stack, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return Stack{}, fmt.Errorf("not a JSON object: %w", err)
	}
	var s Stack
	if _, ok := top["bucket_name"]; ok {
		var err error
		if s, err = fromTerraform(top); err != nil {
			return Stack{}, err
		}
	} else {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return Stack{}, fmt.Errorf("not a stack description (stack.json or `terraform output -json` of terraform/): %w", err)
		}
	}
	if err := s.Validate(); err != nil {
		return Stack{}, err
	}
	return s, nil
}

func fromTerraform(top map[string]json.RawMessage) (Stack, error) {
	var s Stack
	var errs []error
	for _, o := range terraformOutputs {
		raw, ok := top[o.name]
		if !ok {
			if o.required {
				errs = append(errs, fmt.Errorf("terraform output %q is missing", o.name))
			}
			continue
		}
		var out struct {
			Value json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(raw, &out); err != nil || out.Value == nil {
			errs = append(errs, fmt.Errorf("terraform output %q has no value", o.name))
			continue
		}
		if err := o.set(&s, out.Value); err != nil {
			errs = append(errs, fmt.Errorf("terraform output %q: %w", o.name, err))
		}
	}
	return s, errors.Join(errs...)
}

// Load reads the description at path.
func Load(path string) (Stack, error) {
	data, err := os.ReadFile(path) // #nosec G304 -- the stack description the operator names
	if err != nil {
		return Stack{}, err
	}
	s, err := Parse(data)
	if err != nil {
		return Stack{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// FromTerraformDir runs `<terraform> -chdir=dir output -json` and reads its
// output. terraform is the binary (e.g. "terraform" or "tofu").
func FromTerraformDir(ctx context.Context, terraform, dir string) (Stack, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, terraform, "-chdir="+dir, "output", "-json") // #nosec G204 -- the operator's terraform binary and folder, as argv (no shell)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return Stack{}, fmt.Errorf("%s -chdir=%s output -json: %w: %s", terraform, dir, err, strings.TrimSpace(stderr.String()))
	}
	s, err := Parse(stdout.Bytes())
	if err != nil {
		return Stack{}, fmt.Errorf("terraform outputs of %s: %w", dir, err)
	}
	return s, nil
}

// Write stores s at path atomically: readers see the old file or the whole
// new one, never a part (a temporary file in the same folder, synced, then
// renamed over path).
func Write(path string, s Stack) error {
	if err := s.Validate(); err != nil {
		return fmt.Errorf("stack description: %w", err)
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil { // #nosec G301 -- a folder of descriptions other tools of the same user read
		return err
	}
	tmp, err := os.CreateTemp(dir, ".stack-*.json")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // no-op after the rename; else best-effort clean-up
	if _, err := tmp.Write(data); err != nil {
		return errors.Join(err, tmp.Close())
	}
	if err := tmp.Chmod(0o644); err != nil {
		return errors.Join(err, tmp.Close())
	}
	if err := tmp.Sync(); err != nil {
		return errors.Join(err, tmp.Close())
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
