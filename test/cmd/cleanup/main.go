// Command cleanup lists, and with -delete deletes, what an interrupted
// integration run left on AWS: the resources tagged imgpipe:test-run=<run>
// and the roles, dashboards and aliases named after the run, in the
// region of the AWS configuration (AWS_REGION). `make clean-integration
// RUN=<id> [DELETE=yes]` runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/imgpipe/imgpipe/test/cleanup"
)

func main() {
	run := flag.String("run", "", `run id (the imgpipe:test-run tag), or "all"`)
	del := flag.Bool("delete", false, "delete what is found (default: only list it)")
	timeout := flag.Duration("timeout", 15*time.Minute, "upper bound for the whole cleanup")
	flag.Parse()
	if *del && *run == cleanup.AllRuns {
		fmt.Fprintln(os.Stderr, `cleanup: -delete needs one run id, not "all" (list first, then delete run by run)`)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cleanup: load the AWS configuration:", err)
		os.Exit(2)
	}
	found, err := cleanup.Find(ctx, cfg, *run)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("cleanup: %d resource(s) of run %q in %s\n", len(found), *run, cfg.Region)
	for _, r := range found {
		fmt.Println("  ", r)
	}
	if !*del || len(found) == 0 {
		if len(found) > 0 {
			fmt.Println("cleanup: nothing deleted; add DELETE=yes (make) or -delete to delete them")
		}
		return
	}
	failed := 0
	for _, r := range found {
		if err := cleanup.Delete(ctx, cfg, *run, r); err != nil {
			failed++
			fmt.Fprintln(os.Stderr, "  FAILED ", err)
			continue
		}
		fmt.Println("  deleted", r.ARN)
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "cleanup: %d of %d deletions failed; run again (deletions can depend on each other)\n", failed, len(found))
		os.Exit(1)
	}
}
