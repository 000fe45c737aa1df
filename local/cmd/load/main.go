// Command load is `make load`: it starts the local stack (kumo, in
// process) in the ingestion mode asked for, injects the faults asked for
// between the function and the local AWS, uploads N generated images at a
// target rate, waits until each has its record, and writes
// out/load/summary.json and a table. It exits 1 when an upload is lost
// (no record and no dead-letter message), duplicated, failed or lacks a
// thumbnail, and 2 on bad input.
//
// Inputs come from the environment, as make passes them (each named when
// it is wrong):
//
//	N=5000          uploads
//	INGESTION=sqs   direct | sqs (default: the module's default)
//	RATE=0          uploads per second (0: as fast as 8 uploaders go)
//	FAULTS=none     none | default | s3=0.1,ddb=0.1,latency=0.05,drop=0.01,kill=5s,seed=7
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/local/faults"
	"github.com/imgpipe/imgpipe/local/load"
	"github.com/imgpipe/imgpipe/local/stack"
)

// FunctionTimeout is the load stack's function timeout. The ingest queue's
// visibility timeout is six times it (modules/processing), so a batch
// whose sandbox was killed is delivered again after 90 s, not 6 minutes.
const FunctionTimeout = 15

func main() {
	out := flag.String("out", "out/load", "output folder: summary.json, logs/")
	handler := flag.String("handler", stack.DefaultHandlerPackage, "Go package built as the function's bootstrap")
	idle := flag.Duration("idle-timeout", 3*time.Minute, "give up when no upload got its record for this long")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Getenv, *out, *handler, *idle, os.Stdout, os.Stderr))
}

// inputs are the run's settings, read from the environment.
type inputs struct {
	N         int
	Ingestion string // "" = the module's default
	Rate      float64
	Faults    faults.Spec
}

func readInputs(getenv func(string) string) (inputs, error) {
	in := inputs{N: 5000}
	var errs []error
	if v := strings.TrimSpace(getenv("N")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			errs = append(errs, fmt.Errorf("uploads N=%q: want a whole number from 1 to 1000000", v))
		}
		in.N = n
	}
	if v := strings.TrimSpace(getenv("INGESTION")); v != "" {
		if !slices.Contains(contract.IngestionModes, v) {
			errs = append(errs, fmt.Errorf("INGESTION=%q: want one of %s", v, strings.Join(contract.IngestionModes, ", ")))
		}
		in.Ingestion = v
	}
	if v := strings.TrimSpace(getenv("RATE")); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r < 0 || r > 100_000 {
			errs = append(errs, fmt.Errorf("RATE=%q: want uploads per second, 0 (unpaced) to 100000", v))
		}
		in.Rate = r
	}
	spec, err := faults.Parse(getenv("FAULTS"))
	if err != nil {
		errs = append(errs, fmt.Errorf("FAULTS: %w", err))
	}
	in.Faults = spec
	return in, errors.Join(errs...)
}

func run(ctx context.Context, getenv func(string) string, out, handler string, idle time.Duration, stdout, stderr io.Writer) int {
	lg := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	in, err := readInputs(getenv)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "make load: %v\n", err)
		return 2
	}
	fail := func(err error) int {
		_, _ = fmt.Fprintf(stderr, "make load: %v\n", err) // if stderr fails too, the exit status is all that is left
		return 1
	}
	logDir := filepath.Join(out, "logs")
	if err := os.RemoveAll(logDir); err != nil {
		return fail(fmt.Errorf("clear %s: %w", logDir, err))
	}
	pin := map[string]any{"timeout": FunctionTimeout}
	if in.Ingestion != "" {
		pin["ingestion"] = in.Ingestion
	}
	st, err := stack.Start(ctx, stack.Config{LogDir: logDir, HandlerPackage: handler, Logger: lg, Environment: "load", ProcessingInputs: pin})
	if err != nil {
		return fail(err)
	}
	defer st.Close()
	tg, err := st.Target()
	if err != nil {
		return fail(err)
	}
	spec := in.Faults.WithSeed()
	st.SetFaults(spec) // from the first upload on, not while the stack started
	runID := strconv.FormatUint(rand.Uint64()%1_000_000_000, 36)
	lg.Info("load", "uploads", in.N, "ingestion", st.Ingestion, "rate", in.Rate, "faults", spec.String(),
		"sandboxes", st.Sandboxes(), "function_timeout_s", st.Function.TimeoutSec, "prefix", tg.UploadsPrefix+"load/"+runID+"/")

	lastLog := time.Time{}
	o := load.Options{
		N: in.N, Rate: in.Rate, Seed: spec.Seed, Prefix: "load/" + runID + "/", IdleTimeout: idle,
		Heads: st.S3, DLQ: st.SQS, DLQURL: st.DLQURL,
		Progress: func(phase string, done, total int) {
			if time.Since(lastLog) >= 5*time.Second || done == total {
				lastLog = time.Now()
				lg.Info(phase, "done", done, "of", total, "faults", st.FaultCounts().Total(), "dropped", st.DroppedEvents())
			}
		},
	}
	res, err := load.Run(ctx, tg, o)
	if err != nil {
		return fail(fmt.Errorf("%w (handler log: %s)", err, st.HandlerLogPath()))
	}
	counts := st.FaultCounts()
	st.SetFaults(faults.Spec{})
	restarts, exitErrs := st.SandboxRestarts()
	harness := map[string]int64{
		"sandboxes":        int64(st.Sandboxes()),
		"sandbox_restarts": restarts,
		"exit_errors":      exitErrs,
		"kumo_dropped":     st.DroppedEvents(),
	}
	if st.Ingestion == contract.IngestionSQS {
		m := st.MappingStats()
		for k, v := range map[string]int64{
			"esm_invocations": m.Invocations, "esm_messages": m.Messages, "esm_deleted": m.Deleted,
			"esm_item_failures": m.ItemFailures, "esm_function_errors": m.FunctionErrors, "esm_invoke_errors": m.InvokeErrors,
			"esm_largest_batch": m.LargestBatch,
		} {
			harness[k] = v
		}
	}
	sum := load.Summarize(res, st.Ingestion, o, spec, counts, harness)
	path, err := sum.Write(out)
	if err != nil {
		return fail(err)
	}
	if _, err := fmt.Fprintln(stdout); err != nil {
		return fail(err)
	}
	if err := sum.Table(stdout); err != nil {
		return fail(err)
	}
	if _, err := fmt.Fprintf(stdout, "\nsummary: %s\nlogs:    %s\n", path, logDir); err != nil {
		return fail(err)
	}
	if sum.Lost {
		return fail(fmt.Errorf("the load lost uploads: %s; last handler log lines:\n%s", strings.Join(sum.Verdict, "; "), st.HandlerLogTail(10)))
	}
	return 0
}
