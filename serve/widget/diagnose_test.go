package widget

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A source that matches nothing is said in the log, once; a missing root
// also quietly above the widget, until it appears.
func TestEmptySourcesAreLoggedAndAMissingRootNotedOnThePage(t *testing.T) {
	dir := t.TempDir()
	man := filepath.Join(dir, "w.yaml")
	os.WriteFile(man, []byte("root: data\nsources:\n  jobs: \"jobs/*.json\"\nendpoints:\n  /x:\n    n: len(jobs)\ntemplate: \"<p>{n}</p>\"\n"), 0o644)
	var logs lockedBuffer
	w, err := Load(man, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "data")
	if html := w.State().HTML; !strings.Contains(html, `<div class="sw-notice" role="status"><ul><li>root `+root+` does not exist: every source is empty`) ||
		strings.Contains(html, "no file matches") {
		t.Errorf("page: %s", html)
	}
	for _, want := range []string{"level=WARN msg=\"root " + root + " does not exist", "level=WARN msg=\"source jobs: no file matches jobs/*.json"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q: %s", want, logs.String())
		}
	}
	if err := w.Start(nil); err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	os.MkdirAll(filepath.Join(root, "jobs"), 0o755)
	os.WriteFile(filepath.Join(root, "jobs", "a.json"), []byte(`{}`), 0o644)
	deadline := time.Now().Add(15 * time.Second)
	for strings.Contains(w.State().HTML, "sw-notice") || !strings.Contains(w.State().HTML, "<p>1</p>") {
		if time.Now().After(deadline) {
			t.Fatalf("the notice stays after the root appeared: %s", w.State().HTML)
		}
		time.Sleep(5 * time.Millisecond) // polling interval, not synchronisation
	}
	if n := strings.Count(logs.String(), "no file matches"); n != 1 {
		t.Errorf("the warning was logged %d times, want once", n)
	}
}

// check lists every problem in one run, each where it is: an expression
// error, an unknown placeholder and a bad data-format together.
func TestCheckReportsExpressionAndTemplateErrorsTogetherAtTheirPlace(t *testing.T) {
	man := filepath.Join(t.TempDir(), "w.yaml")
	os.WriteFile(man, []byte("endpoints:\n  /x:\n    a: 1\n    b: len(x)\ntemplate: |\n  <h3>{a} {total}</h3>\n  <p data-format=\"nmber\">{a}</p>\n"), 0o644)
	_, _, err := Check(man)
	if err == nil {
		t.Fatal("no error")
	}
	got := strings.ReplaceAll(err.Error(), man, "F")
	for _, want := range []string{
		"F:4:12: field b: unknown name x",
		"F:6:11: template: {total} is not a field of this widget",
		"F:7:6: template: unknown data-format \"nmber\" on <p>: did you mean number?",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q:\n%s", want, got)
		}
	}
}

func TestFilesThatDoNotParseAreLoggedAtLoad(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "jobs"), 0o755)
	os.WriteFile(filepath.Join(dir, "jobs", "a.json"), []byte(`{"x":`), 0o644)
	os.WriteFile(filepath.Join(dir, "jobs", "b.json"), []byte(`{}`), 0o644)
	man := filepath.Join(dir, "w.yaml")
	os.WriteFile(man, []byte("sources:\n  jobs: \"jobs/*.json\"\nendpoints:\n  /x:\n    n: len(jobs)\n"), 0o644)
	var logs lockedBuffer
	if _, err := Load(man, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "source jobs: 1 of 2 files could not be read or parsed (first: jobs/a.json:") {
		t.Errorf("log: %s", logs.String())
	}
}
