// Command terraform-provider-aws is the schema-only stand-in for
// hashicorp/aws (see tools/tfstandin/provider). Terraform starts it as a
// plugin; it serves the schema stored in schema.json.gz beside the executable.
package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/imgpipe/imgpipe/tools/tfstandin/provider"
	"github.com/imgpipe/imgpipe/tools/tfstandin/schema"
)

// SchemaFile is the name of the schema file expected beside the executable.
const SchemaFile = "schema.json.gz"

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(); err != nil {
		log.Error("stand-in provider failed", "err", err)
		os.Exit(1)
	}
}

func run() error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("locate executable: %w", err)
	}
	exe, err = filepath.EvalSymlinks(exe)
	if err != nil {
		return fmt.Errorf("resolve executable: %w", err)
	}
	p, err := schema.Load(filepath.Join(filepath.Dir(exe), SchemaFile))
	if err != nil {
		return err
	}
	srv, err := provider.New(p)
	if err != nil {
		return err
	}
	return tf6server.Serve("registry.terraform.io/hashicorp/aws", func() tfprotov6.ProviderServer { return srv })
}
