package awstest

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	ctltypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
)

// S3Control records S3 Batch Operations jobs. A job's state is what the
// test sets with SetJob (as S3 would advance it); a new job is "New".
type S3Control struct {
	Account string

	mu      sync.Mutex
	created map[string]*s3control.CreateJobInput
	jobs    map[string]*ctltypes.JobDescriptor
	order   []string
}

// NewS3Control returns an S3Control for account.
func NewS3Control(account string) *S3Control {
	return &S3Control{Account: account, created: map[string]*s3control.CreateJobInput{}, jobs: map[string]*ctltypes.JobDescriptor{}}
}

// CreateJob validates the parts every LambdaInvoke job needs and stores it.
func (c *S3Control) CreateJob(ctx context.Context, in *s3control.CreateJobInput, _ ...func(*s3control.Options)) (*s3control.CreateJobOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch {
	case aws.ToString(in.AccountId) != c.Account:
		return nil, fmt.Errorf("AccessDenied: account %q is not the caller's", aws.ToString(in.AccountId))
	case in.Operation == nil || in.Manifest == nil || in.Report == nil || in.RoleArn == nil || in.Priority == nil || in.ClientRequestToken == nil:
		return nil, fmt.Errorf("InvalidRequest: Operation, Manifest, Report, RoleArn, Priority and ClientRequestToken are required")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	id := fmt.Sprintf("job-%04d", len(c.order)+1)
	c.created[id] = in
	c.order = append(c.order, id)
	c.jobs[id] = &ctltypes.JobDescriptor{JobId: aws.String(id), Status: ctltypes.JobStatusNew, Report: in.Report, Manifest: in.Manifest, Operation: in.Operation}
	return &s3control.CreateJobOutput{JobId: aws.String(id)}, nil
}

// Created returns the request of job id.
func (c *S3Control) Created(id string) *s3control.CreateJobInput {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.created[id]
}

// Jobs lists the job ids in creation order.
func (c *S3Control) Jobs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.order...)
}

// SetJob sets the state of job id.
func (c *S3Control) SetJob(id string, st ctltypes.JobStatus, total, succeeded, failed int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	j := c.jobs[id]
	j.Status = st
	j.ProgressSummary = &ctltypes.JobProgressSummary{TotalNumberOfTasks: aws.Int64(total), NumberOfTasksSucceeded: aws.Int64(succeeded), NumberOfTasksFailed: aws.Int64(failed)}
}

// DescribeJob returns the state of a job; an unknown id is NotFoundException.
func (c *S3Control) DescribeJob(ctx context.Context, in *s3control.DescribeJobInput, _ ...func(*s3control.Options)) (*s3control.DescribeJobOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	j, ok := c.jobs[aws.ToString(in.JobId)]
	if !ok {
		return nil, &ctltypes.NotFoundException{Message: aws.String("no job " + aws.ToString(in.JobId))}
	}
	cp := *j
	return &s3control.DescribeJobOutput{Job: &cp}, nil
}
