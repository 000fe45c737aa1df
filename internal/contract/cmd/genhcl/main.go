// Command genhcl writes the Terraform module modules/contract from
// internal/contract (see package hclgen).
//
//	go run ./internal/contract/cmd/genhcl -dir modules/contract
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/imgpipe/imgpipe/internal/contract/hclgen"
)

func main() {
	dir := flag.String("dir", "modules/contract", "directory of the generated module")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "genhcl:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	files, err := hclgen.Files()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	for _, name := range hclgen.FileNames(files) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		fmt.Println("genhcl: wrote", path)
	}
	return nil
}
