//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/syft-widget/syft-widget/manifest"
	"github.com/syft-widget/syft-widget/serve/background"
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

func TestLogsWithANegativeCountIsAUsageError(t *testing.T) {
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, "servers"), 0o700)
	os.WriteFile(filepath.Join(home, "servers", "x.log"), []byte("one\ntwo\n"), 0o600)
	r := run(t, home, "logs", "x", "-n", "-1")
	if r.code != 2 || !strings.Contains(r.stderr, "-n") || strings.Contains(r.stderr, "panic") {
		t.Errorf("logs -n -1: %+v", r)
	}
	if r := run(t, home, "logs", "x", "-n", "0"); r.code != 0 || r.stdout != "" {
		t.Errorf("logs -n 0: %+v", r)
	}
}

// staleRecord writes the record of a server that is not running: its
// address answers nothing.
func staleRecord(t *testing.T, home, name string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	rec := fmt.Sprintf(`{"name":%q,"pid":999999,"addr":%q,"token":"t","boot":"b"}`, name, addr)
	os.MkdirAll(filepath.Join(home, "servers"), 0o700)
	if err := os.WriteFile(filepath.Join(home, "servers", name+".json"), []byte(rec), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestStopOfAStaleRecordSaysItWasNotRunningAndFails(t *testing.T) {
	home := t.TempDir()
	staleRecord(t, home, "gone")
	r := run(t, home, "stop", "gone")
	if r.code != 1 || !strings.Contains(r.stderr, "not running") || strings.Contains(r.stderr, "stopped") {
		t.Errorf("stop of a stale record: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(home, "servers", "gone.json")); !os.IsNotExist(err) {
		t.Errorf("the stale record is still there: %v", err)
	}
	staleRecord(t, home, "gone")
	if r := run(t, home, "stop", "--all"); r.code != 0 || !strings.Contains(r.stderr, "not running") {
		t.Errorf("stop --all over a stale record: %+v", r)
	}
}

func TestRunWithAMissingManifestFails(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	r := run(t, t.TempDir(), "run", missing)
	if r.code != 1 || !strings.Contains(r.stderr, missing) || strings.Contains(r.stdout, "index:") {
		t.Errorf("run of a missing manifest: %+v", r)
	}
}

func TestRenderWithAnInvalidTemplateStartsNoServer(t *testing.T) {
	home := t.TempDir()
	stopAll(t, home)
	_, m := widgetDir(t, "badtpl", "badtpl", "")
	b, _ := os.ReadFile(m)
	os.WriteFile(m, []byte(strings.Replace(string(b), `<p data-field="values">`, `<p data-field="values" data-format="nope">`, 1)), 0o644)
	r := run(t, home, "render", "--checkpoint", m)
	if r.code != 1 || !strings.Contains(r.stderr, m+":") || !strings.Contains(r.stderr, "nope") || r.stdout != "" {
		t.Errorf("render of an invalid template: %+v", r)
	}
	if recs := background.Records(home); len(recs) != 0 {
		t.Errorf("render of an invalid template started %d server(s)", len(recs))
	}
}

func TestRenderWithAnUnwritableHomePrintsTheCheckpointAndWhy(t *testing.T) {
	// A home below a regular file cannot be created, even by root (for whom
	// a read-only mode means nothing): what a read-only HOME does to others.
	blocker := filepath.Join(t.TempDir(), "file")
	os.WriteFile(blocker, nil, 0o600)
	home := filepath.Join(blocker, "home")
	_, m := widgetDir(t, "rohome", "rohome", "")
	r := run(t, home, "render", "--checkpoint", m)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("render with an unwritable home: %+v", r)
	}
	for _, want := range []string{"first", "checkpoint ·", "not live:", "not a directory"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the fragment lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestPublicURLThatCannotReachAServerIsRefused(t *testing.T) {
	m := "../../examples/manifests/live_clock.yaml"
	for _, u := range []string{"https://hub.example.org/proxy/8888/", "ftp://host/{port}/", "javascript:alert(1)//{port}", "//host/{port}"} {
		r := run(t, t.TempDir(), "render", "--checkpoint", "--no-server", "--public-url", u, m)
		if r.code != 2 || !strings.Contains(r.stderr, "--public-url") || r.stdout != "" {
			t.Errorf("--public-url %s: %+v", u, r)
		}
	}
	r := run(t, t.TempDir(), "render", "--checkpoint", "--no-server", "--public-url", "https://hub.example.org/user/ada/proxy/{port}/", m)
	if r.code != 0 {
		t.Errorf("a good --public-url: %+v", r)
	}
}

// holdPage opens the event stream of a widget's live page, as an open page
// does, and returns what closes it. The server counts it from its first
// byte on.
func holdPage(t *testing.T, liveURL string) (release func()) {
	t.Helper()
	resp, err := http.Get(strings.Replace(liveURL, "/?token=", "/events?token=", 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() { once.Do(func() { resp.Body.Close() }) }
	t.Cleanup(release)
	return release
}

func TestServersNeitherResetsIdleTimeNorPostponesExpiry(t *testing.T) {
	home := t.TempDir()
	stopAll(t, home)
	_, m := widgetDir(t, "w", "idle1", "expiration: 2s\n")
	release := holdPage(t, renderLive(t, home, m))
	rec := record(t, home, "idle1")
	release()
	// `servers` over and over: the server still expires, and says how long
	// it has been idle.
	sawIdle := false
	waitFor(t, "the server to expire while `servers` runs", func() bool {
		r := run(t, home, "servers", "--json")
		var rows []background.Summary
		json.Unmarshal([]byte(r.stdout), &rows)
		for _, row := range rows {
			if row.Name == "idle1" && row.Idle != "0s" && row.Idle != "" {
				sawIdle = true
			}
		}
		return !running(rec.PID)
	})
	if !sawIdle {
		t.Error("servers never showed an idle time other than 0s")
	}
}
