package load_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/stackfile"
	"github.com/imgpipe/imgpipe/internal/verify"
	"github.com/imgpipe/imgpipe/local/faults"
	"github.com/imgpipe/imgpipe/local/load"
	"github.com/imgpipe/imgpipe/local/stack"
	"github.com/imgpipe/imgpipe/ops/cli"
)

// faultedUploads is the size of the end-to-end load under faults: a few
// hundred uploads, about two minutes on two shared cores.
const faultedUploads = 200

// A load in sqs mode under FAULTS=default (10 % S3 and DynamoDB errors,
// latency spikes, dropped connections, a sandbox SIGKILLed every 5 s) ends
// with every upload having exactly one record and its thumbnails; what
// exhausted its retries is in the dead-letter queue, and imgpipe redrive
// brings it to PROCESSED. The stack binds a free port (sqs mode needs no
// fixed one), so it runs beside the local e2e suite's.
func TestLoadUnderFaultsLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the local stack and runs a load of a few hundred uploads")
	}
	ctx := t.Context()
	st, err := stack.Start(ctx, stack.Config{
		Addr: "127.0.0.1:0", Environment: "faulted",
		// The visibility timeout is 6 x the function's: a killed batch is
		// delivered again after 30 s.
		ProcessingInputs: map[string]any{"ingestion": contract.IngestionSQS, "timeout": 5},
	})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	tg, err := st.Target()
	require.NoError(t, err)

	spec := faults.Default.WithSeed()
	t.Logf("faults %s (FAULTS=%s repeats the choices)", spec, spec)
	st.SetFaults(spec)
	o := load.Options{N: faultedUploads, Seed: spec.Seed, Prefix: "faulted/", IdleTimeout: 3 * time.Minute,
		Heads: st.S3, DLQ: st.SQS, DLQURL: st.DLQURL}
	started := time.Now()
	res, err := load.Run(ctx, tg, o)
	counts := st.FaultCounts()
	st.SetFaults(faults.Spec{})
	require.NoError(t, err)
	sum := load.Summarize(res, st.Ingestion, o, spec, counts, nil)
	var table bytes.Buffer
	require.NoError(t, sum.Table(&table))
	t.Logf("load under faults, %s:\n%s", time.Since(started).Round(time.Second), table.String())

	assert.Equal(t, faultedUploads, sum.Uploaded)
	assert.Zero(t, sum.Missing, "lost uploads: %v", res.Missing)
	assert.Zero(t, sum.Duplicates)
	assert.Zero(t, sum.Failed)
	assert.Zero(t, sum.ThumbnailsMissing, "%v", res.ThumbnailsMissing)
	assert.Equal(t, faultedUploads, sum.Records+sum.DLQ, "every upload has a record or is in the dead-letter queue")
	assert.Positive(t, counts.S3SlowDown, "S3 errors were injected")
	assert.Positive(t, counts.DynamoDBThrottled, "DynamoDB throttles were injected")
	assert.Positive(t, counts.Kills, "sandboxes were killed")
	restarts, _ := st.SandboxRestarts()
	assert.Positive(t, restarts, "killed sandboxes were replaced")

	if len(res.DeadLettered) == 0 {
		return
	}
	// What exhausted its retries comes back with imgpipe redrive.
	desc, err := st.Description()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "stack.json")
	require.NoError(t, stackfile.Write(path, desc))
	var out, errOut bytes.Buffer
	code := cli.Main(ctx, []string{"--stack", path, "redrive"}, cli.Env{Stdout: &out, Stderr: &errOut, Connect: cli.Connect})
	t.Logf("imgpipe redrive: exit %d\n%s%s", code, out.String(), errOut.String())
	require.Equal(t, cli.ExitOK, code)
	for _, k := range res.DeadLettered {
		verify.WaitForRecord(t, ctx, tg, k, contract.StatusProcessed)
	}
	assert.True(t, strings.Contains(out.String(), "redriven"))
}
