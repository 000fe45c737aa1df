// Command run is `make run`: the whole imgpipe pipeline on a local AWS
// (kumo, in-process), on the sample images or any folder. It uploads every
// file under the uploads prefix, shows progress, waits until each upload
// has its metadata record, prints a table and writes the thumbnails,
// report.json and index.html (a contact sheet) to the output folder. It
// exits non-zero, naming the files, if any upload got no record.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/imgpipe/imgpipe/local/report"
	"github.com/imgpipe/imgpipe/local/runner"
	"github.com/imgpipe/imgpipe/local/stack"
)

func main() {
	images := flag.String("images", "samples/images", "folder of files to upload (recursively)")
	out := flag.String("out", "out/run", "output folder: thumbnails, report.json, index.html, logs/")
	handler := flag.String("handler", stack.DefaultHandlerPackage, "Go package built as the function's bootstrap")
	idle := flag.Duration("timeout", 60*time.Second, "give up when no upload got its record for this long")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, *images, *out, *handler, *idle, os.Stdout, os.Stderr))
}

func run(ctx context.Context, images, out, handler string, idle time.Duration, stdout, stderr io.Writer) int {
	started := time.Now()
	lg := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{ReplaceAttr: dropTime}))
	fail := func(err error) int {
		_, _ = fmt.Fprintf(stderr, "make run: %v\n", err) // if stderr fails too, the exit status is all that is left
		return 1
	}
	if err := checkImagesOutsideOutput(images, out); err != nil {
		return fail(err)
	}
	inputs, err := runner.Collect(images, "")
	if err != nil {
		return fail(err)
	}
	logDir := filepath.Join(out, "logs")
	if err := os.RemoveAll(logDir); err != nil {
		return fail(fmt.Errorf("clear %s: %w", logDir, err))
	}
	// Every Lambda setting given to make (or in the environment) reaches the
	// function through modules/processing's input, as on AWS.
	moduleInputs, err := stack.InputsFromEnv(os.LookupEnv)
	if err != nil {
		return fail(err)
	}
	st, err := stack.Start(ctx, stack.Config{LogDir: logDir, HandlerPackage: handler, Logger: lg, ProcessingInputs: moduleInputs})
	if err != nil {
		return fail(err)
	}
	defer st.Close()
	tg, err := st.Target()
	if err != nil {
		return fail(err)
	}
	for i := range inputs {
		inputs[i].Key = tg.UploadsPrefix + inputs[i].Name
	}
	lg.Info("stack ready", "endpoint", st.Endpoint, "bucket", tg.Bucket, "table", tg.Table,
		"function", st.Names.Function, "memory_mb", st.Function.MemorySizeMB, "timeout_s", st.Function.TimeoutSec,
		"build", st.BuildTime.Round(time.Millisecond), "ready", time.Since(started).Round(time.Millisecond))
	_, _ = fmt.Fprintf(stderr, "uploading %d files from %s to s3://%s/%s\n", len(inputs), images, tg.Bucket, tg.UploadsPrefix)

	bar := newProgress(stderr)
	results, err := runner.Run(ctx, tg, inputs, runner.Options{IdleTimeout: idle, Progress: bar.update})
	bar.done()
	if err != nil {
		return fail(fmt.Errorf("%w (handler log: %s)", err, st.HandlerLogPath()))
	}
	fn := st.Function
	rep := report.Build(results, report.Meta{Bucket: tg.Bucket, Table: tg.Table, ImagesDir: images,
		DroppedEvents: st.DroppedEvents(), IdleTimeout: idle, Function: &report.Function{
			Name: fn.Name, Runtime: fn.Runtime, Architectures: fn.Architectures, Handler: fn.Handler,
			MemorySizeMB: fn.MemorySizeMB, TimeoutSeconds: fn.TimeoutSec, Environment: fn.Environment,
		}})
	if err := report.Write(out, rep, results); err != nil {
		return fail(err)
	}
	if _, err := fmt.Fprintln(stdout); err != nil {
		return fail(err)
	}
	if err := report.Table(stdout, rep); err != nil {
		return fail(err)
	}
	if _, err := fmt.Fprintf(stdout, "\ncontact sheet: %s\nreport:        %s\nlogs:          %s (handler: JSON logs and EMF metrics)\ntotal:         %s\n",
		filepath.Join(out, "index.html"), filepath.Join(out, "report.json"), logDir, time.Since(started).Round(time.Millisecond)); err != nil {
		return fail(err)
	}
	if len(rep.Missing) > 0 {
		msg := fmt.Sprintf("%d upload(s) got no metadata record: %s", len(rep.Missing), strings.Join(rep.Missing, ", "))
		if n := st.DroppedEvents(); n > 0 {
			msg += fmt.Sprintf(" (kumo reported %d dropped events)", n)
		}
		if herr := st.HandlerErr(); herr != nil {
			msg += fmt.Sprintf(" (%v)", herr)
		}
		return fail(errors.New(msg + "; last handler log lines:\n" + st.HandlerLogTail(15)))
	}
	return 0
}

// checkImagesOutsideOutput refuses an images folder inside (or equal to)
// the output folder: a run clears parts of the output folder (logs/,
// uploads/, thumbnails/) before it reads the originals, so it would delete
// the user's files. Paths are compared absolute, cleaned and with symlinks
// resolved; out need not exist yet.
func checkImagesOutsideOutput(images, out string) error {
	img, err := resolvePath(images)
	if err != nil {
		return fmt.Errorf("images folder %s: %w", images, err)
	}
	o, err := resolvePath(out)
	if err != nil {
		return fmt.Errorf("output folder %s: %w", out, err)
	}
	rel, err := filepath.Rel(o, img)
	if err != nil {
		return nil // different volumes: not inside
	}
	if rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))) {
		return fmt.Errorf("images folder %s (%s) is inside the output folder %s (%s), whose contents a run deletes; choose an images folder outside it or another output folder", images, img, out, o)
	}
	return nil
}

// resolvePath makes path absolute and resolves the symlinks of its longest
// existing prefix, keeping the part that does not exist yet.
func resolvePath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	rest := ""
	for dir := abs; ; dir = filepath.Dir(dir) {
		real, err := filepath.EvalSymlinks(dir)
		if err == nil {
			return filepath.Join(real, rest), nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		if filepath.Dir(dir) == dir {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(dir), rest)
	}
}

func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// progress draws one status line, rewritten in place on a terminal and
// printed on change otherwise.
type progress struct {
	w    io.Writer
	tty  bool
	last string
}

func newProgress(w io.Writer) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, tty: tty}
}

func (p *progress) update(pr runner.Progress) {
	const width = 30
	filled := 0
	if pr.Total > 0 {
		filled = width * pr.Done / pr.Total
	}
	line := fmt.Sprintf("[%s%s] %d/%d have a record (%d failed), %d uploaded", strings.Repeat("#", filled),
		strings.Repeat(".", width-filled), pr.Done, pr.Total, pr.Failed, pr.Uploaded)
	if line == p.last {
		return
	}
	p.last = line
	// Progress is for the person watching: a failed write must not stop
	// the run, so write errors are dropped here and in done.
	if p.tty {
		_, _ = fmt.Fprintf(p.w, "\r%s %5.1fs", line, pr.Elapsed.Seconds())
		return
	}
	_, _ = fmt.Fprintf(p.w, "%s (%.1fs)\n", line, pr.Elapsed.Seconds())
}

func (p *progress) done() {
	if p.tty && p.last != "" {
		_, _ = fmt.Fprintln(p.w)
	}
}
