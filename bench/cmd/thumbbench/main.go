// Command thumbbench is `make bench`: the side-by-side thumbnail benchmark
// of imgpipe against sharp, vipsthumbnail and a stdlib+nfnt baseline. It
// prints the results table and writes it to -out (Markdown) and -json.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/imgpipe/imgpipe/bench"
	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/reftools"
)

func main() {
	images := flag.String("images", ".tools/bench-images", "directory with the extracted Debian packages (root/) and the 12 MP crop")
	out := flag.String("out", "docs/benchmarks.md", "markdown file to write")
	jsonOut := flag.String("json", "docs/benchmarks.json", "JSON file to write")
	rounds := flag.Int("rounds", 7, "interleaved timing rounds")
	coldRuns := flag.Int("cold-runs", 9, "cold starts of the processor to time")
	node := flag.String("node", "node", "the Node.js binary that runs sharp")
	sharpDir := flag.String("sharp", ".tools/sharp/node_modules/sharp", "the installed sharp package (make bench-sharp)")
	sharpWorker := flag.String("sharp-worker", "bench/sharp/worker.js", "the sharp worker script")
	only := flag.String("only", "", "comma-separated pipelines to run (default: all); for quick comparisons")
	worker := flag.String("worker", "", "internal: serve one Go pipeline on stdin/stdout")
	spawn := flag.Bool("spawn", false, "internal: run the arguments as a command and report its time and peak RSS")
	heicJob := flag.String("heic-job", "", "internal: process this HEIC -heic-rounds times and report the times")
	heicRounds := flag.Int("heic-rounds", 1, "internal: rounds of -heic-job")
	flag.Parse()
	if *heicJob != "" {
		if err := bench.HEICJob(*heicJob, *heicRounds); err != nil {
			fmt.Fprintln(os.Stderr, "thumbbench heic job:", err)
			os.Exit(1)
		}
		return
	}
	if *spawn {
		if err := bench.Spawn(flag.Args()); err != nil {
			fmt.Fprintln(os.Stderr, "thumbbench spawner:", err)
			os.Exit(1)
		}
		return
	}
	if *worker != "" {
		if err := serveWorker(*worker); err != nil {
			fmt.Fprintln(os.Stderr, "thumbbench worker:", err)
			os.Exit(1)
		}
		return
	}
	o := options{images: *images, out: *out, jsonOut: *jsonOut, rounds: *rounds, coldRuns: *coldRuns,
		node: *node, sharpDir: *sharpDir, sharpWorker: *sharpWorker, only: *only}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "thumbbench:", err)
		os.Exit(1)
	}
}

func serveWorker(name string) error {
	for _, p := range bench.GoPipelines() {
		if p.Name == name {
			return bench.ServeWorker(p, os.Stdin, os.Stdout)
		}
	}
	return fmt.Errorf("unknown pipeline %q", name)
}

type options struct {
	images, out, jsonOut        string
	rounds, coldRuns            int
	node, sharpDir, sharpWorker string
	only                        string // comma-separated pipeline names; "" for all
}

// wanted reports whether pipeline name is to be run.
func (o options) wanted(name string) bool {
	return o.only == "" || slices.Contains(strings.Split(o.only, ","), name)
}

func run(o options) error {
	tmp, err := os.MkdirTemp("", "thumbbench")
	if err != nil {
		return err
	}
	defer func() {
		if err := os.RemoveAll(tmp); err != nil {
			fmt.Fprintln(os.Stderr, "thumbbench: could not remove its scratch folder:", err)
		}
	}()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if o.only == "heic" { // the HEIC section alone, printed
		md, err := heicSection(o, self, tmp)
		if err != nil {
			return err
		}
		fmt.Print(md)
		return nil
	}
	inputs, err := bench.Inputs(o.images)
	if err != nil {
		return err
	}
	sharpDir, err := filepath.Abs(o.sharpDir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(sharpDir, "package.json")); err != nil {
		return fmt.Errorf("sharp is not installed at %s (run make bench-sharp): %w", sharpDir, err)
	}
	cores := []int{1}
	if n := runtime.NumCPU(); n > 1 {
		cores = append(cores, n)
	}
	rep := &bench.Report{Inputs: inputs, Cores: cores, Header: header()}
	load := bench.LoadAverage()
	goWorker := func(name string) bench.WorkerSpec {
		return bench.WorkerSpec{
			Pipeline: name,
			Argv:     func(int) []string { return []string{self, "-worker", name} },
			Env:      func(n int) []string { return []string{"GOMAXPROCS=" + strconv.Itoa(n)} },
		}
	}
	sharp := bench.WorkerSpec{
		Pipeline: bench.NameSharp,
		Argv: func(n int) []string {
			return []string{o.node, "--expose-gc", o.sharpWorker, strconv.Itoa(n), sharpDir}
		},
		Env: func(int) []string { return nil },
	}
	cfg := bench.Config{Inputs: inputs, Cores: cores, Rounds: o.rounds, Self: []string{self}, TmpDir: tmp, Log: os.Stderr, Sweep: bench.JPEGSweep}
	for _, w := range []bench.WorkerSpec{goWorker(bench.NameImgpipe), sharp, goWorker(bench.NameNfnt)} {
		if o.wanted(w.Pipeline) {
			cfg.Workers = append(cfg.Workers, w)
		}
	}
	if !o.wanted(bench.NameVips) {
		rep.Notes = append(rep.Notes, "vipsthumbnail not run (-only)")
	} else if v, err := bench.FindVips(); err != nil {
		fmt.Fprintln(os.Stderr, "thumbbench: skipping vipsthumbnail:", err)
		rep.Notes = append(rep.Notes, "vipsthumbnail skipped: "+err.Error())
	} else {
		cfg.Vips = v
		rep.Header = append(rep.Header, "vipsthumbnail: "+v.Version()+" (Debian libvips-tools)")
	}
	if v, err := exec.Command(o.node, "--version").Output(); err == nil {
		rep.Header = append(rep.Header, fmt.Sprintf("sharp: %s (npm, bench/sharp/package-lock.json; its prebuilt libvips and libjpeg), Node %s", sharpVersion(sharpDir), strings.TrimSpace(string(v))))
	}
	rep.Header = append(rep.Header, fmt.Sprintf("one-core runs pinned to CPU %d; all cores = %d", bench.PinCPU(), cores[len(cores)-1]))
	m, err := bench.Run(cfg)
	if err != nil {
		return err
	}
	rep.Cells, rep.Loads = m.Cells, m.Loads
	if o.wanted("formats") {
		fmt.Fprintln(os.Stderr, "formats: JPEG, WebP and AVIF from the same pixels, quality sweeps, costs")
		read := func(in bench.Input) ([]byte, error) { return os.ReadFile(in.Path) }
		if rep.Formats, err = bench.Formats(inputs, contract.DefaultWebPQuality, contract.DefaultAVIFQuality, o.rounds, read, os.Stderr); err != nil {
			return fmt.Errorf("formats: %w", err)
		}
	} else {
		rep.Notes = append(rep.Notes, "thumbnail formats not compared (-only)")
	}
	rep.Header = append(rep.Header, "load average (1, 5, 15 min) at the start: "+load+"; at the end: "+bench.LoadAverage())
	if _, err := os.Stat(filepath.FromSlash(bench.ProcessorPkg)); err == nil {
		fmt.Fprintln(os.Stderr, "binary: building the processor, timing cold starts")
		goBin, err := exec.LookPath("go") // the go that make runs, first on PATH
		if err == nil {
			rep.Binary, err = bench.MeasureBinary(goBin, ".", tmp, o.coldRuns)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "thumbbench: binary not measured:", err)
			rep.Notes = append(rep.Notes, "binary size and cold init not measured: "+err.Error())
		}
	} else {
		rep.Notes = append(rep.Notes, "binary size and cold init not measured: "+bench.ProcessorPkg+" is absent")
	}
	md := rep.Markdown()
	if o.wanted("heic") {
		heic, err := heicSection(o, self, tmp)
		if err != nil {
			fmt.Fprintln(os.Stderr, "thumbbench: HEIC section skipped:", err)
			heic = "\n## 12 MP HEIC\n\nNot measured: " + err.Error() + "\n"
		}
		md += heic
	}
	var js bytes.Buffer
	if err := rep.JSON(&js); err != nil {
		return err
	}
	if _, err := os.Stdout.WriteString(md); err != nil {
		return err
	}
	for f, b := range map[string][]byte{o.out: []byte(md), o.jsonOut: js.Bytes()} {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(f, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// heicSection measures the 12 MP grid HEIC (made once with the reference
// tools of make reftools, IMGPIPE_REFTOOLS) against libvips's heifload.
func heicSection(o options, self, tmp string) (string, error) {
	ref := os.Getenv(reftools.EnvVar)
	if ref == "" {
		return "", fmt.Errorf("%s is unset (make bench installs the reference tools and sets it)", reftools.EnvVar)
	}
	file := filepath.Join(o.images, "phone-12mp.heic")
	if _, err := os.Stat(file); err != nil {
		fmt.Fprintln(os.Stderr, "heic: encoding the 12 MP grid HEIC with heif-enc (once)")
		if err := bench.MakeGridHEIC(ref, filepath.Join(o.images, bench.PhoneName), file); err != nil {
			return "", err
		}
	}
	fmt.Fprintln(os.Stderr, "heic: imgpipe and libvips on", file)
	s, err := bench.MeasureHEIC([]string{self}, ref, file, tmp, o.rounds)
	if err != nil {
		return "", err
	}
	return s.Markdown(), nil
}

// sharpVersion reads the installed sharp's package.json.
func sharpVersion(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return "unknown"
	}
	var p struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(b, &p) != nil || p.Version == "" {
		return "unknown"
	}
	return p.Version
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
