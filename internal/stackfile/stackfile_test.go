package stackfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-config-inspect/tfconfig"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/stackfile"
)

func local() stackfile.Stack {
	return stackfile.Stack{
		Endpoint: "http://127.0.0.1:4566", Region: "us-east-1",
		Bucket: "imgpipe-local-images", Table: "imgpipe-local-metadata", Function: "imgpipe-local-processor",
		DLQ:           "http://127.0.0.1:4566/000000000000/imgpipe-local-processor-dlq",
		UploadsPrefix: "uploads/", ThumbnailsPrefix: "thumbnails/",
	}
}

func TestWriteThenLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out", "local", "stack.json")
	require.NoError(t, stackfile.Write(path, local()))
	got, err := stackfile.Load(path)
	require.NoError(t, err)
	assert.Equal(t, local(), got)

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.JSONEq(t, `{"endpoint":"http://127.0.0.1:4566","region":"us-east-1","bucket":"imgpipe-local-images",
		"table":"imgpipe-local-metadata","function":"imgpipe-local-processor",
		"dlq":"http://127.0.0.1:4566/000000000000/imgpipe-local-processor-dlq",
		"uploadsPrefix":"uploads/","thumbnailsPrefix":"thumbnails/"}`, string(data), "the field names of stack.json")
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left behind")

	// Rewriting replaces the whole file.
	other := local()
	other.Bucket = "other"
	require.NoError(t, stackfile.Write(path, other))
	got, err = stackfile.Load(path)
	require.NoError(t, err)
	assert.Equal(t, "other", got.Bucket)
}

func TestWriteRefusesAnIncompleteStack(t *testing.T) {
	s := local()
	s.DLQ = ""
	path := filepath.Join(t.TempDir(), "stack.json")
	assert.ErrorContains(t, stackfile.Write(path, s), "dlq is missing")
	assert.NoFileExists(t, path)
}

func TestParseTerraformOutput(t *testing.T) {
	out := `{
	  "aws_region": {"sensitive": false, "type": "string", "value": "eu-west-1"},
	  "bucket_name": {"sensitive": false, "type": "string", "value": "imgpipe-dev-images-123456789012"},
	  "table_name": {"sensitive": false, "type": "string", "value": "imgpipe-dev-metadata"},
	  "function_name": {"sensitive": false, "type": "string", "value": "imgpipe-dev-processor"},
	  "dlq_url": {"sensitive": false, "type": "string", "value": "https://sqs.eu-west-1.amazonaws.com/123456789012/imgpipe-dev-processor-dlq"},
	  "uploads_prefix": {"sensitive": false, "type": "string", "value": "uploads/"},
	  "thumbnails_prefix": {"sensitive": false, "type": "string", "value": "thumbnails/"},
	  "alarm_names": {"sensitive": false, "type": ["list", "string"], "value": ["imgpipe-dev-errors", "imgpipe-dev-dlq-not-empty"]},
	  "batch_operations_role_arn": {"sensitive": false, "type": "string", "value": null},
	  "dashboard_url": {"sensitive": false, "type": "string", "value": "https://console.aws.amazon.com/..."}
	}`
	got, err := stackfile.Parse([]byte(out))
	require.NoError(t, err)
	assert.Equal(t, stackfile.Stack{
		Region: "eu-west-1", Bucket: "imgpipe-dev-images-123456789012", Table: "imgpipe-dev-metadata",
		Function: "imgpipe-dev-processor", DLQ: "https://sqs.eu-west-1.amazonaws.com/123456789012/imgpipe-dev-processor-dlq",
		UploadsPrefix: "uploads/", ThumbnailsPrefix: "thumbnails/",
		Alarms: []string{"imgpipe-dev-errors", "imgpipe-dev-dlq-not-empty"},
	}, got)
}

func TestParseNamesWhatIsWrong(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"not JSON", `nope`, "not a JSON object"},
		{"unknown field", `{"bucket":"b","bucketz":"x"}`, `unknown field "bucketz"`},
		{"missing fields", `{"bucket":"b"}`, "table is missing"},
		{"prefix without slash", `{"bucket":"b","table":"t","function":"f","dlq":"http://q/1/d","uploadsPrefix":"uploads","thumbnailsPrefix":"thumbnails/"}`,
			`uploadsPrefix "uploads" must end with "/"`},
		{"dlq name instead of URL", `{"bucket":"b","table":"t","function":"f","dlq":"d","uploadsPrefix":"uploads/","thumbnailsPrefix":"thumbnails/"}`,
			`dlq "d" must be the queue URL`},
		{"bad endpoint", `{"endpoint":"localhost:4566","bucket":"b","table":"t","function":"f","dlq":"http://q/1/d","uploadsPrefix":"uploads/","thumbnailsPrefix":"thumbnails/"}`,
			`endpoint "localhost:4566" is not an http(s) URL`},
		{"terraform output missing", `{"bucket_name":{"value":"b"}}`, `terraform output "table_name" is missing`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stackfile.Parse([]byte(tc.data))
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

// Every output the CLI reads is declared by the root stack.
func TestTerraformOutputsExistInTheRootStack(t *testing.T) {
	mod, diags := tfconfig.LoadModule(filepath.Join("..", "..", "terraform"))
	require.False(t, diags.HasErrors(), diags.Error())
	for _, name := range stackfile.TerraformOutputNames() {
		assert.Contains(t, mod.Outputs, name, "terraform/outputs.tf declares %s", name)
	}
}

// An SQS-ingestion stack names its ingest queue, from stack.json or from
// the root stack's outputs; what does not fit the mode is named.
func TestIngestion(t *testing.T) {
	s := local()
	assert.Equal(t, "direct", s.IngestionMode(), "no ingestion field: a stack from before the mode existed")
	s.Ingestion, s.IngestQueue, s.MessageMove = "sqs", "http://127.0.0.1:4566/000000000000/imgpipe-local-processor-ingest", stackfile.MessageMoveManual
	path := filepath.Join(t.TempDir(), "stack.json")
	require.NoError(t, stackfile.Write(path, s))
	got, err := stackfile.Load(path)
	require.NoError(t, err)
	assert.Equal(t, s, got)

	out := `{
	  "bucket_name": {"value": "b-123"}, "table_name": {"value": "t"}, "function_name": {"value": "f"},
	  "dlq_url": {"value": "https://sqs.eu-west-1.amazonaws.com/123456789012/f-dlq"},
	  "uploads_prefix": {"value": "uploads/"}, "thumbnails_prefix": {"value": "thumbnails/"},
	  "ingestion": {"value": "sqs"}, "ingest_queue_url": {"value": "https://sqs.eu-west-1.amazonaws.com/123456789012/f-ingest"}
	}`
	tf, err := stackfile.Parse([]byte(out))
	require.NoError(t, err)
	assert.Equal(t, "sqs", tf.IngestionMode())
	assert.Equal(t, "https://sqs.eu-west-1.amazonaws.com/123456789012/f-ingest", tf.IngestQueue)
	assert.Empty(t, tf.MessageMove, "on AWS: SQS's own message move task")

	for _, bad := range []struct {
		edit func(*stackfile.Stack)
		want string
	}{
		{func(s *stackfile.Stack) { s.Ingestion = "kinesis" }, `ingestion "kinesis" is none of direct, sqs`},
		{func(s *stackfile.Stack) { s.Ingestion, s.IngestQueue = "sqs", "" }, `ingestion "sqs" needs ingestQueue`},
		{func(s *stackfile.Stack) { s.IngestQueue = "http://x/q" }, `ingestQueue "http://x/q" is set, but ingestion is "direct"`},
		{func(s *stackfile.Stack) { s.MessageMove = "fast" }, `messageMove "fast"`},
	} {
		s := local()
		bad.edit(&s)
		assert.ErrorContains(t, s.Validate(), bad.want)
	}
}

// FromTerraformDir runs `<terraform> -chdir=DIR output -json` and reads
// its output; a failing terraform is an error with its stderr.
func TestFromTerraformDir(t *testing.T) {
	bin := t.TempDir()
	out := `{"bucket_name":{"value":"b"},"table_name":{"value":"t"},"function_name":{"value":"f"},` +
		`"dlq_url":{"value":"https://sqs.eu-west-1.amazonaws.com/1/q"},"uploads_prefix":{"value":"uploads/"},"thumbnails_prefix":{"value":"thumbnails/"}}`
	script := "#!/bin/sh\n" +
		`[ "$1" = "-chdir=` + "/stacks/dev" + `" ] && [ "$2" = output ] && [ "$3" = -json ] || { echo "unexpected arguments: $*" >&2; exit 1; }` + "\n" +
		"echo '" + out + "'\n"
	tf := filepath.Join(bin, "terraform")
	require.NoError(t, os.WriteFile(tf, []byte(script), 0o755))
	st, err := stackfile.FromTerraformDir(t.Context(), tf, "/stacks/dev")
	require.NoError(t, err)
	assert.Equal(t, "b", st.Bucket)
	assert.Equal(t, "https://sqs.eu-west-1.amazonaws.com/1/q", st.DLQ)

	_, err = stackfile.FromTerraformDir(t.Context(), tf, "/stacks/other")
	assert.ErrorContains(t, err, "unexpected arguments: -chdir=/stacks/other output -json")
}
