// Package cli is the imgpipe command line: it parses the arguments, reads
// the stack description, runs one command on the clients it is given and
// prints the result as text or JSON (--json). cmd/imgpipe only wires the
// AWS clients to it.
//
// Exit codes: 0 done and clean; 1 problems found, items failed, or
// interrupted; 2 usage or configuration error (the message names it).
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/imgpipe/imgpipe/internal/stackfile"
	"github.com/imgpipe/imgpipe/ops/batchjob"
	"github.com/imgpipe/imgpipe/ops/inventory"
	"github.com/imgpipe/imgpipe/ops/invoke"
	"github.com/imgpipe/imgpipe/ops/progress"
	"github.com/imgpipe/imgpipe/ops/records"
	"github.com/imgpipe/imgpipe/ops/redrive"
	"github.com/imgpipe/imgpipe/ops/run"
	"github.com/imgpipe/imgpipe/ops/status"
)

// Exit codes.
const (
	ExitOK       = 0
	ExitProblems = 1
	ExitUsage    = 2
)

// S3API is the S3 calls of every command.
type S3API interface {
	inventory.Lister
	batchjob.ObjectAPI
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
}

// LambdaAPI is the Lambda calls of every command.
type LambdaAPI interface {
	invoke.API
	GetFunctionConfiguration(ctx context.Context, in *lambda.GetFunctionConfigurationInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error)
}

// SQSAPI is the SQS calls of every command.
type SQSAPI interface {
	redrive.QueueAPI
	status.QueueAPI
}

// Clients are the AWS clients of one stack.
type Clients struct {
	S3         S3API
	DynamoDB   records.QueryAPI
	Lambda     LambdaAPI
	SQS        SQSAPI
	CloudWatch status.CloudWatchAPI
	Control    batchjob.ControlAPI
	// AccountID returns the caller's account (S3 Batch Operations jobs
	// belong to an account).
	AccountID func(ctx context.Context) (string, error)
}

// Env is what one run of the CLI works with.
type Env struct {
	Stdout, Stderr io.Writer
	// Terminal reports whether Stderr is a terminal (progress bars).
	Terminal bool
	// Connect makes the clients of a stack.
	Connect func(ctx context.Context, s stackfile.Stack) (*Clients, error)
	// Terraform is the binary --terraform-dir runs ("terraform" when empty).
	Terraform string
	// FollowInterval is how often `status --job` polls (15 s when 0).
	FollowInterval time.Duration
}

// usageError is a usage or configuration error (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// configCodes are AWS error codes that mean the stack description or the
// credentials are wrong, not that the work failed.
var configCodes = map[string]bool{
	"NoSuchBucket": true, "ResourceNotFoundException": true, "AccessDenied": true, "AccessDeniedException": true,
	"QueueDoesNotExist": true, "AWS.SimpleQueueService.NonExistentQueue": true, "UnrecognizedClientException": true,
	"InvalidClientTokenId": true, "ExpiredToken": true, "ExpiredTokenException": true, "InvalidAccessKeyId": true,
	"SignatureDoesNotMatch": true,
}

// exitCodeOf is the exit status for a command's fatal error.
func exitCodeOf(err error) int {
	var ue usageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	var api smithy.APIError
	if errors.As(err, &api) && configCodes[api.ErrorCode()] {
		return ExitUsage
	}
	return ExitProblems
}

// common are the flags every command takes.
type common struct {
	json        bool
	concurrency int
	rate        float64
}

func (c *common) register(fs *flag.FlagSet, bounded bool) {
	fs.BoolVar(&c.json, "json", c.json, "print the result as JSON on stdout")
	if bounded {
		fs.IntVar(&c.concurrency, "concurrency", run.DefaultConcurrency, fmt.Sprintf("items worked on at once (1 to %d)", run.MaxConcurrency))
		fs.Float64Var(&c.rate, "rate", 0, "items started per second at most (0: unlimited)")
	}
}

func (c *common) check() error {
	if c.concurrency < 0 || c.concurrency > run.MaxConcurrency {
		return usagef("--concurrency %d: want 1 to %d", c.concurrency, run.MaxConcurrency)
	}
	if c.rate < 0 {
		return usagef("--rate %g: want 0 (unlimited) or more", c.rate)
	}
	return nil
}

// app is one run: the parsed flags, the stack and its clients.
type app struct {
	ctx   context.Context
	env   Env
	flags common
	stack stackfile.Stack
	c     *Clients
}

func (a *app) runOptions(total int, label string) run.Options {
	return run.Options{Concurrency: a.flags.concurrency, Rate: a.flags.rate, Progress: a.progress(total, label)}
}

func (a *app) progress(total int, label string) progress.Reporter {
	if a.flags.json && !a.env.Terminal {
		return progress.Nop{} // machine output: stderr stays quiet too
	}
	return progress.New(a.env.Stderr, a.env.Terminal, total, label)
}

func (a *app) records() *records.Store { return records.New(a.c.DynamoDB, a.stack.Table) }

func (a *app) invoker() invoke.Invoker {
	return invoke.Invoker{API: a.c.Lambda, Function: a.stack.Function, Bucket: a.stack.Bucket, Region: a.stack.Region}
}

// out prints the result: v as JSON with --json, else text. The text is
// composed in a strings.Builder (writes to it cannot fail) and written in
// one go, so a failed write to stdout is the error returned.
func (a *app) out(v any, text func(w *strings.Builder)) error {
	if a.flags.json {
		enc := json.NewEncoder(a.env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	var b strings.Builder
	text(&b)
	_, err := io.WriteString(a.env.Stdout, b.String())
	return err
}

// warnf writes a message for the user to stderr. The exit status carries
// the outcome; if stderr fails too there is nowhere left to report that.
func warnf(w io.Writer, format string, args ...any) {
	_, _ = fmt.Fprintf(w, format, args...)
}

// command is one subcommand.
type command struct {
	name, args, help string
	bounded          bool // takes --concurrency and --rate
	flags            func(fs *flag.FlagSet) func(a *app) (int, error)
}

var commands []command

func usage(w io.Writer) {
	var b strings.Builder
	defer func() { warnf(w, "%s", b.String()) }()
	fmt.Fprintln(&b, `usage: imgpipe [--stack FILE | --terraform-dir DIR] [--json] <command> [flags]

Works on one deployed imgpipe stack: the local one (--stack out/local/stack.json,
written by make local-up) or one on AWS (--terraform-dir terraform, or --stack
with the output of terraform output -json). Credentials and region come from
the standard AWS chain.

commands:`)
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-10s %s\n             %s\n", c.name, c.args, c.help)
	}
	fmt.Fprintln(&b, `
Every command takes --json. Exit status: 0 done and clean, 1 problems found or
items failed (or interrupted: run it again to continue), 2 usage or
configuration error. Run imgpipe <command> -h for its flags.`)
}

// Main runs the CLI with args (without the program name) and returns the
// exit status.
func Main(ctx context.Context, args []string, env Env) int {
	a := &app{ctx: ctx, env: env}
	global := flag.NewFlagSet("imgpipe", flag.ContinueOnError)
	global.SetOutput(env.Stderr)
	global.Usage = func() { usage(env.Stderr) }
	stackPath := global.String("stack", "", "stack description: out/local/stack.json, or the output of `terraform output -json`")
	tfDir := global.String("terraform-dir", "", "root stack folder whose `terraform output -json` describes the stack")
	a.flags.register(global, false)
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if global.NArg() == 0 {
		warnf(env.Stderr, "imgpipe: no command given\n")
		usage(env.Stderr)
		return ExitUsage
	}
	name := global.Arg(0)
	var cmd *command
	for i := range commands {
		if commands[i].name == name {
			cmd = &commands[i]
		}
	}
	if cmd == nil {
		warnf(env.Stderr, "imgpipe: unknown command %q\n", name)
		usage(env.Stderr)
		return ExitUsage
	}
	fs := flag.NewFlagSet("imgpipe "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		warnf(env.Stderr, "usage: imgpipe %s %s\n  %s\n\nflags:\n", cmd.name, cmd.args, cmd.help)
		fs.PrintDefaults()
	}
	a.flags.register(fs, cmd.bounded)
	runCmd := cmd.flags(fs)
	if err := fs.Parse(global.Args()[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if fs.NArg() > 0 {
		warnf(env.Stderr, "imgpipe %s: unexpected argument %q\n", name, fs.Arg(0))
		return ExitUsage
	}
	if err := a.flags.check(); err != nil {
		return a.fail(name, err)
	}

	var err error
	switch {
	case *stackPath != "" && *tfDir != "":
		err = usagef("give --stack or --terraform-dir, not both")
	case *stackPath != "":
		a.stack, err = stackfile.Load(*stackPath)
	case *tfDir != "":
		tf := env.Terraform
		if tf == "" {
			tf = "terraform"
		}
		a.stack, err = stackfile.FromTerraformDir(ctx, tf, *tfDir)
	default:
		err = usagef("no stack given: use --stack out/local/stack.json (written by make local-up) or --terraform-dir terraform")
	}
	if err != nil {
		if _, ok := err.(usageError); !ok {
			err = usagef("%w", err)
		}
		return a.fail(name, err)
	}
	if a.c, err = env.Connect(ctx, a.stack); err != nil {
		return a.fail(name, usagef("AWS configuration: %w", err))
	}
	code, err := runCmd(a)
	if err != nil {
		return a.fail(name, err)
	}
	if ctx.Err() != nil && code == ExitOK {
		code = ExitProblems
	}
	return code
}

func (a *app) fail(name string, err error) int {
	code := exitCodeOf(err)
	msg := err.Error()
	if code == ExitUsage && !strings.Contains(msg, "usage") {
		var api smithy.APIError
		if errors.As(err, &api) && configCodes[api.ErrorCode()] {
			msg = "configuration error (check the stack description and the credentials): " + msg
		}
	}
	warnf(a.env.Stderr, "imgpipe %s: %s\n", name, msg)
	return code
}

// The SDK clients satisfy the interfaces (compile-time checks).
var (
	_ S3API                = (*s3.Client)(nil)
	_ LambdaAPI            = (*lambda.Client)(nil)
	_ SQSAPI               = (*sqs.Client)(nil)
	_ status.CloudWatchAPI = (*cloudwatch.Client)(nil)
)

// CommandInfo describes one command for documentation.
type CommandInfo struct {
	Name, Args, Help string
	Flags            []string // every flag it takes, without the dashes
}

// Commands lists the commands and their flags.
func Commands() []CommandInfo {
	var out []CommandInfo
	for _, c := range commands {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		var f common
		f.register(fs, c.bounded)
		c.flags(fs)
		info := CommandInfo{Name: c.name, Args: c.args, Help: c.help}
		fs.VisitAll(func(fl *flag.Flag) { info.Flags = append(info.Flags, fl.Name) })
		out = append(out, info)
	}
	return out
}
