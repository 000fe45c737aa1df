//go:build integration

package test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/gruntwork-io/terratest/modules/terraform"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/stackfile"
	"github.com/imgpipe/imgpipe/internal/verify"
	"github.com/imgpipe/imgpipe/ops/cli"
)

// validateBatchBackfill deletes the records of objs behind the pipeline's
// back and has `imgpipe backfill --engine batch` restore them through a
// real S3 Batch Operations job (LambdaInvoke, schema 2.0), followed with
// `imgpipe status --job`. The stack description is the root stack's
// `terraform output -json`, as an operator would give it.
func validateBatchBackfill(t *testing.T, ctx context.Context, d *deployment, tg verify.Target, prefix string, objs []verify.Object) {
	raw, err := terraform.OutputJSONContextE(t, ctx, d.opts, "")
	require.NoError(t, err)
	st, err := stackfile.Parse([]byte(raw))
	require.NoError(t, err, "the root stack's outputs describe the stack")
	require.NotEmpty(t, st.BatchOperationsRole, "TestStack deploys with create_batch_operations_role")

	ddb := dynamodb.NewFromConfig(d.cfg)
	for _, o := range objs {
		rec := verify.WaitForObject(t, ctx, tg, o, contract.StatusProcessed)
		key, err := attributevalue.MarshalMap(map[string]any{contract.TableHashKey: rec.ImageID, contract.TableRangeKey: rec.UploadTimestamp})
		require.NoError(t, err)
		_, err = ddb.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(st.Table), Key: key})
		require.NoError(t, err, "delete the record of %s", o.Key)
	}

	imgpipe := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := cli.Main(ctx, args, cli.Env{Stdout: &out, Stderr: &errOut, Connect: cli.Connect, FollowInterval: 10 * time.Second})
		t.Logf("imgpipe %v: exit %d\n%s%s", args, code, out.String(), errOut.String())
		return code, out.String(), errOut.String()
	}
	stackPath := t.TempDir() + "/stack.json"
	require.NoError(t, stackfile.Write(stackPath, st))

	code, _, _ := imgpipe("--stack", stackPath, "audit", "--prefix", prefix)
	assert.Equal(t, cli.ExitProblems, code, "audit names the versions without a record")

	code, out, _ := imgpipe("--stack", stackPath, "backfill", "--engine", "batch", "--prefix", prefix, "--json")
	require.Equal(t, cli.ExitOK, code)
	var created struct {
		Job *struct {
			ID string `json:"id"`
		} `json:"job"`
		Candidates []struct {
			Key string `json:"key"`
		} `json:"candidates"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &created))
	require.NotNil(t, created.Job, "a job was created")
	assert.Len(t, created.Candidates, len(objs))

	code, out, _ = imgpipe("--stack", stackPath, "status", "--job", created.Job.ID, "--json")
	require.Equal(t, cli.ExitOK, code, "the job completes with every task succeeded")
	var job struct {
		Status    string `json:"status"`
		Total     int    `json:"total"`
		Succeeded int    `json:"succeeded"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &job))
	assert.Equal(t, "Complete", job.Status)
	assert.Equal(t, len(objs), job.Succeeded)

	for _, o := range objs {
		verify.WaitForObject(t, ctx, tg, o, contract.StatusProcessed)
	}
	code, _, _ = imgpipe("--stack", stackPath, "audit", "--prefix", prefix)
	assert.Equal(t, cli.ExitOK, code, "audit is clean after the batch backfill")
}
