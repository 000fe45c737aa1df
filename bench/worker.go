package bench

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Workers are long-lived processes that make thumbnails on request, warm
// and in-process: the Go pipelines in `thumbbench -worker NAME` and sharp
// in bench/sharp/worker.js. Both speak the same line protocol, one JSON
// object per line each way (see Request and Answer). The first line a
// worker prints is a ready line.

// Request asks a worker for the thumbnails of one image, or (RSS set) for
// its peak resident set so far.
type Request struct {
	Image   string `json:"image,omitempty"`
	Sizes   []int  `json:"sizes,omitempty"`
	Quality int    `json:"quality,omitempty"`
	Out     string `json:"out,omitempty"` // file prefix for the thumbnails: Out-0.jpg, Out-1.jpg, ...
	RSS     bool   `json:"rss,omitempty"`
}

// Answer is a worker's reply.
type Answer struct {
	MS     float64  `json:"ms"`    // wall time from input bytes to every encoded thumbnail
	Usage  Usage    `json:"usage"` // what the process used over the same span
	Files  []string `json:"files"` // one per size when Out was set
	W      []int    `json:"w"`
	H      []int    `json:"h"`
	MaxRSS int64    `json:"max_rss,omitempty"` // bytes
	Error  string   `json:"error,omitempty"`
	Ready  bool     `json:"ready,omitempty"`
}

// ServeWorker is the Go worker: it answers requests from r on w with
// pipeline p until r ends. Every run starts after a GC, so that none pays
// for another's garbage.
func ServeWorker(p Pipeline, r io.Reader, w io.Writer) error {
	enc := json.NewEncoder(w)
	if err := enc.Encode(Answer{Ready: true}); err != nil {
		return err
	}
	inputs := map[string][]byte{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var req Request
		var ans Answer
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			ans.Error = "bad request: " + err.Error()
		} else if req.RSS {
			ans.MaxRSS = vmHWM()
		} else {
			ans = serveOne(p, inputs, req)
		}
		if err := enc.Encode(ans); err != nil {
			return err
		}
	}
	return sc.Err()
}

func serveOne(p Pipeline, inputs map[string][]byte, req Request) Answer {
	data, ok := inputs[req.Image]
	if !ok {
		var err error
		if data, err = os.ReadFile(req.Image); err != nil {
			return Answer{Error: err.Error()}
		}
		inputs[req.Image] = data
	}
	runtime.GC()
	u0, err := usageNow()
	if err != nil {
		return Answer{Error: err.Error()}
	}
	start := time.Now()
	thumbs, err := p.Run(data, req.Sizes, req.Quality)
	d := time.Since(start)
	u1, uerr := usageNow()
	if err != nil {
		return Answer{Error: err.Error()}
	}
	if uerr != nil {
		return Answer{Error: uerr.Error()}
	}
	ans := Answer{MS: float64(d) / float64(time.Millisecond), Usage: u1.Sub(u0)}
	for i, t := range thumbs {
		ans.W, ans.H = append(ans.W, t.W), append(ans.H, t.H)
		if req.Out != "" {
			f := fmt.Sprintf("%s-%d.jpg", req.Out, i)
			if err := os.WriteFile(f, t.JPEG, 0o644); err != nil {
				return Answer{Error: err.Error()}
			}
			ans.Files = append(ans.Files, f)
		}
	}
	return ans
}

// Worker is a running worker process.
type Worker struct {
	Pipeline string
	Cores    int
	Ready    string // the worker's ready line
	cmd      *exec.Cmd
	in       io.WriteCloser
	out      *bufio.Scanner
	stderr   *strings.Builder
}

// WorkerSpec says how to start a worker for a pipeline at a core count.
type WorkerSpec struct {
	Pipeline string
	Argv     func(cores int) []string // the command, without CPU pinning
	Env      func(cores int) []string // added to the environment
}

// PinCPU is the CPU that one-core workers and processes are pinned to
// (with taskset): the machine's last.
func PinCPU() int { return runtime.NumCPU() - 1 }

// pinned prefixes argv with taskset when cores is 1, so that a one-core
// measurement cannot borrow a second CPU for helper threads.
func pinned(cores int, argv []string) []string {
	if cores != 1 {
		return argv
	}
	return append([]string{"taskset", "-c", strconv.Itoa(PinCPU())}, argv...)
}

// StartWorker starts the worker and waits for its ready line.
func StartWorker(s WorkerSpec, cores int) (*Worker, error) {
	argv := pinned(cores, s.Argv(cores))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), s.Env(cores)...)
	w := &Worker{Pipeline: s.Pipeline, Cores: cores, cmd: cmd, stderr: &strings.Builder{}}
	cmd.Stderr = w.stderr
	var err error
	if w.in, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the %s worker (%s): %w", s.Pipeline, strings.Join(argv, " "), err)
	}
	w.out = bufio.NewScanner(stdout)
	w.out.Buffer(make([]byte, 64<<10), 16<<20)
	if !w.out.Scan() {
		_ = w.Close() // it has exited already: the error below says why
		return nil, fmt.Errorf("the %s worker (%s) exited before it was ready: %s", s.Pipeline, strings.Join(argv, " "), w.stderr.String())
	}
	w.Ready = w.out.Text()
	return w, nil
}

func (w *Worker) call(req Request) (Answer, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return Answer{}, err
	}
	if _, err := w.in.Write(append(b, '\n')); err != nil {
		return Answer{}, fmt.Errorf("%s worker: %w: %s", w.Pipeline, err, w.stderr.String())
	}
	if !w.out.Scan() {
		return Answer{}, fmt.Errorf("%s worker exited: %v: %s", w.Pipeline, w.out.Err(), w.stderr.String())
	}
	var ans Answer
	if err := json.Unmarshal(w.out.Bytes(), &ans); err != nil {
		return Answer{}, fmt.Errorf("%s worker answered %q: %w", w.Pipeline, w.out.Text(), err)
	}
	if ans.Error != "" {
		return Answer{}, fmt.Errorf("%s worker: %s", w.Pipeline, ans.Error)
	}
	return ans, nil
}

// Thumbs asks for the thumbnails of image at sizes.
func (w *Worker) Thumbs(image string, sizes []int, quality int, out string) (Answer, error) {
	ans, err := w.call(Request{Image: image, Sizes: sizes, Quality: quality, Out: out})
	if err == nil && len(ans.W) != len(sizes) {
		err = fmt.Errorf("%s worker made %d thumbnails for %d sizes", w.Pipeline, len(ans.W), len(sizes))
	}
	return ans, err
}

// MaxRSS is the worker's peak resident set so far, in bytes.
func (w *Worker) MaxRSS() (int64, error) {
	ans, err := w.call(Request{RSS: true})
	if err == nil && ans.MaxRSS <= 0 {
		err = errors.New(w.Pipeline + " worker reported no peak RSS")
	}
	return ans.MaxRSS, err
}

// Close ends the worker (closing its input) and waits for it.
func (w *Worker) Close() error {
	_ = w.in.Close() // a worker that has exited closed its end: Wait reports how it ended
	done := make(chan error, 1)
	go func() { done <- w.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		_ = w.cmd.Process.Kill()
		return <-done
	}
}
