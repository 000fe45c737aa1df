package awstest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// Lambda is one function: Invoke hands the payload to Handler (for an
// Event invocation too, before returning: deterministic for tests) and
// answers as Lambda does: status 200 with the handler's JSON response, or
// FunctionError "Unhandled" with {"errorMessage","errorType"}; 202 for an
// Event invocation.
type Lambda struct {
	Name string
	Arn  string
	Env  map[string]string // returned by GetFunctionConfiguration
	// Handler runs one invocation; its error is the function's error.
	Handler func(ctx context.Context, payload []byte) (any, error)

	mu     sync.Mutex
	calls  []Invocation
	failed []Invocation // Event invocations whose handler failed
}

// Invocation is one recorded call.
type Invocation struct {
	Type    lambdatypes.InvocationType
	Payload []byte
	Err     error
}

// Invoke runs the handler; an unknown function name is ResourceNotFound.
func (f *Lambda) Invoke(ctx context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if name := aws.ToString(in.FunctionName); name != f.Name && name != f.Arn {
		return nil, &lambdatypes.ResourceNotFoundException{Message: aws.String("Function not found: " + name)}
	}
	typ := in.InvocationType
	if typ == "" {
		typ = lambdatypes.InvocationTypeRequestResponse
	}
	res, err := f.Handler(ctx, in.Payload)
	call := Invocation{Type: typ, Payload: append([]byte(nil), in.Payload...), Err: err}
	f.mu.Lock()
	f.calls = append(f.calls, call)
	if err != nil && typ == lambdatypes.InvocationTypeEvent {
		f.failed = append(f.failed, call)
	}
	f.mu.Unlock()
	if typ == lambdatypes.InvocationTypeEvent {
		return &lambda.InvokeOutput{StatusCode: 202}, nil
	}
	if err != nil {
		body, _ := json.Marshal(map[string]string{"errorMessage": err.Error(), "errorType": fmt.Sprintf("%T", err)})
		return &lambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"), Payload: body}, nil
	}
	body, merr := json.Marshal(res)
	if merr != nil {
		return nil, merr
	}
	return &lambda.InvokeOutput{StatusCode: 200, Payload: body}, nil
}

// GetFunctionConfiguration returns the name, ARN and environment.
func (f *Lambda) GetFunctionConfiguration(ctx context.Context, in *lambda.GetFunctionConfigurationInput, _ ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if name := aws.ToString(in.FunctionName); name != f.Name && name != f.Arn {
		return nil, &lambdatypes.ResourceNotFoundException{Message: aws.String("Function not found: " + name)}
	}
	return &lambda.GetFunctionConfigurationOutput{
		FunctionName: aws.String(f.Name),
		FunctionArn:  aws.String(f.Arn),
		Environment:  &lambdatypes.EnvironmentResponse{Variables: f.Env},
	}, nil
}

// Calls returns every invocation so far.
func (f *Lambda) Calls() []Invocation {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Invocation(nil), f.calls...)
}

// FailedEvents returns the Event invocations whose handler failed.
func (f *Lambda) FailedEvents() []Invocation {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Invocation(nil), f.failed...)
}
