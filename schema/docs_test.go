package schema_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syft-widget/syft-widget/schema/gen/reference"
)

// The reference is generated; CI fails when someone changes the schema, the
// record type or an example and forgets to regenerate it.
func TestManifestReferenceIsUpToDate(t *testing.T) {
	want, err := reference.Generate("..")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../docs/manifest.md")
	if err != nil {
		t.Fatalf("%v: run go generate ./...", err)
	}
	if string(got) != string(want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("docs/manifest.md is out of date (line %d is\n\t%s\nand should be\n\t%s): run go generate ./...", i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("docs/manifest.md is out of date (%d lines, should be %d): run go generate ./...", len(gl), len(wl))
	}
}

// Every key of the schema has its own section in the reference, with a
// default and an example.
func TestManifestReferenceCoversEveryKey(t *testing.T) {
	doc, err := os.ReadFile("../docs/manifest.md")
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"name", "title", "server", "root", "width", "height", "update_interval", "expiration",
		"sources", "endpoints", "template", "style", "glob", "file", "format", "exclude", "max_file_size", "watch"}
	for _, k := range keys {
		i := strings.Index(string(doc), "\n### `"+k+"`\n")
		if i < 0 {
			t.Errorf("no section for key %s", k)
			continue
		}
		sec := string(doc[i+1:])
		if end := strings.Index(sec[4:], "\n## "); end >= 0 {
			sec = sec[:end]
		}
		if end := strings.Index(sec[4:], "\n### "); end >= 0 {
			sec = sec[:end+4]
		}
		if !strings.Contains(sec, "**Default:**") || !strings.Contains(sec, "```yaml\n") || !strings.Contains(sec, k+":") {
			t.Errorf("the section of %s lacks its default or its example:\n%s", k, sec)
		}
	}
}

// The generator refuses an example whose output is not what it claims, so
// the reference cannot show a wrong output.
func TestGeneratorRefusesAnExampleWithAWrongOutput(t *testing.T) {
	root := t.TempDir()
	for _, dir := range []string{"schema/gen/examples", "manifest"} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	src, err := os.ReadFile("../manifest/manifest.go")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "manifest", "manifest.go"), src, 0o644)
	sections := map[string]string{
		"intro.yaml": `title: Intro
examples:
  - files:
      - path: w.yaml
        text: |
          endpoints:
            /api:
              answer: 6 * 7
    runs:
      - command: eval w.yaml /api
        output: |
          {
            "answer": 43
          }
`,
		"sources.yaml":     "title: Sources\n",
		"expressions.yaml": "title: Expressions\n",
		"templates.yaml":   "title: Templates\n",
		"syftbox.yaml":     "title: SyftBox\n",
	}
	for name, text := range sections {
		os.WriteFile(filepath.Join(root, "schema", "gen", "examples", name), []byte(text), 0o644)
	}
	_, err = reference.Generate(root)
	if err == nil || !strings.Contains(err.Error(), `"answer": 42`) || !strings.Contains(err.Error(), "intro.yaml: example 1") {
		t.Fatalf("Generate accepted a wrong output, or did not say what it got: %v", err)
	}
	sections["intro.yaml"] = strings.Replace(sections["intro.yaml"], "43", "42", 1)
	os.WriteFile(filepath.Join(root, "schema", "gen", "examples", "intro.yaml"), []byte(sections["intro.yaml"]), 0o644)
	if _, err := reference.Generate(root); err != nil {
		t.Fatalf("Generate refused a right output: %v", err)
	}
}
