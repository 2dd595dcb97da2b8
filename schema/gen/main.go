// Command gen writes docs/manifest.md, the manifest reference, from
// schema/manifest.schema.json, the Record type of package manifest and the
// examples in schema/gen/examples, whose outputs it checks by running them.
// It runs in the schema folder, from `go generate ./...`.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/syft-widget/syft-widget/schema/gen/reference"
)

func main() {
	root := flag.String("root", "..", "the repository's folder")
	out := flag.String("o", "../docs/manifest.md", "the file to write")
	flag.Parse()
	doc, err := reference.Generate(*root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, doc, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
