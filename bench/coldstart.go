package bench

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/imgpipe/imgpipe/internal/contract"
)

// ProcessorPkg is the Lambda's main package.
const ProcessorPkg = "./lambda/cmd/processor"

// BinaryStats are the Lambda binary's size and cold start.
type BinaryStats struct {
	Size     int64         // bytes of bootstrap for linux/arm64, -ldflags "-s -w"
	ColdInit time.Duration // median, process start to the first /invocation/next
	Runs     []time.Duration
}

// Markdown is the binary table.
func (b *BinaryStats) Markdown() string {
	var s strings.Builder
	fmt.Fprintln(&s, "| measure | value |")
	fmt.Fprintln(&s, "|---|---:|")
	fmt.Fprintf(&s, "| `bootstrap` size (linux/arm64, `CGO_ENABLED=0`, flags of `make build-lambda`: `-tags lambda.norpc,nodynamic -trimpath -ldflags \"-s -w\"`) | %.1f MB |\n", float64(b.Size)/1e6)
	fmt.Fprintf(&s, "| cold init: exec to first `GET /runtime/invocation/next`, median of %d (host build) | %.1f ms |", len(b.Runs), ms(b.ColdInit))
	return s.String()
}

// MeasureBinary builds the processor for linux/arm64 (size) and for this
// host (cold init) into dir, then starts the host build runs times against
// a fake Lambda runtime API and times exec to the first poll for an event,
// which is when the Lambda is ready.
func MeasureBinary(goBin, repo, dir string, runs int) (*BinaryStats, error) {
	build := func(out string, env ...string) error {
		// The flags of `make build-lambda` (mk/10-go.mk).
		cmd := exec.Command(goBin, "build", "-tags", "lambda.norpc,nodynamic", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w -buildid=", "-o", out, ProcessorPkg)
		cmd.Dir = repo
		cmd.Env = append(append(os.Environ(), "CGO_ENABLED=0"), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %w: %s", ProcessorPkg, err, out)
		}
		return nil
	}
	arm := filepath.Join(dir, "bootstrap-linux-arm64")
	if err := build(arm, "GOOS=linux", "GOARCH=arm64"); err != nil {
		return nil, err
	}
	st, err := os.Stat(arm)
	if err != nil {
		return nil, err
	}
	host := filepath.Join(dir, "bootstrap-host")
	if err := build(host); err != nil {
		return nil, err
	}
	b := &BinaryStats{Size: st.Size()}
	for i := 0; i < runs; i++ {
		d, err := coldInit(host)
		if err != nil {
			return nil, err
		}
		b.Runs = append(b.Runs, d)
	}
	b.ColdInit = Median(b.Runs)
	return b, nil
}

// coldInit starts bin with a fake runtime API and returns the time from
// exec to its first request for an event.
func coldInit(bin string) (time.Duration, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	ready := make(chan time.Time, 1)
	release := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/runtime/invocation/next") {
			select {
			case ready <- time.Now():
			default:
			}
			<-release // hold the poll open: no event comes
		}
		w.WriteHeader(http.StatusNotFound)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()  // returns http.ErrServerClosed once srv.Close below runs
	defer func() { _ = srv.Close() }() // only stops serving; there is nothing to flush
	defer close(release)
	cmd := exec.Command(bin)
	cmd.Env = []string{
		"AWS_LAMBDA_RUNTIME_API=" + ln.Addr().String(),
		contract.EnvTableName + "=bench", contract.EnvEnvironment + "=bench",
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=bench", "AWS_SECRET_ACCESS_KEY=bench",
		"AWS_EC2_METADATA_DISABLED=true", "HOME=" + os.TempDir(),
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	var waitErr error // how the processor ended; read only after exited is closed
	exited := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(exited) }()
	defer func() {
		_ = cmd.Process.Kill() // it has done its part once it polls; it may have exited already
		<-exited
	}()
	select {
	case t := <-ready:
		return t.Sub(start), nil
	case <-exited:
		return 0, fmt.Errorf("processor exited before polling for an event: %v: %s", waitErr, stderr.String())
	case <-time.After(10 * time.Second):
		return 0, fmt.Errorf("processor did not poll for an event within 10 s: %s", stderr.String())
	}
}
