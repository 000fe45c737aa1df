// Command thumbbench is `make bench`: the side-by-side thumbnail benchmark
// of issue 6. It prints the results table and writes it to -out.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/imgpipe/imgpipe/bench"
)

func main() {
	images := flag.String("images", ".tools/bench-images", "directory with the extracted Debian packages (root/) and the 12 MP crop")
	out := flag.String("out", "docs/benchmarks.md", "markdown file to write")
	rounds := flag.Int("rounds", 5, "interleaved timing rounds")
	coldRuns := flag.Int("cold-runs", 9, "cold starts of the processor to time")
	child := flag.String("child", "", "internal: run one pipeline once and report memory")
	childImage := flag.String("child-image", "", "internal: the child's input")
	childSizes := flag.String("child-sizes", "", "internal: the child's sizes")
	spawn := flag.Bool("spawn", false, "internal: run the arguments as a command and report its time and peak RSS")
	flag.Parse()
	if *spawn {
		if err := bench.Spawn(flag.Args()); err != nil {
			fmt.Fprintln(os.Stderr, "thumbbench spawner:", err)
			os.Exit(1)
		}
		return
	}
	if *child != "" {
		sizes, err := parseSizes(*childSizes)
		if err == nil {
			err = bench.RunChild(*child, *childImage, sizes)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "thumbbench child:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*images, *out, *rounds, *coldRuns); err != nil {
		fmt.Fprintln(os.Stderr, "thumbbench:", err)
		os.Exit(1)
	}
}

func parseSizes(s string) ([]int, error) {
	var sizes []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("size %q: %w", f, err)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

func run(images, out string, rounds, coldRuns int) error {
	inputs, err := bench.Inputs(images)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "thumbbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	rep := &bench.Report{Inputs: inputs, Header: header()}
	vips, err := bench.FindVips(tmp)
	if err != nil {
		fmt.Fprintln(os.Stderr, "thumbbench: skipping libvips:", err)
		rep.Notes = append(rep.Notes, "libvips skipped: "+err.Error())
		vips = nil
	} else {
		rep.Header = append(rep.Header, "libvips: "+vips.Version()+" (Debian libvips-tools, `vipsthumbnail IN --size N -o OUT[Q=82,strip]`)")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	rep.Cells, err = bench.Run(bench.Config{
		Inputs: inputs, Pipelines: bench.GoPipelines(), Vips: vips, Rounds: rounds,
		Self: []string{self}, Log: os.Stderr,
	})
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.FromSlash(bench.ProcessorPkg)); err == nil {
		fmt.Fprintln(os.Stderr, "binary: building the processor, timing cold starts")
		goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
		rep.Binary, err = bench.MeasureBinary(goBin, ".", tmp, coldRuns)
		if err != nil {
			return err
		}
	} else {
		rep.Notes = append(rep.Notes, "binary size and cold init not measured: "+bench.ProcessorPkg+" is absent")
	}
	var buf bytes.Buffer
	rep.Markdown(&buf)
	if _, err := os.Stdout.Write(buf.Bytes()); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// header describes when and where the numbers were taken.
func header() []string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := exec.Command("sh", "-c", "free -g | awk '/Mem:/{print $2}'").Output(); err == nil {
		mem = strings.TrimSpace(string(b)) + " GiB RAM"
	}
	return []string{
		"date: " + time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		fmt.Sprintf("machine: %s, %d CPUs (GOMAXPROCS %d), %s, %s/%s", cpu, runtime.NumCPU(), runtime.GOMAXPROCS(0), mem, runtime.GOOS, runtime.GOARCH),
		"Go: " + runtime.Version(),
	}
}
