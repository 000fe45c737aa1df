// Command tfdocs writes the inputs/outputs tables of each module directory
// given as an argument into its README.md, between the tfdocs markers.
// With -check it only reports READMEs that are stale, and fails.
//
//	go run ./internal/tfdocs/cmd/tfdocs [-check] modules/storage terraform ...
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/imgpipe/imgpipe/internal/tfdocs"
)

func main() {
	check := flag.Bool("check", false, "report stale READMEs and exit 1 instead of rewriting them")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "tfdocs: give at least one module directory")
		os.Exit(2)
	}
	stale := 0
	for _, dir := range flag.Args() {
		changed, err := process(dir, *check)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tfdocs:", err)
			os.Exit(1)
		}
		if changed {
			stale++
		}
	}
	if *check && stale > 0 {
		fmt.Fprintf(os.Stderr, "tfdocs: %d README(s) stale: run `make docs` and commit the result\n", stale)
		os.Exit(1)
	}
}

// process renders dir's docs into dir/README.md; it reports whether the
// README differed.
func process(dir string, check bool) (bool, error) {
	path := filepath.Join(dir, "README.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", path, err)
	}
	docs, err := tfdocs.Render(dir)
	if err != nil {
		return false, err
	}
	updated, err := tfdocs.Update(readme, docs)
	if err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	if bytes.Equal(updated, readme) {
		return false, nil
	}
	if check {
		fmt.Fprintf(os.Stderr, "tfdocs: %s is stale\n", path)
		return true, nil
	}
	if err := os.WriteFile(path, updated, 0o644); err != nil { // #nosec G703 -- the README of a folder the developer named; rewriting it is this tool's job
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	fmt.Println("tfdocs: wrote", path)
	return true, nil
}
