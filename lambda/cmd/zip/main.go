// Command zip writes the Lambda deployment package reproducibly (see
// lambda/pack) and prints its sha256 in hex and base64 (Terraform's
// source_code_hash).
//
//	go run ./lambda/cmd/zip -o dist/processor.zip dist/lambda/bootstrap
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/imgpipe/imgpipe/lambda/pack"
)

func main() {
	out := flag.String("o", "", "archive to write")
	flag.Usage = func() {
		_, _ = fmt.Fprintln(flag.CommandLine.Output(), "usage: zip -o OUT.zip FILE... (each stored under its base name, mode 0755)")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	data, err := pack.ZipFiles(*out, 0o755, flag.Args()...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "zip:", err)
		os.Exit(1)
	}
	hexSum, b64Sum := pack.Sums(data)
	fmt.Printf("%s  %d bytes\nsha256:        %s\nbase64 sha256: %s\n", *out, len(data), hexSum, b64Sum)
}
