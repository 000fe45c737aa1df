package cleanup

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		arn        string
		kind       Kind
		name       string
		region     string
		wantErrMsg string
	}{
		{arn: "arn:aws:s3:::imgpipe-it-k3x9qa-images-123456789012", kind: KindBucket, name: "imgpipe-it-k3x9qa-images-123456789012"},
		{arn: "arn:aws:dynamodb:eu-west-1:123456789012:table/imgpipe-it-k3x9qa-metadata", kind: KindTable, name: "imgpipe-it-k3x9qa-metadata", region: "eu-west-1"},
		{arn: "arn:aws:dynamodb:eu-west-1:123456789012:table/imgpipe-it-k3x9qa-metadata/index/StatusIndex", kind: KindOther, name: "table/imgpipe-it-k3x9qa-metadata/index/StatusIndex", region: "eu-west-1"},
		{arn: "arn:aws:lambda:eu-west-1:123456789012:function:imgpipe-it-k3x9qa-processor", kind: KindFunction, name: "imgpipe-it-k3x9qa-processor", region: "eu-west-1"},
		{arn: "arn:aws:lambda:eu-west-1:123456789012:function:imgpipe-it-k3x9qa-processor:3", kind: KindOther, name: "function:imgpipe-it-k3x9qa-processor:3", region: "eu-west-1"},
		{arn: "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/imgpipe-it-k3x9qa-processor", kind: KindLogGroup, name: "/aws/lambda/imgpipe-it-k3x9qa-processor", region: "eu-west-1"},
		{arn: "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/imgpipe-it-k3x9qa-processor:*", kind: KindLogGroup, name: "/aws/lambda/imgpipe-it-k3x9qa-processor", region: "eu-west-1"},
		{arn: "arn:aws:sqs:eu-west-1:123456789012:imgpipe-it-k3x9qa-processor-dlq", kind: KindQueue, name: "imgpipe-it-k3x9qa-processor-dlq", region: "eu-west-1"},
		{arn: "arn:aws:sns:eu-west-1:123456789012:imgpipe-it-k3x9qa-alarms", kind: KindTopic, name: "imgpipe-it-k3x9qa-alarms", region: "eu-west-1"},
		{arn: "arn:aws:sns:eu-west-1:123456789012:imgpipe-it-k3x9qa-alarms:8a21d5a0-0000", kind: KindOther, name: "imgpipe-it-k3x9qa-alarms:8a21d5a0-0000", region: "eu-west-1"},
		{arn: "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:imgpipe-it-k3x9qa-lambda-errors", kind: KindAlarm, name: "imgpipe-it-k3x9qa-lambda-errors", region: "eu-west-1"},
		{arn: "arn:aws:cloudwatch::123456789012:dashboard/imgpipe-it-k3x9qa", kind: KindDashboard, name: "imgpipe-it-k3x9qa"},
		{arn: "arn:aws:iam::123456789012:role/imgpipe-it-k3x9qa-processor", kind: KindRole, name: "imgpipe-it-k3x9qa-processor"},
		{arn: "arn:aws:iam::123456789012:role/service/imgpipe-it-k3x9qa-processor", kind: KindRole, name: "imgpipe-it-k3x9qa-processor"},
		{arn: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", kind: KindKMSKey, name: "1234abcd-12ab-34cd-56ef-1234567890ab", region: "eu-west-1"},
		{arn: "arn:aws:kms:eu-west-1:123456789012:alias/imgpipe-it-k3x9qa-alarms", kind: KindKMSAlias, name: "alias/imgpipe-it-k3x9qa-alarms", region: "eu-west-1"},
		{arn: "arn:aws:pipes:eu-west-1:123456789012:pipe/imgpipe-it-k3x9qa-outcome-events", kind: KindPipe, name: "imgpipe-it-k3x9qa-outcome-events", region: "eu-west-1"},
		{arn: "arn:aws:events:eu-west-1:123456789012:event-bus/imgpipe-it-k3x9qa-events", kind: KindEventBus, name: "imgpipe-it-k3x9qa-events", region: "eu-west-1"},
		{arn: "arn:aws:events:eu-west-1:123456789012:rule/imgpipe-it-k3x9qa-events/imgpipe-it-k3x9qa-deleted", kind: KindEventRule, name: "imgpipe-it-k3x9qa-deleted", region: "eu-west-1"},
		{arn: "arn:aws:events:eu-west-1:123456789012:rule/imgpipe-it-k3x9qa-on-default", kind: KindEventRule, name: "imgpipe-it-k3x9qa-on-default", region: "eu-west-1"},
		{arn: "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1", kind: KindOther, name: "vpc/vpc-1", region: "eu-west-1"},
		{arn: "imgpipe-it-k3x9qa", wantErrMsg: `"imgpipe-it-k3x9qa" is not an ARN`},
		{arn: "arn:aws::eu-west-1:1:x", wantErrMsg: "is not an ARN"},
	}
	for _, tc := range tests {
		t.Run(tc.arn, func(t *testing.T) {
			r, err := Classify(tc.arn)
			if tc.wantErrMsg != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErrMsg)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.kind, r.Kind)
			assert.Equal(t, tc.name, r.Name)
			assert.Equal(t, tc.region, r.Region)
			assert.Equal(t, tc.arn, r.ARN)
		})
	}
}

func TestOrder(t *testing.T) {
	arns := []string{
		"arn:aws:kms:eu-west-1:1:key/k",
		"arn:aws:s3:::imgpipe-it-a-images-1",
		"arn:aws:iam::1:role/imgpipe-it-a-processor",
		"arn:aws:lambda:eu-west-1:1:function:imgpipe-it-a-processor",
		"arn:aws:cloudwatch:eu-west-1:1:alarm:imgpipe-it-a-b",
		"arn:aws:cloudwatch:eu-west-1:1:alarm:imgpipe-it-a-a",
		"arn:aws:kms:eu-west-1:1:alias/imgpipe-it-a-alarms",
		"arn:aws:lambda:eu-west-1:1:function:imgpipe-it-a-processor", // found twice
		"arn:aws:events:eu-west-1:1:event-bus/imgpipe-it-a-events",
		"arn:aws:events:eu-west-1:1:rule/imgpipe-it-a-events/imgpipe-it-a-deleted",
		"arn:aws:pipes:eu-west-1:1:pipe/imgpipe-it-a-outcome-events",
	}
	var rs []Resource
	for _, a := range arns {
		r, err := Classify(a)
		require.NoError(t, err)
		rs = append(rs, r)
	}
	var got []string
	for _, r := range Order(rs) {
		got = append(got, r.ARN)
	}
	assert.Equal(t, []string{
		"arn:aws:pipes:eu-west-1:1:pipe/imgpipe-it-a-outcome-events",
		"arn:aws:cloudwatch:eu-west-1:1:alarm:imgpipe-it-a-a",
		"arn:aws:cloudwatch:eu-west-1:1:alarm:imgpipe-it-a-b",
		"arn:aws:events:eu-west-1:1:rule/imgpipe-it-a-events/imgpipe-it-a-deleted",
		"arn:aws:lambda:eu-west-1:1:function:imgpipe-it-a-processor",
		"arn:aws:events:eu-west-1:1:event-bus/imgpipe-it-a-events",
		"arn:aws:s3:::imgpipe-it-a-images-1",
		"arn:aws:iam::1:role/imgpipe-it-a-processor",
		"arn:aws:kms:eu-west-1:1:alias/imgpipe-it-a-alarms",
		"arn:aws:kms:eu-west-1:1:key/k",
	}, got, "the pipe first (it reads the table and invokes the function), alarms, rules and the function before the bus, the bucket, the role and the key; the alias before its key")
}

func TestOwnsName(t *testing.T) {
	tests := []struct {
		run, name string
		want      bool
	}{
		{"k3x9qa", "imgpipe-it-k3x9qa", true},
		{"k3x9qa", "imgpipe-it-k3x9qa-processor", true},
		{"k3x9qa", "imgpipe-it-k3x9qab-processor", false},
		{"k3x9qa", "imgpipe-prod-processor", false},
		{"k3x9qa", "imgpipe-it-other1-metadata", false},
		{AllRuns, "imgpipe-it-other1-metadata", true},
		{AllRuns, "imgpipe-prod-metadata", false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, ownsName(tc.run, tc.name), "%s / %s", tc.run, tc.name)
	}
}

func TestCheckRun(t *testing.T) {
	require.NoError(t, CheckRun("k3x9qa"))
	require.NoError(t, CheckRun(AllRuns))
	err := CheckRun("K3x9QA")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `use "k3x9qa"`)
	err = CheckRun("x")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "4 to 12")
}
