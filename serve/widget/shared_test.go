package widget

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// eventually waits for cond, failing after a deadline.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWidgetsOverTheSameFilesShareOneCacheAndWatch(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "jobs"), 0o755)
	os.WriteFile(filepath.Join(dir, "jobs", "a.json"), []byte(`{"state": "running"}`), 0o644)
	write := func(name, field string) *Widget {
		p := filepath.Join(dir, name+".yaml")
		os.WriteFile(p, []byte("sources:\n  jobs: \"jobs/*.json\"\nendpoints:\n  /api:\n    "+field+": count(jobs, .data.state == \"running\")\ntemplate: \"<p>{"+field+"}</p>\"\n"), 0o644)
		w, err := Load(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Start(nil); err != nil {
			t.Fatal(err)
		}
		return w
	}
	a, b := write("a", "running"), write("b", "busy")
	if a.cache != b.cache || a.shared != b.shared {
		t.Fatal("two widgets over the same files have a cache each")
	}
	os.WriteFile(filepath.Join(dir, "jobs", "b.json"), []byte(`{"state": "running"}`), 0o644)
	for _, w := range []*Widget{a, b} {
		eventually(t, w.M.Name+" shows the new file", func() bool { return strings.Contains(w.State().HTML, "<p>2</p>") })
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "jobs", "a.json"))
	eventually(t, "the widget left open still follows the files", func() bool { return strings.Contains(b.State().HTML, "<p>1</p>") })
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	shared.Lock()
	defer shared.Unlock()
	if _, ok := shared.caches[b.key]; ok {
		t.Error("the shared cache outlives its last widget")
	}
}

// A widget loaded from the cache other widgets watch (a reload, a second
// widget of a folder) shows what changed between its evaluation and its
// start: the watch told the others, not it.
func TestAWidgetStartedOnABorrowedCacheShowsWhatChangedMeanwhile(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "jobs"), 0o755)
	os.WriteFile(filepath.Join(dir, "jobs", "a.json"), []byte(`{"state": "running"}`), 0o644)
	p := filepath.Join(dir, "w.yaml")
	os.WriteFile(p, []byte("sources:\n  jobs: \"jobs/*.json\"\nendpoints:\n  /api:\n    running: count(jobs, .data.state == \"running\")\ntemplate: \"<p>{running}</p>\"\n"), 0o644)
	first, err := Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(nil); err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	second, err := Load(p, nil) // evaluated now, from first's cache
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if !second.borrowed {
		t.Fatal("the second widget did not borrow the first one's cache")
	}
	os.WriteFile(filepath.Join(dir, "jobs", "b.json"), []byte(`{"state": "running"}`), 0o644)
	eventually(t, "the started widget shows the new file", func() bool { return strings.Contains(first.State().HTML, "<p>2</p>") })
	if err := second.Start(nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(second.State().HTML, "<p>2</p>") {
		t.Errorf("the widget started after the change shows %q, not the new file", second.State().HTML)
	}
}
