// Command tfstandin-schema rebuilds the hashicorp/aws provider schema from the
// unpacked @cdktf/provider-aws npm package and writes it, gzip-compressed, for
// the stand-in provider to serve.
//
//	tfstandin-schema -package .tools/npm/provider-aws-21.22.1/package -out schema.json.gz
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/imgpipe/imgpipe/tools/tfstandin/cdktf"
)

func main() {
	pkg := flag.String("package", "", "unpacked npm package folder (holds package.json and lib/)")
	out := flag.String("out", "", "schema file to write (gzip JSON)")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if *pkg == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: tfstandin-schema -package DIR -out FILE")
		os.Exit(2)
	}
	p, err := cdktf.Extract(*pkg)
	if err != nil {
		log.Error("extract schema", "package", *pkg, "err", err)
		os.Exit(1)
	}
	if err := p.Save(*out); err != nil {
		log.Error("write schema", "out", *out, "err", err)
		os.Exit(1)
	}
	fmt.Printf("tfstandin-schema: %d resources, %d data sources -> %s\n", len(p.ResourceSchemas), len(p.DataSourceSchemas), *out)
}
