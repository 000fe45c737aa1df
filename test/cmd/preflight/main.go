// Command preflight checks that the AWS suites can run (credentials that
// AWS accepts, a region, Terraform on PATH) and exits non-zero within
// seconds, naming what is missing, when they cannot. `make
// test-integration` runs it first.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/imgpipe/imgpipe/test/preflight"
)

func main() {
	timeout := flag.Duration("timeout", preflight.DefaultTimeout, "upper bound for the whole check")
	tf := flag.String("terraform", envOr("IMGPIPE_TERRAFORM_BINARY", "terraform"), "Terraform or OpenTofu executable the suites will run (empty: do not check)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	id, err := preflight.Check(ctx, preflight.Options{Timeout: *timeout, TerraformBinary: *tf, SkipTerraform: *tf == ""})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println("preflight: ok:", id)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
