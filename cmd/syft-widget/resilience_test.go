package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/syft-widget/syft-widget/manifest"
	"github.com/syft-widget/syft-widget/sources"
)

// brokenContent is what a sync tool leaves behind mid-write, by format; a
// format missing here parses anything (text, lines).
var brokenContent = map[string]string{
	"json":   `{"name": "part`,
	"yaml":   "rules:\n  - {access: [\n",
	"csv":    "step,loss,accuracy\n1,\"2.1\n",
	"tsv":    "a\tb\n1\t\"2\n",
	"ndjson": "{\"a\": 1}\n{\"a\":\n",
}

// copyExamples copies examples/ (manifests and data) into a fresh folder, so
// a test may break the data without touching the repository.
func copyExamples(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	src := "../../examples"
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// breakOneFile puts a half-written file among the data of every source of m
// that a half-written file can break: a new file matching a glob source
// (jobs/**/*.json gets jobs/broken/partial.json), or the file of a file
// source itself. It returns the files it wrote.
func breakOneFile(t *testing.T, m *manifest.Manifest) []string {
	t.Helper()
	var wrote []string
	for _, s := range m.Sources {
		rel := s.File
		if rel == "" {
			rel = strings.NewReplacer("**", "broken", "*", "partial").Replace(s.Glob)
		}
		format := s.Format
		if format == "auto" {
			format = sources.FormatFor(rel)
		}
		content, ok := brokenContent[format]
		if !ok {
			continue
		}
		p := filepath.Join(m.Root, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		wrote = append(wrote, rel)
	}
	return wrote
}

// What each example still shows with a broken file among its data.
var exampleShowsWithABrokenFile = map[string][]string{
	"job_monitor": {"5 jobs", "2 running", "1 failed", "train-model", "aggregate-stats", "42%", "partial —", "partial.json: invalid JSON"},
	"live_clock":  {"Live Clock"},
	"log_tail":    {"Syft client log", "sync complete: 1285 files"},
	"metrics":     {"Training metrics"},
	"permissions": {"Permissions overview", "alice@openmined.org/public", "bob@openmined.org/private", "4 permission files"},
}

func TestEveryExampleReadsRightWithABrokenFileAmongItsData(t *testing.T) {
	dir := copyExamples(t)
	files, _ := filepath.Glob(filepath.Join(dir, "manifests", "*.yaml"))
	if len(files) != len(exampleShowsWithABrokenFile) {
		t.Fatalf("examples %v; the test lists %d", files, len(exampleShowsWithABrokenFile))
	}
	for _, f := range files {
		m, err := manifest.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		broken := breakOneFile(t, m)
		t.Logf("%s: broke %v", m.Name, broken)

		r := run(t, t.TempDir(), "eval", f)
		if r.code != 0 {
			t.Fatalf("%s: eval: %+v", m.Name, r)
		}
		var eps map[string]map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &eps); err != nil {
			t.Fatal(err)
		}
		for path, ep := range eps {
			if errs, ok := ep["_errors"]; ok {
				t.Errorf("%s %s: a broken file failed fields: %v", m.Name, path, errs)
			}
		}

		r = run(t, t.TempDir(), "render", "--checkpoint", "--no-server", f)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("%s: render: %+v", m.Name, r)
		}
		static, _, _ := strings.Cut(r.stdout, "<script")
		static = strings.Join(strings.Fields(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(static, " ")), " ")
		for _, want := range exampleShowsWithABrokenFile[m.Name] {
			if !strings.Contains(static, want) {
				t.Errorf("%s: with %v broken, the checkpoint lacks %q:\n%s", m.Name, broken, want, static)
			}
		}
	}
}
