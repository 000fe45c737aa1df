//go:build integration

package test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/imgpipe/imgpipe/test/preflight"
)

// rootCtx is cancelled on SIGINT/SIGTERM: waits stop early, and the
// deferred cleanup stages still destroy what was deployed.
var rootCtx context.Context

// TestMain runs the same preflight as `make test-integration`, so `go test
// -tags integration ./test/...` without credentials also stops at once,
// saying what is needed, before anything is copied or deployed.
func TestMain(m *testing.M) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	rootCtx = ctx
	id, err := preflight.Check(ctx, preflight.Options{TerraformBinary: terraformBinaryForPreflight()})
	if err != nil {
		stop()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println("preflight: ok:", id)
	code := m.Run()
	stop()
	os.Exit(code)
}
