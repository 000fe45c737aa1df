// Command genhcl writes the Terraform files generated from
// internal/contract (see package hclgen): the module modules/contract, and
// the setting inputs and function environment of modules/processing.
//
//	go run ./internal/contract/cmd/genhcl -root .
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/imgpipe/imgpipe/internal/contract/hclgen"
)

func main() {
	root := flag.String("root", ".", "repository root")
	flag.Parse()
	if err := run(*root); err != nil {
		fmt.Fprintln(os.Stderr, "genhcl:", err)
		os.Exit(1)
	}
}

func run(root string) error {
	files, err := hclgen.Generate(root)
	if err != nil {
		return err
	}
	for _, name := range hclgen.FileNames(files) {
		path := filepath.Join(root, filepath.FromSlash(name))
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, files[name]) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		fmt.Println("genhcl: wrote", name)
	}
	return nil
}
