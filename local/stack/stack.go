// Package stack runs the imgpipe pipeline on a local AWS: kumo in-process,
// exposed on 127.0.0.1:4566, provisioned with the AWS SDK as the Terraform
// modules declare it, with the real Lambda handler (`bootstrap`) built for
// the host, packed by lambda/pack like the deployment zip, and run as the
// function's runtime through the Lambda Runtime API.
//
// # One declaration of every setting
//
// The stack restates nothing the modules declare. declare (declared.go)
// evaluates modules/storage and modules/processing with internal/tfmodule,
// as terraform/ composes them (name_prefix and environment for both, the
// bucket and table outputs of storage as inputs of processing), and turns
// the evaluated resources into the API inputs it sends. Where each value
// comes from, and why:
//
//   - Settings only the infrastructure has (the function's memory_size and
//     timeout, the lifecycle days, deletion protection): the defaults of the
//     modules' input variables, in HCL. Terraform is their only consumer, so
//     the HCL is their one declaration; a Go copy would be a second.
//   - Structure the modules spell out (runtime, handler, architectures, the
//     lifecycle rules, the TLS-only bucket policy, the notification id and
//     events, the invoke permission, the table's keys and index): the
//     modules' resource blocks, evaluated. The bucket policy and the role's
//     trust policy are aws_iam_policy_document data sources, rendered here
//     as the provider would (policy.go).
//   - The Lambda's settings (THUMBNAIL_SIZES, JPEG_QUALITY, ...): declared
//     once in internal/contract, because the Lambda needs them compiled in;
//     the module's inputs, validations and environment block are generated
//     from there, and the stack evaluates that environment block like the
//     rest, so it sets exactly what Terraform sets.
//
// A change to a module default therefore reaches `make run` with no other
// edit (TestDeclarationFollowsModuleDefaults proves it on a copy), and a
// block the stack cannot translate (a lifecycle transition, TTL) is an
// error naming it, never silently dropped.
//
// # Adding to it
//
//   - A new setting of the Lambda: see internal/contract ("Adding a setting
//     of the Lambda"); nothing changes here. Config.ProcessingInputs sets
//     any input of modules/processing for a run (the e2e suite lowers
//     max_image_pixels that way).
//   - A new resource (a queue, say): declare it in the module; add its
//     address and its API input to declaration, fill it in declareStorage or
//     declareProcessing from the evaluated block (reader keeps the first
//     error), and add a step to provisionStorage or provisionFunction.
//     Values only AWS knows (ARNs) go in tfmodule.Options.Known, as the
//     bucket's and table's do; one only the local AWS can tell (a queue's
//     URL) means creating that resource first and evaluating the module
//     again with it known, as declare does for the bucket and table.
//
// # kumo
//
// kumo quirks are handled here and only here (docs/local.md lists them):
// the S3→Lambda base URL is fixed to localhost:4566, so the in-process
// server is put behind a reverse proxy on that port; kumo does not pass the
// function's environment to the runtime, so the stack passes it;
// asynchronous events sent before a handler polls are dropped, so Start
// returns only once a synchronous Invoke has round-tripped; and dropped
// events are counted from kumo's own log so they are reported, not waited
// for. kumo has no on-failure destination, so the stack emulates it
// (destination.go): an event kumo gives up after its retries becomes
// Lambda's invocation record in the dead-letter queue. It also emulates
// the outcome-events pipe (local/eventspipe reads the table's stream and
// puts the events on the bus modules/events declares; an events queue
// subscribed to all of them lets tests read them) and the ObjectRemoved
// notifications kumo never sends (local/deletenotify, fed by the proxy);
// see events.go. What kumo does not implement otherwise is not
// provisioned (see provisionStorage and provisionFunction).
//
// # stack.json
//
// Description is what `make local-up` (local/cmd/localstack) writes to
// out/local/stack.json: internal/stackfile's Stack, the one type the imgpipe
// CLI reads for the local stack and, from `terraform output -json`, for
// AWS. A new resource other tools need (a queue, a mode) is a field there,
// filled in Description.
package stack

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"math/rand/v2"
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
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/sivchari/kumo"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/stackfile"
	"github.com/imgpipe/imgpipe/lambda/pack"
	"github.com/imgpipe/imgpipe/local/deletenotify"
	"github.com/imgpipe/imgpipe/local/eventspipe"
	"github.com/imgpipe/imgpipe/local/faults"
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
	Addr           string // listen address; DefaultAddr
	Region         string // DefaultRegion
	NamePrefix     string // DefaultNamePrefix
	Environment    string // DefaultEnvironment; the ENVIRONMENT of the function
	HandlerPackage string // Go package built as bootstrap, relative to the module root
	// ModulesDir holds the Terraform modules provisioned (storage and
	// processing); default: modules/ of the Go module root.
	ModulesDir string
	// ProcessingInputs are inputs of modules/processing, as a root stack
	// would set them (e.g. "max_image_pixels": 1000000); the rest take the
	// module's defaults. They are checked by the module's validations.
	ProcessingInputs map[string]any
	LogDir           string // handler.log and kumo.log; default: the work dir
	// PortWait is how long Start waits for Addr while another stack of
	// the same network namespace holds it (kumo sends S3 notifications to
	// port 4566 whatever Addr says, so one stack at a time); 0 fails at
	// once, naming the holder. Test packages that each start a stack use it.
	PortWait     time.Duration
	ReadyTimeout time.Duration // build excluded; DefaultReadyTimeout
	Logger       *slog.Logger  // the harness's own progress; default: discard
	// Sandboxes is how many handler processes run (Lambda execution
	// environments, one invocation each at a time). Default: one with
	// ingestion "direct" (kumo delivers a function's asynchronous events one
	// at a time); with "sqs", the mapping's maximum concurrency, at most
	// DefaultSandboxes.
	Sandboxes int
	// Faults are injected between the function and the local AWS (its AWS
	// endpoint is the fault proxy), and handler processes are killed every
	// Faults.KillEvery (local/faults). Zero: none; SetFaults changes them.
	Faults faults.Spec
}

// DefaultSandboxes bounds the handler processes of an SQS mapping: each is
// a Go process with RECORD_CONCURRENCY images in flight, on a shared machine.
const DefaultSandboxes = 4

// FunctionSettings are the settings of the provisioned function, as the
// local AWS reports them back.
type FunctionSettings struct {
	Name          string
	Runtime       string
	Architectures []string
	Handler       string
	MemorySizeMB  int32
	TimeoutSec    int32
	Environment   map[string]string
}

// Stack is a running local stack. Close it.
type Stack struct {
	Names    Names
	Endpoint string // http://<addr>
	Region   string
	S3       *s3.Client
	DynamoDB *dynamodb.Client
	Lambda   *lambda.Client
	SQS      *sqs.Client
	Events   *eventbridge.Client
	DLQURL   string // the dead-letter queue (the function's on-failure destination)
	// Ingestion is the module's ingestion mode (contract.IngestionModes);
	// with "sqs", IngestQueueURL is the queue S3 notifies and Mapping the
	// settings the harness's poller drains it with.
	Ingestion      string
	IngestQueueURL string
	Mapping        MappingSettings
	// EventsQueue is the URL of the queue every outcome event on the bus
	// (Names.EventBus) reaches: a local-only subscription for tests and
	// people (stack.json's eventsQueue).
	EventsQueue string
	Function    FunctionSettings
	Env         map[string]string // the function's configured environment (Function.Environment)
	LogDir      string
	BuildTime   time.Duration

	workDir   string
	kumo      *kumo.Server
	proxy     *http.Server
	pipe      *eventspipe.Pipe
	notifier  atomic.Pointer[deletenotify.Notifier]
	eventsLog *os.File
	dropped   atomic.Int64
	prevSlog  *slog.Logger
	kumoLog   *os.File
	faults    opFaults
	dest      atomic.Pointer[destination]
	closeOnce sync.Once

	runCancel        context.CancelFunc // ends the pool, poller and killer
	functionEndpoint string             // the fault proxy the function's SDK calls
	pool             *sandboxPool
	poller           *poller
	injector         *faults.Injector // the function's AWS endpoint
	fnServer         *http.Server
	killerWG         sync.WaitGroup
}

// Start builds the handler, starts kumo behind the proxy, provisions the
// resources and runs the handler until it answers an Invoke. Cancelling ctx
// stops the handler process; Close releases everything.
func Start(ctx context.Context, cfg Config) (_ *Stack, err error) {
	cfg = withDefaults(cfg)
	lg := cfg.Logger
	s := &Stack{Region: cfg.Region}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()

	ln, err := listen(ctx, cfg.Addr, cfg.PortWait)
	if err != nil {
		return nil, err
	}
	// Addr may ask for any free port (":0"): the endpoint is the one bound.
	s.Endpoint = "http://" + ln.Addr().String()
	s.workDir, err = os.MkdirTemp("", "imgpipe-local-")
	if err != nil {
		return nil, errors.Join(fmt.Errorf("create a work dir: %w", err), ln.Close())
	}
	s.LogDir = cfg.LogDir
	if s.LogDir == "" {
		s.LogDir = s.workDir
	}
	if err = os.MkdirAll(s.LogDir, 0o755); err != nil {
		return nil, errors.Join(fmt.Errorf("create the log dir: %w", err), ln.Close())
	}

	lg.Info("building the Lambda handler", "package", cfg.HandlerPackage)
	start := time.Now()
	root, err := moduleRoot(ctx)
	var bin string
	if err == nil {
		bin, err = buildHandler(ctx, root, cfg.HandlerPackage, s.workDir)
	}
	if err != nil {
		return nil, errors.Join(err, ln.Close())
	}
	s.BuildTime = time.Since(start)

	if cfg.ModulesDir == "" {
		cfg.ModulesDir = filepath.Join(root, "modules")
	}
	pkgPath := filepath.Join(s.workDir, "processor.zip")
	pkg, err := pack.ZipFiles(pkgPath, 0o755, bin)
	if err != nil {
		return nil, errors.Join(err, ln.Close())
	}

	if err = s.startKumo(ln, cfg.Faults); err != nil {
		return nil, err
	}
	s.S3, s.DynamoDB, s.Lambda, s.SQS = clientsFor(s.Endpoint, s.Region)
	awsCfg := awsConfig(s.Endpoint, s.Region)
	s.Events = eventbridge.NewFromConfig(awsCfg)
	id, err := sts.NewFromConfig(awsCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("ask the local AWS for its account: %w", err)
	}

	lg.Info("evaluating the Terraform modules", "dir", cfg.ModulesDir)
	queues := map[string]queueRef{}
	env := environment{
		NamePrefix: cfg.NamePrefix, Environment: cfg.Environment,
		Account: aws.ToString(id.Account), Region: s.Region,
		ProcessingInputs: cfg.ProcessingInputs, PackagePath: pkgPath,
		QueueARN: func(name string) (string, error) {
			q, err := createQueue(ctx, s.SQS, name)
			queues[name] = q
			return q.ARN, err
		},
	}
	d, err := declare(cfg.ModulesDir, env)
	if err != nil {
		return nil, fmt.Errorf("read what the modules declare: %w", err)
	}
	s.Names = d.Names
	s.Ingestion, s.Mapping = d.Ingestion, d.Poller
	s.DLQURL, s.IngestQueueURL = queues[d.Names.DLQ].URL, queues[d.Names.IngestQueue].URL

	lg.Info("provisioning", "bucket", s.Names.Bucket, "table", s.Names.Table, "function", s.Names.Function)
	c := clients{s3: s.S3, ddb: s.DynamoDB, lambda: s.Lambda, iam: iam.NewFromConfig(awsCfg), sqs: s.SQS}
	if err = provisionStorage(ctx, c, d); err != nil {
		return nil, err
	}
	if err = provisionQueues(ctx, c, d, queues); err != nil {
		return nil, err
	}
	fnArn, err := provisionFunction(ctx, c, d, pkg)
	if err != nil {
		return nil, err
	}
	// Before the first event: the on-failure destination kumo lacks.
	s.dest.Store(newDestination(s.Names.Function, fnArn, s.sendToDLQ, slog.New(slog.NewJSONHandler(s.kumoLog, nil))))
	// kumo does not hand the function's environment to its runtime: read
	// the function back, as Lambda would, and pass it ourselves.
	if s.Function, err = s.readFunction(ctx); err != nil {
		return nil, err
	}
	s.Env = s.Function.Environment

	runCtx, cancel := context.WithCancel(ctx)
	s.runCancel = cancel
	s.pool = newSandboxPool(sandboxes(cfg.Sandboxes, d), bin, s.runtimeEnv(), ln.Addr().String(), s.Names.Function,
		s.HandlerLogPath(), s.kumo.URL, slog.New(slog.NewJSONHandler(s.kumoLog, nil)))
	if err = s.pool.start(runCtx); err != nil {
		return nil, err
	}
	lg.Info("waiting for the handler to poll", "sandboxes", len(s.pool.slots), "log", s.HandlerLogPath())
	if err = s.waitReady(ctx, cfg.ReadyTimeout); err != nil {
		return nil, err
	}
	if s.Ingestion == contract.IngestionSQS {
		q := queues[d.Names.IngestQueue]
		s.poller = &poller{
			sqs: s.SQS, lambda: s.Lambda, queueURL: q.URL, queueARN: q.ARN, region: s.Region, function: s.Names.Function,
			settings: d.Poller, workers: min(d.Poller.MaximumConcurrency, len(s.pool.slots)),
			invokeTimeout: time.Duration(s.Function.TimeoutSec)*time.Second + 10*time.Second,
			log:           slog.New(slog.NewJSONHandler(s.kumoLog, nil)).With("component", "event source mapping"),
		}
		s.poller.start(runCtx)
		lg.Info("polling the ingest queue as its event source mapping would", "queue", d.Names.IngestQueue,
			"batch", d.Poller.BatchSize, "window", d.Poller.BatchingWindow, "concurrency", s.poller.workers,
			"maximum_concurrency", d.Poller.MaximumConcurrency, "visibility_timeout", d.Poller.VisibilityTimeout)
	}
	s.killerWG.Go(func() { s.killer(runCtx) })
	lg.Info("provisioning the outcome events", "log", s.EventsLogPath())
	if err = s.startEvents(ctx, cfg.ModulesDir, env, d); err != nil {
		return nil, err
	}
	return s, nil
}

// sandboxes is how many handler processes run (Config.Sandboxes).
func sandboxes(asked int, d *declaration) int {
	switch {
	case asked > 0:
		return asked
	case d.Ingestion == contract.IngestionSQS:
		return max(1, min(d.Poller.MaximumConcurrency, DefaultSandboxes))
	}
	return 1
}

// killer SIGKILLs a handler process every KillEvery of the current faults,
// until ctx ends.
func (s *Stack) killer(ctx context.Context) {
	spec := s.injector.Spec()
	rng := rand.New(rand.NewPCG(spec.Seed, spec.Seed+1))
	last := time.Now()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		every := s.injector.Spec().KillEvery
		if every <= 0 || time.Since(last) < every {
			continue
		}
		last = time.Now()
		if slot := s.pool.kill(rng); slot >= 0 {
			s.injector.CountKill()
		}
	}
}

// startEvents provisions what modules/events declares that kumo has (the
// bus), the local events queue, and starts the emulated pipe and the
// delete notifications.
func (s *Stack) startEvents(ctx context.Context, modulesDir string, env environment, d *declaration) error {
	f, err := os.OpenFile(s.EventsLogPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open events.log: %w", err)
	}
	s.eventsLog = f
	lg := slog.New(slog.NewJSONHandler(f, nil))
	stream, err := streamARN(ctx, s.DynamoDB, s.Names.Table)
	if err != nil {
		return err
	}
	ed, err := declareEvents(modulesDir, env, stream)
	if err != nil {
		return fmt.Errorf("read what modules/events declares: %w", err)
	}
	s.Names.EventBus = ed.Bus
	awsCfg := awsConfig(s.Endpoint, s.Region)
	if s.EventsQueue, err = provisionEvents(ctx, eventsClients{ddb: s.DynamoDB, events: s.Events, sqs: s.SQS}, ed); err != nil {
		return err
	}
	s.pipe, err = eventspipe.Start(ctx, eventspipe.Config{
		Streams: dynamodbstreams.NewFromConfig(awsCfg), Events: s.Events,
		StreamARN: stream, Bus: ed.Bus, Region: s.Region, Logger: lg.With("part", "pipe"),
	})
	if err != nil {
		return err
	}
	prefix, ok, err := removalNotification(d.Notification.NotificationConfiguration)
	if err != nil || !ok {
		return err
	}
	s.notifier.Store(deletenotify.New(deletenotify.Config{
		Bucket: s.Names.Bucket, Prefix: prefix, Function: s.Names.Function, Region: s.Region,
		Lambda: s.Lambda, QueueURL: s.IngestQueueURL, Queue: s.SQS, Logger: lg.With("part", "deletenotify"),
	}))
	return nil
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
func (s *Stack) startKumo(ln net.Listener, spec faults.Spec) error {
	f, err := os.OpenFile(filepath.Join(s.LogDir, "kumo.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return errors.Join(fmt.Errorf("open kumo.log: %w", err), ln.Close())
	}
	s.kumoLog = f
	// kumo logs dropped async events through the process-wide default
	// logger; capture them (restored on Close).
	s.prevSlog = slog.Default()
	slog.SetDefault(slog.New(kumoLog{next: slog.NewJSONHandler(f, nil), dropped: &s.dropped, onDrop: s.givenUp}))

	s.kumo = kumo.NewServer()
	target, err := url.Parse(s.kumo.URL)
	if err != nil {
		return errors.Join(fmt.Errorf("parse kumo URL %q: %w", s.kumo.URL, err), ln.Close())
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
		// The delete notifications kumo does not send, from the responses
		// to the deletes it served (set once the function exists).
		ModifyResponse: func(resp *http.Response) error {
			if n := s.notifier.Load(); n != nil {
				return n.Observe(resp)
			}
			return nil
		},
	}
	// Injected faults answer first; the destination emulation sees the rest.
	handler := s.faults.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d := s.dest.Load(); d != nil {
			d.wrap(rp).ServeHTTP(w, r)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	// The handler processes reach the Runtime API under their sandbox's
	// prefix (sandbox.go); the pool exists once the stack is provisioned.
	main := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.pool != nil && strings.HasPrefix(r.URL.Path, sandboxPrefix) {
			s.pool.routeRuntime(handler).ServeHTTP(w, r)
			return
		}
		handler.ServeHTTP(w, r)
	})
	s.proxy = &http.Server{Handler: main, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(f, "proxy: ", log.LstdFlags)}
	go func() { _ = s.proxy.Serve(ln) }()

	// The function's own AWS endpoint: the fault proxy, then the same
	// path to kumo (and the faults tests set with FailObjectReads).
	fln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the function's AWS endpoint: %w", err)
	}
	s.injector = faults.NewInjector(spec, s.faults.wrap(rp))
	s.fnServer = &http.Server{Handler: s.injector, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(f, "fault proxy: ", log.LstdFlags)}
	s.functionEndpoint = "http://" + fln.Addr().String()
	go func() { _ = s.fnServer.Serve(fln) }()
	return nil
}

// readFunction reads the function's settings back from the local AWS.
func (s *Stack) readFunction(ctx context.Context) (FunctionSettings, error) {
	fc, err := s.Lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(s.Names.Function)})
	if err != nil {
		return FunctionSettings{}, fmt.Errorf("read back function %s: %w", s.Names.Function, err)
	}
	f := FunctionSettings{
		Name:         aws.ToString(fc.FunctionName),
		Runtime:      string(fc.Runtime),
		Handler:      aws.ToString(fc.Handler),
		MemorySizeMB: aws.ToInt32(fc.MemorySize),
		TimeoutSec:   aws.ToInt32(fc.Timeout),
		Environment:  map[string]string{},
	}
	for _, a := range fc.Architectures {
		f.Architectures = append(f.Architectures, string(a))
	}
	if fc.Environment != nil {
		for k, v := range fc.Environment.Variables {
			f.Environment[k] = v
		}
	}
	if f.MemorySizeMB <= 0 {
		return f, fmt.Errorf("function %s: the local AWS reports no memory size", s.Names.Function)
	}
	return f, nil
}

// runtimeEnv is what the Lambda sandbox gives the handler: the function's
// configured environment, the runtime variables, and credentials and
// endpoint of the local AWS (the fault proxy). The sandbox pool adds the
// Runtime API address of each process.
func (s *Stack) runtimeEnv() map[string]string {
	env := map[string]string{}
	for k, v := range s.Env {
		env[k] = v
	}
	for k, v := range map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        s.Names.Function,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(int(s.Function.MemorySizeMB)),
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + s.Names.Function,
		"AWS_REGION":                      s.Region,
		"AWS_DEFAULT_REGION":              s.Region,
		"AWS_ACCESS_KEY_ID":               "test",
		"AWS_SECRET_ACCESS_KEY":           "test",
		"AWS_ENDPOINT_URL":                s.functionEndpoint,
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
		if err := s.pool.err(); err != nil {
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
			// Every sandbox polls before the first event, not only one.
			pctx, cancel := context.WithDeadline(ctx, deadline)
			err := s.pool.waitPolled(pctx)
			cancel()
			if err != nil {
				return fmt.Errorf("wait for all %d handler processes to poll: %w", len(s.pool.slots), err)
			}
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

// EventsLogPath is the file holding the emulated pipe's and the delete
// notifications' log lines.
func (s *Stack) EventsLogPath() string { return filepath.Join(s.LogDir, "events.log") }

// SyncEvents waits until the emulated pipe has put on the bus the events
// of every record written before the call, and returns the pipe's first
// delivery error, if any.
func (s *Stack) SyncEvents(ctx context.Context) error {
	if s.pipe == nil {
		return errors.New("the events pipe was never started")
	}
	if err := s.pipe.Sync(ctx); err != nil {
		return err
	}
	return s.pipe.Err()
}

// EventsDelivered is how many events the emulated pipe has put on the bus.
func (s *Stack) EventsDelivered() int {
	if s.pipe == nil {
		return 0
	}
	return s.pipe.Delivered()
}

// DeleteNotifications is how many delete notifications were sent, and how
// many deletes could not be notified.
func (s *Stack) DeleteNotifications() (sent, failed int64) {
	if n := s.notifier.Load(); n != nil {
		return n.Sent(), n.Failed()
	}
	return 0, 0
}

// DroppedEvents is how many asynchronous invocations kumo reported dropping
// (queue full, retries exhausted, expired) since Start.
func (s *Stack) DroppedEvents() int64 { return s.dropped.Load() }

// HandlerErr returns why the handler can no longer run (its processes kept
// crashing, or the stack is closed), or nil while it runs. A process that
// dies is replaced, as Lambda replaces a sandbox, and is no error here.
func (s *Stack) HandlerErr() error {
	if s.pool == nil {
		return errors.New("the Lambda handler was never started")
	}
	return s.pool.err()
}

// Close stops the handler (its whole process group), the proxy and kumo,
// and removes the work dir (the logs stay if LogDir was set).
func (s *Stack) Close() {
	s.closeOnce.Do(func() {
		s.notifier.Store(nil)
		if s.pipe != nil {
			s.pipe.Close()
		}
		if s.eventsLog != nil {
			_ = s.eventsLog.Close() // as kumoLog below
		}
		if s.runCancel != nil {
			s.runCancel()
		}
		if s.poller != nil {
			s.poller.stop() // a batch being delivered finishes (its deletes too) or is left in the queue
		}
		s.killerWG.Wait()
		if s.pool != nil {
			s.pool.stop()
		}
		if d := s.dest.Load(); d != nil {
			d.wait() // records being sent go through the proxy
		}
		if s.proxy != nil {
			_ = s.proxy.Close()
		}
		if s.fnServer != nil {
			_ = s.fnServer.Close()
		}
		if s.kumo != nil {
			s.kumo.Close()
		}
		if s.prevSlog != nil {
			slog.SetDefault(s.prevSlog)
		}
		if s.kumoLog != nil {
			_ = s.kumoLog.Close() // Close reports to no one, like the other closes here
		}
		if s.workDir != "" && !strings.HasPrefix(s.LogDir, s.workDir) {
			_ = os.RemoveAll(s.workDir)
		} else if s.workDir != "" {
			_ = os.Remove(filepath.Join(s.workDir, "bootstrap"))
			_ = os.Remove(filepath.Join(s.workDir, "processor.zip"))
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

func clientsFor(endpoint, region string) (*s3.Client, *dynamodb.Client, *lambda.Client, *sqs.Client) {
	cfg := awsConfig(endpoint, region)
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		dynamodb.NewFromConfig(cfg),
		lambda.NewFromConfig(cfg),
		sqs.NewFromConfig(cfg)
}

// givenUp hears from kumo's log that an asynchronous event was given up.
func (s *Stack) givenUp(function, condition string) {
	if d := s.dest.Load(); d != nil && function == d.function {
		d.givenUp(condition)
	}
}

// sendToDLQ sends an invocation record to the dead-letter queue.
func (s *Stack) sendToDLQ(ctx context.Context, body string) error {
	_, err := s.SQS.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(s.DLQURL), MessageBody: aws.String(body)})
	return err
}

// DestinationRecords is how many invocation records the emulated
// on-failure destination has sent to the dead-letter queue since Start.
func (s *Stack) DestinationRecords() int {
	if d := s.dest.Load(); d != nil {
		return d.Sent()
	}
	return 0
}

// HandlerPID is the process id of the running handler (0 before Start).
func (s *Stack) HandlerPID() int {
	if s.pool == nil {
		return 0
	}
	return s.pool.pid()
}

// Sandboxes is how many handler processes run at once.
func (s *Stack) Sandboxes() int {
	if s.pool == nil {
		return 0
	}
	return len(s.pool.slots)
}

// SandboxRestarts is how many handler processes were started to replace
// one that died (killed by fault injection, or crashed), and ExitErrors how
// many invocations a dying one held, which were answered Runtime.ExitError.
func (s *Stack) SandboxRestarts() (restarts, exitErrors int64) {
	if s.pool == nil {
		return 0, 0
	}
	return s.pool.restarts.Load(), s.pool.exitErrs.Load()
}

// SetFaults replaces the faults injected from now on (a zero Spec stops
// them, kills included).
func (s *Stack) SetFaults(spec faults.Spec) { s.injector.SetSpec(spec) }

// Faults are the faults being injected, with their seed.
func (s *Stack) Faults() faults.Spec { return s.injector.Spec() }

// FaultCounts are the faults injected since Start.
func (s *Stack) FaultCounts() faults.Counts { return s.injector.Counts() }

// MappingStats are the counters of the harness's event source mapping
// (zero with ingestion "direct").
func (s *Stack) MappingStats() MappingStats {
	if s.poller == nil {
		return MappingStats{}
	}
	return s.poller.snapshot()
}

// Description is what stack.json says of the running stack
// (internal/stackfile: what the imgpipe CLI and other tools read).
func (s *Stack) Description() (stackfile.Stack, error) {
	d := stackfile.Stack{
		Endpoint: s.Endpoint, Region: s.Region,
		Bucket: s.Names.Bucket, Table: s.Names.Table, Function: s.Names.Function, DLQ: s.DLQURL,
		UploadsPrefix: s.Env[contract.EnvUploadsPrefix], ThumbnailsPrefix: s.Env[contract.EnvThumbnailsPrefix],
		Ingestion: s.Ingestion, IngestQueue: s.IngestQueueURL,
		EventBus: s.Names.EventBus, EventsQueue: s.EventsQueue,
	}
	if s.Ingestion == contract.IngestionSQS {
		// kumo has no StartMessageMoveTask: redrive moves the messages
		// itself (receive, send, delete).
		d.MessageMove = stackfile.MessageMoveManual
	}
	return d, d.Validate()
}
