// Package preflight checks, within seconds, that the AWS suites can run:
// credentials resolve through the SDK's default chain, AWS accepts them
// (sts:GetCallerIdentity), a region is set, and the Terraform binary is on
// PATH. `make test-integration` runs it before anything is built or
// deployed, so a job without credentials stops at once with a message
// naming what is needed instead of hanging or half-deploying.
package preflight

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"
)

// DefaultTimeout bounds the whole check (config, credentials, STS call).
const DefaultTimeout = 10 * time.Second

// Needs is the part of every failure message that says what to provide.
const Needs = `The AWS suites deploy real resources and need:
  - credentials, one of:
      AWS_PROFILE=<profile>              (a profile in ~/.aws/config or ~/.aws/credentials, SSO included)
      AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN for temporary keys)
      a role assumed through OIDC in CI  (aws-actions/configure-aws-credentials sets the variables above)
  - a region: AWS_REGION=<region>        (e.g. AWS_REGION=eu-west-1; AWS_DEFAULT_REGION or the profile's region also work)
  - terraform on PATH                    (or IMGPIPE_TERRAFORM_BINARY=<path to terraform or tofu>)
See test/README.md, "IAM permissions of the CI role", for the permissions the role needs.`

// Identity is who the suites will deploy as, and where.
type Identity struct {
	Account           string
	ARN               string
	Region            string
	CredentialSource  string
	TerraformBinary   string
	TerraformResolved string
}

func (id Identity) String() string {
	return fmt.Sprintf("account=%s arn=%s region=%s credentials=%s terraform=%s",
		id.Account, id.ARN, id.Region, id.CredentialSource, id.TerraformResolved)
}

// Error is a failed preflight: Problem names what is wrong, Err is the cause.
type Error struct {
	Problem string
	Err     error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("preflight: ")
	b.WriteString(e.Problem)
	if e.Err != nil {
		b.WriteString("\n  cause: ")
		b.WriteString(e.Err.Error())
	}
	b.WriteString("\n")
	b.WriteString(Needs)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Options tunes Check. The zero value checks the default SDK chain with
// DefaultTimeout and looks up "terraform".
type Options struct {
	// Timeout bounds the whole check; <= 0 means DefaultTimeout.
	Timeout time.Duration
	// TerraformBinary is the Terraform (or OpenTofu) executable the suites
	// will run; "" means "terraform". Set SkipTerraform to not look it up.
	TerraformBinary string
	SkipTerraform   bool
	// LoadOptions are passed to config.LoadDefaultConfig (tests point the
	// STS endpoint at a fake with them).
	LoadOptions []func(*config.LoadOptions) error
}

// Check resolves the default AWS configuration, requires a region and
// credentials that STS accepts, and finds the Terraform binary.
func Check(ctx context.Context, opts Options) (Identity, error) {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var id Identity
	if !opts.SkipTerraform {
		bin := opts.TerraformBinary
		if bin == "" {
			bin = "terraform"
		}
		path, err := exec.LookPath(bin)
		if err != nil {
			return id, &Error{Problem: fmt.Sprintf("the Terraform binary %q is not on PATH", bin), Err: err}
		}
		id.TerraformBinary, id.TerraformResolved = bin, path
	}

	load := append([]func(*config.LoadOptions) error{config.WithLogger(logging.Nop{})}, opts.LoadOptions...)
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return id, &Error{Problem: "the AWS configuration could not be loaded (is AWS_PROFILE naming a profile that exists?)", Err: err}
	}
	id.Region = cfg.Region

	// Report a missing region and missing credentials together, so one
	// run tells everything that is needed.
	creds, credErr := retrieve(ctx, cfg)
	switch {
	case cfg.Region == "" && credErr != nil:
		return id, &Error{Problem: timedOut(ctx, "no AWS region is set (AWS_REGION) and no AWS credentials were found", timeout), Err: credErr}
	case cfg.Region == "":
		return id, &Error{Problem: fmt.Sprintf("no AWS region is set (AWS_REGION); credentials were found (%s)", creds.Source)}
	case credErr != nil:
		return id, &Error{Problem: timedOut(ctx, "no AWS credentials were found", timeout), Err: credErr}
	}
	id.CredentialSource = creds.Source

	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return id, &Error{
			Problem: timedOut(ctx, fmt.Sprintf("sts:GetCallerIdentity in %s failed with the credentials from %s (rejected credentials, or no network route to AWS)", cfg.Region, creds.Source), timeout),
			Err:     err,
		}
	}
	id.Account, id.ARN = aws.ToString(out.Account), aws.ToString(out.Arn)
	return id, nil
}

func retrieve(ctx context.Context, cfg aws.Config) (aws.Credentials, error) {
	if cfg.Credentials == nil {
		return aws.Credentials{}, errors.New("the SDK resolved no credential provider")
	}
	return cfg.Credentials.Retrieve(ctx)
}

// timedOut says so when the check ran out of time, which otherwise reads
// as an opaque "context deadline exceeded" deep inside the cause.
func timedOut(ctx context.Context, problem string, timeout time.Duration) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("%s within %s (timed out)", problem, timeout)
	}
	return problem
}
