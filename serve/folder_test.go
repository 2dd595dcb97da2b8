package serve

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// folder is a served folder of manifests on a real server.
type folder struct {
	*testServer
	mw *ManifestWatcher
}

func serveFolder(t *testing.T, confine bool) *folder {
	t.Helper()
	dir := t.TempDir()
	cfg := Config{}
	if confine {
		cfg.ConfineTo = dir
	}
	ts := startTestServer(t, cfg)
	ts.dir = dir
	mw, err := WatchFolder(ts.Server, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mw.Close() })
	return &folder{ts, mw}
}

func widgetYAML(name, extra string) string {
	return fmt.Sprintf("name: %s\n%ssources:\n  d: \"data/%s/*.txt\"\nendpoints:\n  /n:\n    n: len(d)\ntemplate: |\n  <p>%s has {n} files</p>\n", name, extra, name, name)
}

// names lists the hosted widgets, and "!file" for manifests with errors.
func (f *folder) names() []string {
	var out []string
	for _, w := range f.Widgets() {
		if w.Name != "" {
			out = append(out, w.Name)
		}
		if len(w.Errors) > 0 {
			out = append(out, "!"+filepath.Base(w.File))
		}
	}
	slices.Sort(out)
	return out
}

func (f *folder) waitNames(t *testing.T, want ...string) {
	t.Helper()
	slices.Sort(want)
	eventually(t, fmt.Sprintf("widgets %v (have %v)", want, f.names()), func() bool {
		return slices.Equal(f.names(), want)
	})
}

func (f *folder) errorsOf(file string) string {
	for _, w := range f.Widgets() {
		if filepath.Base(w.File) == file {
			return strings.Join(w.Errors, "\n")
		}
	}
	return ""
}

func TestFolderAddsEditsAndRemovesWidgetsAsFilesComeAndGo(t *testing.T) {
	f := serveFolder(t, true)
	f.write(t, "a.yaml", widgetYAML("a", ""))
	f.waitNames(t, "a")
	f.write(t, "b.yml", widgetYAML("b", ""))
	f.waitNames(t, "a", "b")

	f.write(t, "a.yaml", widgetYAML("a", "title: Edited\n"))
	eventually(t, "the edit", func() bool { w := f.Widget("a"); return w != nil && w.M.Title == "Edited" })

	os.Remove(filepath.Join(f.dir, "b.yml"))
	f.waitNames(t, "a")
	if resp, _ := get(t, f.url("w/b/")); resp.StatusCode != 404 {
		t.Errorf("a removed widget answers %d", resp.StatusCode)
	}
	if resp, _ := get(t, f.url("w/a/")); resp.StatusCode != 200 {
		t.Errorf("the remaining widget answers %d", resp.StatusCode)
	}
}

func TestFolderFollowsARename(t *testing.T) {
	f := serveFolder(t, true)
	f.write(t, "a.yaml", widgetYAML("a", ""))
	f.waitNames(t, "a")
	os.Rename(filepath.Join(f.dir, "a.yaml"), filepath.Join(f.dir, "renamed.yaml"))
	eventually(t, "the widget to follow its file", func() bool {
		return slices.Equal(f.Files(), []string{filepath.Join(f.dir, "renamed.yaml")}) && slices.Equal(f.names(), []string{"a"})
	})
}

func TestABrokenEditKeepsTheLastGoodVersionUntilRepaired(t *testing.T) {
	f := serveFolder(t, true)
	f.write(t, "a.yaml", widgetYAML("a", ""))
	f.waitNames(t, "a")
	f.write(t, "a.yaml", widgetYAML("a", "width: wide\n"))
	eventually(t, "the error", func() bool { return strings.Contains(f.errorsOf("a.yaml"), "a.yaml:2:8:") })
	if f.Widget("a") == nil {
		t.Fatal("the last good version is gone")
	}
	_, page := get(t, f.url("w/a/"))
	_, index := get(t, f.url(""))
	for what, body := range map[string]string{"page": page, "index": index} {
		if !strings.Contains(body, "is not a CSS length") {
			t.Errorf("the %s does not show the error", what)
		}
	}
	f.write(t, "a.yaml", widgetYAML("a", "width: 50%\n"))
	eventually(t, "the repair", func() bool { w := f.Widget("a"); return w != nil && w.M.Width == "50%" && f.errorsOf("a.yaml") == "" })
}

func TestANewBrokenManifestIsListedWithItsErrorsAndDisturbsNoOther(t *testing.T) {
	f := serveFolder(t, true)
	f.write(t, "good.yaml", widgetYAML("good", ""))
	f.write(t, "bad.yaml", "name: bad\nendpoints:\n  /n:\n    n: len(nothing)\n")
	f.waitNames(t, "good", "!bad.yaml")
	if !strings.Contains(f.errorsOf("bad.yaml"), "bad.yaml:4:12: field n: unknown name nothing") {
		t.Errorf("errors: %s", f.errorsOf("bad.yaml"))
	}
	_, index := get(t, f.url(""))
	if !strings.Contains(index, "unknown name nothing") || !strings.Contains(index, "w/good/") {
		t.Errorf("index:\n%s", index)
	}
}

func TestAHalfWrittenManifestIsRetriedBeforeItCounts(t *testing.T) {
	f := serveFolder(t, true)
	full := widgetYAML("a", "")
	cut := strings.Index(full, "*.txt") // inside a quoted string: no YAML yet
	path := filepath.Join(f.dir, "a.yaml")
	if err := os.WriteFile(path, []byte(full[:cut]), 0o644); err != nil {
		t.Fatal(err)
	}
	// The writer finishes through a hard link in an unwatched folder, which
	// makes no event in the served folder: only the retry can see it.
	other := filepath.Join(t.TempDir(), "a.yaml")
	if err := os.Link(path, other); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the watcher to try the half-written file", func() bool { return f.errorsOf("a.yaml") != "" })
	fh, err := os.OpenFile(other, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	fh.WriteString(full[cut:])
	fh.Close()
	f.waitNames(t, "a")
}

func TestEditorAndSyncTemporaryFilesAreIgnored(t *testing.T) {
	f := serveFolder(t, true)
	for _, name := range []string{".a.yaml.swp", ".#a.yaml", "a.yaml~", "a.yaml.tmp", "a.yaml.part", "a.yaml.crdownload", ".hidden.yaml", "~lock.yaml", "#a.yaml#", "notes.txt"} {
		f.write(t, name, widgetYAML("tmp", ""))
	}
	f.write(t, "real.yaml", widgetYAML("real", ""))
	f.waitNames(t, "real")
	for _, file := range f.Files() {
		if filepath.Base(file) != "real.yaml" {
			t.Errorf("%s was taken for a manifest", file)
		}
	}
}

func TestTwoManifestsClaimingOneNameTheFirstKeepsIt(t *testing.T) {
	f := serveFolder(t, true)
	f.write(t, "first.yaml", widgetYAML("same", ""))
	f.waitNames(t, "same")
	f.write(t, "second.yaml", widgetYAML("same", ""))
	f.waitNames(t, "same", "!second.yaml")
	msg := f.errorsOf("second.yaml")
	if !strings.Contains(msg, "second.yaml") || !strings.Contains(msg, "first.yaml") {
		t.Errorf("the error does not name both files: %s", msg)
	}
	if !strings.HasSuffix(f.Widget("same").M.File, "first.yaml") {
		t.Error("the second file took the name")
	}
	os.Remove(filepath.Join(f.dir, "first.yaml"))
	eventually(t, "the second file to take the freed name", func() bool {
		w := f.Widget("same")
		return w != nil && strings.HasSuffix(w.M.File, "second.yaml")
	})
}

func TestAManifestReadingOutsideTheFolderIsRefused(t *testing.T) {
	f := serveFolder(t, true)
	f.write(t, "escape.yaml", "name: escape\nroot: ..\nsources:\n  everything: \"**/*\"\n")
	f.write(t, "link.yaml", "name: link\nroot: sub/out\n")
	os.MkdirAll(filepath.Join(f.dir, "sub"), 0o755)
	os.Symlink("/", filepath.Join(f.dir, "sub", "out"))
	f.write(t, "inside.yaml", "name: inside\nroot: data\n")
	f.waitNames(t, "inside", "!escape.yaml", "!link.yaml")
	for _, file := range []string{"escape.yaml", "link.yaml"} {
		if msg := f.errorsOf(file); !strings.Contains(msg, "is outside the served folder") || !strings.Contains(msg, file+":2:7:") {
			t.Errorf("%s: %s", file, msg)
		}
	}
}

func TestFiftyManifestsAddedAtOnceAllAppear(t *testing.T) {
	f := serveFolder(t, true)
	var want []string
	for i := range 50 {
		name := fmt.Sprintf("w%02d", i)
		f.write(t, name+".yaml", widgetYAML(name, ""))
		want = append(want, name)
	}
	f.waitNames(t, want...)
}

func TestRunReloadsItsManifestsAsTheyChange(t *testing.T) {
	ts := startTestServer(t, Config{})
	path := ts.write(t, "a.yaml", widgetYAML("a", ""))
	other := ts.write(t, "b.yaml", widgetYAML("b", ""))
	mw, err := WatchFiles(ts.Server, []string{path, other})
	if err != nil {
		t.Fatal(err)
	}
	defer mw.Close()
	if ts.Widget("a") == nil || ts.Widget("b") == nil {
		t.Fatal("not loaded at start")
	}
	// An editor's atomic save: write a temp file, rename it over.
	tmp := ts.write(t, ".a.yaml.tmp", widgetYAML("a", "title: Saved\n"))
	os.Rename(tmp, path)
	eventually(t, "the atomic save", func() bool { return ts.Widget("a").M.Title == "Saved" })

	ts.write(t, "a.yaml", widgetYAML("a", "height: tall\n"))
	eventually(t, "the broken edit's error", func() bool { return strings.Contains(strings.Join(ts.Widgets()[0].Errors, ""), "a.yaml:2:9") })
	if ts.Widget("a").M.Title != "Saved" {
		t.Error("the last good version is gone")
	}
	ts.write(t, "a.yaml", widgetYAML("a", "title: Fixed\n"))
	eventually(t, "the repair", func() bool { return ts.Widget("a").M.Title == "Fixed" })
	if ts.Widget("b") == nil {
		t.Error("the other widget was disturbed")
	}
}
