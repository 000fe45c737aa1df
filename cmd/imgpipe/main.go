// Command imgpipe is the operator's tool for a deployed imgpipe stack:
// status, audit, backfill, reprocess and redrive (docs/operations.md). It
// only wires: AWS clients from the standard chain (with the stack's
// endpoint and region when its description has them) into ops/cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/imgpipe/imgpipe/ops/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C ends the process at once
	}()
	terraform := os.Getenv("IMGPIPE_TERRAFORM_BINARY")
	code := cli.Main(ctx, os.Args[1:], cli.Env{
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		Terminal:  term.IsTerminal(int(os.Stderr.Fd())),
		Connect:   cli.Connect,
		Terraform: terraform,
	})
	stop()
	os.Exit(code)
}
