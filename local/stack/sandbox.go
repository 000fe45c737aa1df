package stack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The handler runs as a pool of processes, each one Lambda execution
// environment ("sandbox"): kumo hands a synchronous invocation to whichever
// process polls the Runtime API, and a process handles one at a time, so N
// processes are N concurrent invocations, as N sandboxes would be.
//
// A process that dies (a crash, or the SIGKILL of fault injection) is
// replaced by a new one, as Lambda starts a new sandbox. Lambda also
// answers the invocation the dead one held at once, with Runtime.ExitError,
// where kumo would wait for the function's timeout: each process reaches
// the Runtime API under its own path prefix (/_sandbox/<slot>-<gen>), so
// the proxy sees which request id it took from .../invocation/next, and the
// pool posts that error for it.

// sandboxPrefix starts the Runtime API path of one process.
const sandboxPrefix = "/_sandbox/"

// Bounds of the pool's restarts: a process that exits this soon after it
// started, this many times in a row, is a crash loop, and the pool gives up.
const (
	crashLoopWindow = 2 * time.Second
	crashLoopMax    = 5
	restartDelay    = 50 * time.Millisecond
)

// sandboxPool supervises the handler processes.
type sandboxPool struct {
	bin      string
	env      map[string]string // the function's environment and credentials, without the Runtime API
	addr     string            // host:port of the proxy
	function string
	logPath  string
	kumoURL  string // the Runtime API itself, for the errors the pool posts
	log      *slog.Logger

	slots []*slot
	wg    sync.WaitGroup

	restarts atomic.Int64 // processes started after the first generation
	exitErrs atomic.Int64 // invocations answered with Runtime.ExitError

	mu     sync.Mutex
	failed error // set when a slot gave up (crash loop)
}

// slot is one sandbox position: its current process and the invocation it
// holds.
type slot struct {
	i     int
	ready chan struct{} // closed when the first process polled the Runtime API

	mu      sync.Mutex
	gen     int
	proc    *process
	holding string // request id being handled, "" between invocations
	killed  bool   // the current process was killed on purpose
	polled  bool
}

func newSandboxPool(n int, bin string, env map[string]string, addr, function, logPath, kumoURL string, log *slog.Logger) *sandboxPool {
	p := &sandboxPool{bin: bin, env: env, addr: addr, function: function, logPath: logPath, kumoURL: kumoURL, log: log}
	for i := range n {
		p.slots = append(p.slots, &slot{i: i, ready: make(chan struct{})})
	}
	return p
}

// runtimeAPI is AWS_LAMBDA_RUNTIME_API of a slot's process of generation gen.
func (p *sandboxPool) runtimeAPI(i, gen int) string {
	return p.addr + sandboxPrefix + strconv.Itoa(i) + "-" + strconv.Itoa(gen) + "/_runtime/" + p.function
}

// start runs every slot's first process and supervises them until ctx
// ends; then every process is stopped and start's goroutines return.
func (p *sandboxPool) start(ctx context.Context) error {
	for _, s := range p.slots {
		proc, err := p.spawn(ctx, s)
		if err != nil {
			return err
		}
		p.wg.Go(func() { p.supervise(ctx, s, proc) })
	}
	return nil
}

func (p *sandboxPool) spawn(ctx context.Context, s *slot) (*process, error) {
	s.mu.Lock()
	s.gen++
	gen := s.gen
	s.holding, s.killed = "", false
	s.mu.Unlock()
	env := make(map[string]string, len(p.env)+1)
	for k, v := range p.env {
		env[k] = v
	}
	env["AWS_LAMBDA_RUNTIME_API"] = p.runtimeAPI(s.i, gen)
	env["AWS_LAMBDA_LOG_STREAM_NAME"] = fmt.Sprintf("local/sandbox-%d/%d", s.i, gen)
	proc, err := startProcess(ctx, p.bin, env, p.logPath)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.proc = proc
	s.mu.Unlock()
	return proc, nil
}

// supervise waits for the slot's process to exit and, unless ctx ended,
// answers the invocation it held and starts the next generation.
func (p *sandboxPool) supervise(ctx context.Context, s *slot, proc *process) {
	fast := 0
	for {
		started := time.Now()
		<-proc.done
		if ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		held, killed, gen := s.holding, s.killed, s.gen
		s.holding = ""
		s.mu.Unlock()
		err, _ := proc.exited()
		if held != "" {
			p.answerExit(held, proc, killed)
		}
		if !killed {
			p.log.Warn("handler process exited; starting a new sandbox", "sandbox", s.i, "generation", gen, "error", fmt.Sprint(err))
		}
		if time.Since(started) < crashLoopWindow && !killed {
			fast++
		} else {
			fast = 0
		}
		if fast >= crashLoopMax {
			p.setFailed(fmt.Errorf("sandbox %d: the handler exited %d times within %s of starting (last: %v)", s.i, fast, crashLoopWindow, err))
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(restartDelay):
		}
		next, serr := p.spawn(ctx, s)
		if serr != nil {
			p.setFailed(fmt.Errorf("sandbox %d: restart the handler: %w", s.i, serr))
			return
		}
		p.restarts.Add(1)
		proc = next
	}
}

// answerExit answers the invocation a dead process held, as Lambda does
// for an execution environment that exits mid-invocation.
func (p *sandboxPool) answerExit(requestID string, proc *process, killed bool) {
	how := "exited"
	if err, _ := proc.exited(); err != nil {
		how = err.Error()
	}
	if killed {
		how = "signal: killed"
	}
	body, _ := json.Marshal(map[string]string{ // plain strings: cannot fail
		"errorType":    "Runtime.ExitError",
		"errorMessage": fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", requestID, how),
	})
	url := p.kumoURL + "/_runtime/" + p.function + "/2018-06-01/runtime/invocation/" + requestID + "/error"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Lambda-Runtime-Function-Error-Type", "Runtime.ExitError")
		var resp *http.Response
		if resp, err = http.DefaultClient.Do(req); err == nil {
			err = resp.Body.Close()
		}
	}
	if err != nil {
		p.log.Error("could not answer the invocation of a dead sandbox; it times out instead", "requestId", requestID, "error", err.Error())
		return
	}
	p.exitErrs.Add(1)
}

func (p *sandboxPool) setFailed(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failed == nil {
		p.failed = err
	}
	p.log.Error("sandbox pool gave up", "error", err.Error())
}

// err reports why the pool can no longer run the handler, or nil.
func (p *sandboxPool) err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failed
}

// kill SIGKILLs the process of a random slot (one holding an invocation
// when there is one, as a crash mid-work would) and reports its slot, or
// -1 when no process runs.
func (p *sandboxPool) kill(rng *rand.Rand) int {
	var busy, idle []*slot
	for _, s := range p.slots {
		s.mu.Lock()
		alive := s.proc != nil && !s.killed
		if alive {
			if _, done := s.proc.exited(); done {
				alive = false
			}
		}
		if alive && s.holding != "" {
			busy = append(busy, s)
		} else if alive {
			idle = append(idle, s)
		}
		s.mu.Unlock()
	}
	pick := busy
	if len(pick) == 0 {
		pick = idle
	}
	if len(pick) == 0 {
		return -1
	}
	s := pick[rng.IntN(len(pick))]
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killed = true
	_ = syscall.Kill(-s.proc.cmd.Process.Pid, syscall.SIGKILL) // gone already is fine: the supervisor restarts it either way
	return s.i
}

// waitPolled waits until every slot's first process polled the Runtime API.
func (p *sandboxPool) waitPolled(ctx context.Context) error {
	for _, s := range p.slots {
		select {
		case <-s.ready:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// stop ends every process; supervise returns once ctx is cancelled.
func (p *sandboxPool) stop() {
	for _, s := range p.slots {
		s.mu.Lock()
		proc := s.proc
		s.mu.Unlock()
		if proc != nil {
			proc.stop()
		}
	}
	p.wg.Wait()
}

// pid is the process id of slot 0's current process (0 if none).
func (p *sandboxPool) pid() int {
	if len(p.slots) == 0 {
		return 0
	}
	s := p.slots[0]
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil || s.proc.cmd.Process == nil {
		return 0
	}
	return s.proc.cmd.Process.Pid
}

// routeRuntime serves a Runtime API request of a sandbox (path
// /_sandbox/<slot>-<gen>/_runtime/...): it strips the prefix, passes the
// request on to next, and notes which invocation the slot holds.
func (p *sandboxPool) routeRuntime(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, sandboxPrefix)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		id, path, _ := strings.Cut(rest, "/")
		si, sg, _ := strings.Cut(id, "-")
		i, err1 := strconv.Atoi(si)
		gen, err2 := strconv.Atoi(sg)
		if err1 != nil || err2 != nil || i < 0 || i >= len(p.slots) {
			http.Error(w, "unknown sandbox "+id, http.StatusNotFound)
			return
		}
		s := p.slots[i]
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + path
		r2.URL.RawPath = ""
		switch {
		case strings.HasSuffix(path, "/runtime/invocation/next"):
			s.mu.Lock()
			if gen == s.gen && !s.polled {
				s.polled = true
				close(s.ready)
			}
			s.mu.Unlock()
			next.ServeHTTP(&takeWatcher{ResponseWriter: w, took: func(reqID string) { p.took(s, gen, reqID) }}, r2)
		case strings.Contains(path, "/runtime/invocation/"):
			next.ServeHTTP(w, r2)
			reqID := segmentAfter(path, "invocation")
			s.mu.Lock()
			if s.gen == gen && s.holding == reqID {
				s.holding = ""
			}
			s.mu.Unlock()
		default:
			next.ServeHTTP(w, r2)
		}
	})
}

// took records that generation gen of slot s took invocation reqID. A
// generation already dead (it was killed while its poll was answered)
// cannot answer it: the pool does, at once.
func (p *sandboxPool) took(s *slot, gen int, reqID string) {
	s.mu.Lock()
	current := s.gen == gen
	if current {
		s.holding = reqID
	}
	proc := s.proc
	s.mu.Unlock()
	if !current && proc != nil {
		go p.answerExit(reqID, proc, true)
	}
}

// takeWatcher sees the request id in the answer to .../invocation/next.
type takeWatcher struct {
	http.ResponseWriter
	took  func(requestID string)
	wrote bool
}

func (t *takeWatcher) WriteHeader(code int) {
	if t.wrote {
		return
	}
	t.wrote = true
	if id := t.Header().Get("Lambda-Runtime-Aws-Request-Id"); id != "" && code == http.StatusOK {
		t.took(id)
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *takeWatcher) Write(b []byte) (int, error) {
	t.WriteHeader(http.StatusOK)
	return t.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flushes).
func (t *takeWatcher) Unwrap() http.ResponseWriter { return t.ResponseWriter }

func (t *takeWatcher) Flush() {
	if f, ok := t.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// segmentAfter is the path segment after marker ("" if none).
func segmentAfter(path, marker string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for i, p := range parts {
		if p == marker && i+1 < len(parts) {
			return parts[i+1]
		}
	}
	return ""
}
