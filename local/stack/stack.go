// Package stack runs the imgpipe pipeline on a local AWS: kumo in-process,
// exposed on 127.0.0.1:4566, provisioned with the AWS SDK as the Terraform
// modules declare it, with the real Lambda handler (`bootstrap`) built for
// the host and run as the function's runtime through the Lambda Runtime API.
//
// kumo quirks are handled here and only here (docs/local.md lists them): the S3→Lambda base URL is fixed to localhost:4566, so the
// in-process server is put behind a reverse proxy on that port; kumo does
// not pass the function's environment to the runtime, so the stack passes
// it; asynchronous events sent before a handler polls are dropped, so Start
// returns only once a synchronous Invoke has round-tripped; and dropped
// events are counted from kumo's own log so they are reported, not waited
// for.
package stack

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/sivchari/kumo"

	"github.com/imgpipe/imgpipe/internal/contract"
)

// Defaults of Config.
const (
	// DefaultAddr is where kumo's S3 service sends Lambda notifications
	// (hard-coded to http://localhost:4566 in kumo v0.33.1).
	DefaultAddr           = "127.0.0.1:4566"
	DefaultRegion         = "us-east-1"
	DefaultNamePrefix     = "imgpipe"
	DefaultEnvironment    = "local"
	DefaultHandlerPackage = "./lambda/cmd/processor"
	DefaultReadyTimeout   = 90 * time.Second
)

// Config configures a local stack. The zero value is usable.
type Config struct {
	Addr           string            // listen address; DefaultAddr
	Region         string            // DefaultRegion
	NamePrefix     string            // DefaultNamePrefix
	Environment    string            // DefaultEnvironment; the ENVIRONMENT of the function
	HandlerPackage string            // Go package built as bootstrap, relative to the module root
	FunctionEnv    map[string]string // function environment overrides (e.g. MAX_IMAGE_PIXELS)
	LogDir         string            // handler.log and kumo.log; default: the work dir
	ReadyTimeout   time.Duration     // build excluded; DefaultReadyTimeout
	Logger         *slog.Logger      // the harness's own progress; default: discard
}

// Stack is a running local stack. Close it.
type Stack struct {
	Names     Names
	Endpoint  string // http://<addr>
	Region    string
	S3        *s3.Client
	DynamoDB  *dynamodb.Client
	Lambda    *lambda.Client
	Env       map[string]string // the function's configured environment
	LogDir    string
	BuildTime time.Duration

	workDir   string
	kumo      *kumo.Server
	proxy     *http.Server
	handler   *process
	dropped   atomic.Int64
	prevSlog  *slog.Logger
	kumoLog   *os.File
	closeOnce sync.Once
}

// Start builds the handler, starts kumo behind the proxy, provisions the
// resources and runs the handler until it answers an Invoke. Cancelling ctx
// stops the handler process; Close releases everything.
func Start(ctx context.Context, cfg Config) (_ *Stack, err error) {
	cfg = withDefaults(cfg)
	lg := cfg.Logger
	s := &Stack{
		Names:    NamesFor(cfg.NamePrefix, cfg.Environment),
		Endpoint: "http://" + cfg.Addr,
		Region:   cfg.Region,
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()

	ln, err := listen(cfg.Addr)
	if err != nil {
		return nil, err
	}
	s.workDir, err = os.MkdirTemp("", "imgpipe-local-")
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("create a work dir: %w", err)
	}
	s.LogDir = cfg.LogDir
	if s.LogDir == "" {
		s.LogDir = s.workDir
	}
	if err = os.MkdirAll(s.LogDir, 0o755); err != nil {
		ln.Close()
		return nil, fmt.Errorf("create the log dir: %w", err)
	}

	lg.Info("building the Lambda handler", "package", cfg.HandlerPackage)
	start := time.Now()
	root, err := moduleRoot(ctx)
	var bin string
	if err == nil {
		bin, err = buildHandler(ctx, root, cfg.HandlerPackage, s.workDir)
	}
	if err != nil {
		ln.Close()
		return nil, err
	}
	s.BuildTime = time.Since(start)

	if err = s.startKumo(ln); err != nil {
		return nil, err
	}
	s.S3, s.DynamoDB, s.Lambda = clientsFor(s.Endpoint, s.Region)
	iamc := iam.NewFromConfig(awsConfig(s.Endpoint, s.Region))

	lg.Info("provisioning", "bucket", s.Names.Bucket, "table", s.Names.Table, "function", s.Names.Function)
	c := clients{s3: s.S3, ddb: s.DynamoDB, lambda: s.Lambda, iam: iamc}
	if err = provisionStorage(ctx, c, s.Names); err != nil {
		return nil, err
	}
	if _, err = provisionFunction(ctx, c, s.Names, bin, functionEnv(cfg.Environment, s.Names.Table, cfg.FunctionEnv)); err != nil {
		return nil, err
	}
	// kumo does not hand the function's environment to its runtime: read
	// it back from the function, as Lambda would, and pass it ourselves.
	fc, err := s.Lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(s.Names.Function)})
	if err != nil {
		return nil, fmt.Errorf("read back function %s: %w", s.Names.Function, err)
	}
	s.Env = map[string]string{}
	if fc.Environment != nil {
		for k, v := range fc.Environment.Variables {
			s.Env[k] = v
		}
	}

	s.handler, err = startProcess(ctx, bin, s.runtimeEnv(cfg.Addr, fc.MemorySize), filepath.Join(s.LogDir, "handler.log"))
	if err != nil {
		return nil, err
	}
	lg.Info("waiting for the handler to poll", "log", s.HandlerLogPath())
	if err = s.waitReady(ctx, cfg.ReadyTimeout); err != nil {
		return nil, err
	}
	return s, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.NamePrefix == "" {
		cfg.NamePrefix = DefaultNamePrefix
	}
	if cfg.Environment == "" {
		cfg.Environment = DefaultEnvironment
	}
	if cfg.HandlerPackage == "" {
		cfg.HandlerPackage = DefaultHandlerPackage
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = DefaultReadyTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

// startKumo starts the in-process emulator and serves it through a reverse
// proxy on ln, and routes kumo's own log lines to kumo.log.
func (s *Stack) startKumo(ln net.Listener) error {
	f, err := os.OpenFile(filepath.Join(s.LogDir, "kumo.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		ln.Close()
		return fmt.Errorf("open kumo.log: %w", err)
	}
	s.kumoLog = f
	// kumo logs dropped async events through the process-wide default
	// logger; capture them (restored on Close).
	s.prevSlog = slog.Default()
	slog.SetDefault(slog.New(kumoLog{next: slog.NewJSONHandler(f, nil), dropped: &s.dropped}))

	s.kumo = kumo.NewServer()
	target, err := url.Parse(s.kumo.URL)
	if err != nil {
		ln.Close()
		return fmt.Errorf("parse kumo URL %q: %w", s.kumo.URL, err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host
		},
		Transport:     tr,
		FlushInterval: -1,
		ErrorLog:      log.New(f, "proxy: ", log.LstdFlags),
	}
	s.proxy = &http.Server{Handler: rp, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(f, "proxy: ", log.LstdFlags)}
	go func() { _ = s.proxy.Serve(ln) }()
	return nil
}

// runtimeEnv is what the Lambda sandbox gives the handler: the function's
// configured environment, the runtime variables, and credentials and
// endpoint of the local AWS.
func (s *Stack) runtimeEnv(addr string, memory *int32) map[string]string {
	env := map[string]string{}
	for k, v := range s.Env {
		env[k] = v
	}
	mem := functionMemoryMB
	if memory != nil {
		mem = int(*memory)
	}
	for k, v := range map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          addr + "/_runtime/" + s.Names.Function,
		"AWS_LAMBDA_FUNCTION_NAME":        s.Names.Function,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(mem),
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + s.Names.Function,
		"AWS_LAMBDA_LOG_STREAM_NAME":      "local",
		"AWS_REGION":                      s.Region,
		"AWS_DEFAULT_REGION":              s.Region,
		"AWS_ACCESS_KEY_ID":               "test",
		"AWS_SECRET_ACCESS_KEY":           "test",
		"AWS_ENDPOINT_URL":                s.Endpoint,
		contract.EnvS3UsePathStyle:        "true",
		"TZ":                              "UTC",
	} {
		env[k] = v
	}
	return env
}

// waitReady polls a synchronous Invoke with an empty event until the
// handler answers it: kumo drops asynchronous events sent before any
// handler has polled.
func (s *Stack) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if err, done := s.handler.exited(); done {
			return fmt.Errorf("%w before it was ready; last lines of %s:\n%s", err, s.HandlerLogPath(), s.HandlerLogTail(20))
		}
		actx, cancel := context.WithTimeout(ctx, 2*time.Second)
		out, err := s.Lambda.Invoke(actx, &lambda.InvokeInput{
			FunctionName: aws.String(s.Names.Function),
			Payload:      []byte(`{"Records":[]}`),
		})
		cancel()
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("wait for the Lambda handler: %w", ctx.Err())
		case err != nil:
			last = err
		case out.FunctionError != nil:
			return fmt.Errorf("the Lambda handler failed an empty event ({\"Records\":[]}): %s: %s", *out.FunctionError, out.Payload)
		case out.StatusCode == http.StatusOK:
			return nil
		default:
			last = fmt.Errorf("invoke returned status %d", out.StatusCode)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the Lambda handler: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("the Lambda handler did not answer an Invoke within %s (last error: %v); last lines of %s:\n%s",
		timeout, last, s.HandlerLogPath(), s.HandlerLogTail(20))
}

// HandlerLogPath is the file holding the handler's stdout and stderr
// (JSON logs and EMF metric lines).
func (s *Stack) HandlerLogPath() string { return filepath.Join(s.LogDir, "handler.log") }

// HandlerLogTail returns the last n lines of the handler's log.
func (s *Stack) HandlerLogTail(n int) string { return tailFile(s.HandlerLogPath(), n) }

// KumoLogPath is the file holding kumo's and the proxy's log lines.
func (s *Stack) KumoLogPath() string { return filepath.Join(s.LogDir, "kumo.log") }

// DroppedEvents is how many asynchronous invocations kumo reported dropping
// (queue full, retries exhausted, expired) since Start.
func (s *Stack) DroppedEvents() int64 { return s.dropped.Load() }

// HandlerErr returns why the handler process is gone, or nil while it runs.
func (s *Stack) HandlerErr() error {
	if s.handler == nil {
		return errors.New("the Lambda handler was never started")
	}
	err, done := s.handler.exited()
	if !done {
		return nil
	}
	return err
}

// Close stops the handler (its whole process group), the proxy and kumo,
// and removes the work dir (the logs stay if LogDir was set).
func (s *Stack) Close() {
	s.closeOnce.Do(func() {
		if s.handler != nil {
			s.handler.stop()
		}
		if s.proxy != nil {
			_ = s.proxy.Close()
		}
		if s.kumo != nil {
			s.kumo.Close()
		}
		if s.prevSlog != nil {
			slog.SetDefault(s.prevSlog)
		}
		if s.kumoLog != nil {
			s.kumoLog.Close()
		}
		if s.workDir != "" && !strings.HasPrefix(s.LogDir, s.workDir) {
			_ = os.RemoveAll(s.workDir)
		} else if s.workDir != "" {
			_ = os.Remove(filepath.Join(s.workDir, "bootstrap"))
		}
	})
}

func awsConfig(endpoint, region string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second}},
	}
}

func clientsFor(endpoint, region string) (*s3.Client, *dynamodb.Client, *lambda.Client) {
	cfg := awsConfig(endpoint, region)
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		dynamodb.NewFromConfig(cfg),
		lambda.NewFromConfig(cfg)
}
