package sources

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syft-widget/syft-widget/manifest"
)

func TestDiagnoseCountsFilesAndWarnsAboutEmptySources(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"jobs/a.json", "jobs/b.json"} {
		p := filepath.Join(root, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(`{"x":1}`), 0o644)
	}
	os.WriteFile(filepath.Join(root, "jobs/c.json"), []byte(`{"x":`), 0o644)
	c := NewCache(root, []*manifest.Source{
		{Name: "jobs", Glob: "jobs/*.json", Format: "auto"},
		{Name: "typo", Glob: "job/*.json", Format: "auto"},
		{Name: "conf", File: "conf.yaml", Format: "auto"},
	})
	c.Scan()
	d := c.Diagnose()
	if got := d.String(); got != "source jobs: 3 files match jobs/*.json (1 with errors)\nsource typo: 0 files match job/*.json\nsource conf: 0 files match conf.yaml\n" {
		t.Errorf("String:\n%s", got)
	}
	if got := strings.Join(d.Sources[0].Paths, " "); got != "jobs/a.json jobs/b.json jobs/c.json" {
		t.Errorf("paths: %s", got)
	}
	want := []string{
		"source typo: no file matches job/*.json under " + root,
		"source conf: file conf.yaml does not exist under " + root,
		"source jobs: 1 of 3 files could not be read or parsed (first: jobs/c.json:",
	}
	all := strings.Join(d.Warnings, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("warnings lack %q:\n%s", w, all)
		}
	}
	if len(d.Warnings) != 3 {
		t.Errorf("want 3 warnings, got:\n%s", all)
	}
}

func TestDiagnoseWarnsAboutAMissingRoot(t *testing.T) {
	root := filepath.Join(t.TempDir(), "nothere")
	c := NewCache(root, []*manifest.Source{{Name: "a", Glob: "*.json"}})
	c.Scan()
	w := c.Warnings()
	if len(w) != 2 || !strings.HasPrefix(w[0], "root "+root+" does not exist") || !strings.HasPrefix(w[1], "source a: no file matches") {
		t.Errorf("warnings: %q", w)
	}
	os.MkdirAll(root, 0o755)
	os.WriteFile(filepath.Join(root, "x.json"), []byte("{}"), 0o644)
	c.Scan()
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("after the root appeared: %q", w)
	}
}
