//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/syft-widget/syft-widget/schema/gen/reference"
	"github.com/syft-widget/syft-widget/serve/background"
)

// nbconvert is Debian's Jupyter; the python3 first on PATH may have none.
const nbconvert = "/usr/bin/jupyter-nbconvert"

// notebookDeadline bounds one notebook execution: a cell that hangs (a
// server holding the kernel's pty) fails the test instead of stalling it.
const notebookDeadline = 3 * time.Minute

func requireJupyter(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(nbconvert); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing; CI must install jupyter-nbconvert and python3-ipykernel", nbconvert)
		}
		t.Skipf("%s is missing (apt-get install jupyter-nbconvert python3-ipykernel)", nbconvert)
	}
}

// notebook is the part of nbformat 4 these tests read.
type notebook struct {
	Cells    []cell `json:"cells"`
	NBFormat int    `json:"nbformat"`
}

type cell struct {
	Source         multiline `json:"source"`
	Outputs        []output  `json:"outputs"`
	ExecutionCount *int      `json:"execution_count"`
}

type output struct {
	OutputType string               `json:"output_type"`
	Text       multiline            `json:"text"`
	Data       map[string]multiline `json:"data"`
	EName      string               `json:"ename"`
	EValue     string               `json:"evalue"`
}

// multiline is nbformat's text: a string or a list of lines.
type multiline string

func (m *multiline) UnmarshalJSON(b []byte) error {
	var lines []string
	if err := json.Unmarshal(b, &lines); err == nil {
		*m = multiline(strings.Join(lines, ""))
		return nil
	}
	var s string
	err := json.Unmarshal(b, &s)
	*m = multiline(s)
	return err
}

// writeNotebook writes an nbformat 4.5 notebook of code cells (id -> source).
func writeNotebook(t *testing.T, file string, cells ...[2]string) {
	t.Helper()
	var list []map[string]any
	for _, c := range cells {
		list = append(list, map[string]any{"cell_type": "code", "id": c[0], "metadata": map[string]any{},
			"source": c[1], "outputs": []any{}, "execution_count": nil})
	}
	b, err := json.MarshalIndent(map[string]any{"cells": list, "nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{
		"kernelspec": map[string]string{"name": "python3", "display_name": "Python 3", "language": "python"},
	}}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// execute runs the notebook in its folder with real Jupyter, a fresh
// kernel, the built binary first on PATH and home as SYFT_WIDGET_HOME, and
// returns the executed notebook.
func execute(t *testing.T, home, file string) *notebook {
	t.Helper()
	dir, name := filepath.Split(file)
	out := strings.TrimSuffix(name, ".ipynb") + ".out.ipynb"
	ctx, cancel := context.WithTimeout(context.Background(), notebookDeadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, nbconvert, "--to", "notebook", "--execute",
		"--ExecutePreprocessor.timeout=60", "--output", out, name)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"PATH="+filepath.Dir(binary)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"SYFT_WIDGET_HOME="+home, "SYFT_WIDGET_PUBLIC_URL=", "JUPYTERHUB_SERVICE_PREFIX=", "VSCODE_PROXY_URI=", "COLAB_RELEASE_TAG=",
		"IPYTHONDIR="+t.TempDir(), "JUPYTER_RUNTIME_DIR="+t.TempDir(), "PYDEVD_DISABLE_FILE_VALIDATION=1")
	// The kernel is nbconvert's child: on the deadline, end the whole group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish within %s (a cell hangs?):\n%s", name, notebookDeadline, stderr.String())
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, out))
	if err != nil {
		t.Fatal(err)
	}
	var nb notebook
	if err := json.Unmarshal(b, &nb); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	for _, c := range nb.Cells {
		for _, o := range c.Outputs {
			if o.OutputType == "error" {
				t.Errorf("a cell of %s raised %s: %s\n%s", name, o.EName, o.EValue, c.Source)
			}
		}
	}
	return &nb
}

// text is everything a cell shows: its streams, and the plain text and
// HTML of its results.
func (c *cell) text() string {
	var b strings.Builder
	for _, o := range c.Outputs {
		b.WriteString(string(o.Text))
		b.WriteString(string(o.Data["text/plain"]))
		b.WriteString(string(o.Data["text/html"]))
	}
	return b.String()
}

// cellWith returns the first cell whose source contains s.
func (nb *notebook) cellWith(t *testing.T, s string) *cell {
	t.Helper()
	for i := range nb.Cells {
		if strings.Contains(string(nb.Cells[i].Source), s) {
			return &nb.Cells[i]
		}
	}
	t.Fatalf("no cell contains %q", s)
	return nil
}

func TestNotebookCellRendersAndTheServerSurvivesAKernelRestart(t *testing.T) {
	requireJupyter(t)
	home := t.TempDir()
	stopAll(t, home)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	os.WriteFile(filepath.Join(dir, "data", "a.json"), []byte(`{"v": "value-from-a"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "w.yaml"), []byte("name: nbw\nserver: nbsrv\nsources:\n  items: \"data/*.json\"\n"+
		"endpoints:\n  /api:\n    values: map(items, .data.v)\n    count: len(items)\n"+
		"template: |\n  <p>{count} item: <span data-field=\"values\">{values}</span></p>\n"), 0o644)
	first := filepath.Join(dir, "first.ipynb")
	writeNotebook(t, first, [2]string{"render",
		"import os\n" +
			"print('kernel pid', os.getpid())\n" +
			"out = !syft-widget render --checkpoint w.yaml\n" +
			"from IPython.display import HTML; HTML(out.n)\n"})
	nb := execute(t, home, first)

	c := nb.Cells[0]
	var html string
	for _, o := range c.Outputs {
		if o.OutputType == "execute_result" {
			html = string(o.Data["text/html"])
		}
	}
	if !strings.Contains(html, "value-from-a") || !strings.Contains(html, "1 item") || !strings.Contains(html, "checkpoint · ") {
		t.Fatalf("the saved output lacks the checkpoint:\n%.2000s", c.text())
	}
	live := liveURLRE.FindString(html)
	if live == "" {
		t.Fatalf("the saved output has no live URL:\n%.2000s", html)
	}
	rec := record(t, home, "nbsrv")
	if !strings.Contains(live, rec.Addr) || !strings.Contains(live, rec.Token) {
		t.Errorf("the live URL %s is not the server's (%s)", live, rec.Addr)
	}
	m := regexp.MustCompile(`kernel pid (\d+)`).FindStringSubmatch(c.text())
	if m == nil {
		t.Fatalf("the kernel did not say its pid:\n%s", c.text())
	}
	kernel, _ := strconv.Atoi(m[1])
	waitFor(t, "the first kernel to exit", func() bool { return !running(kernel) })

	// A new kernel, as after a restart: the server still answers it.
	u, _ := url.Parse(live)
	second := filepath.Join(dir, "second.ipynb")
	writeNotebook(t, second, [2]string{"health",
		"import json, urllib.request\n" +
			"h = json.load(urllib.request.urlopen('http://" + u.Host + "/healthz', timeout=10))\n" +
			"print('healthz', h['ok'], h['server'], h['boot'])\n" +
			"page = urllib.request.urlopen('" + live + "', timeout=10).read().decode()\n" +
			"print('live page shows value:', 'value-from-a' in page)\n"})
	nb = execute(t, home, second)
	got := nb.Cells[0].text()
	if !strings.Contains(got, "healthz True nbsrv "+rec.Boot) || !strings.Contains(got, "live page shows value: True") {
		t.Errorf("after the kernel restart the server did not answer as before:\n%s", got)
	}
	if !background.Alive(rec) {
		t.Error("the server is gone")
	}
}

func TestTutorialNotebookIsCommittedWithClearedOutputs(t *testing.T) {
	b, err := os.ReadFile("../../examples/tutorial.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	var nb notebook
	if err := json.Unmarshal(b, &nb); err != nil {
		t.Fatalf("examples/tutorial.ipynb is not JSON: %v", err)
	}
	if nb.NBFormat != 4 || len(nb.Cells) < 10 {
		t.Fatalf("nbformat %d, %d cells", nb.NBFormat, len(nb.Cells))
	}
	for _, c := range nb.Cells {
		if len(c.Outputs) > 0 || c.ExecutionCount != nil {
			t.Errorf("a cell keeps its outputs; clear them before committing:\n%s", c.Source)
		}
	}
}

func TestTutorialNotebookRunsAndShowsWhatItTeaches(t *testing.T) {
	requireJupyter(t)
	home := t.TempDir()
	stopAll(t, home)
	dir := t.TempDir()
	src, err := os.ReadFile("../../examples/tutorial.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "tutorial.ipynb")
	os.WriteFile(file, src, 0o644)
	nb := execute(t, home, file)

	expect := func(cellSource string, wants ...string) {
		t.Helper()
		got := nb.cellWith(t, cellSource).text()
		for _, w := range wants {
			if !strings.Contains(got, w) {
				t.Errorf("the cell with %q should show %q; it shows:\n%.3000s", cellSource, w, got)
			}
		}
	}
	expectRE := func(cellSource, re string) {
		t.Helper()
		if got := nb.cellWith(t, cellSource).text(); !regexp.MustCompile(re).MatchString(got) {
			t.Errorf("the cell with %q should match %s; it shows:\n%.3000s", cellSource, re, got)
		}
	}
	expect("!syft-widget version", strings.TrimSpace(run(t, home, "version").stdout))
	expect("!syft-widget check tutorial_files/jobs.yaml", "tutorial_files/jobs.yaml: ok (widget jobs")
	expect("!syft-widget eval tutorial_files/jobs.yaml", `"running": 1`, `"total": 3`)
	expect("!syft-widget render --checkpoint tutorial_files/jobs.yaml", "Jobs: 3 jobs, 1 running", "checkpoint · ")
	expectRE("!syft-widget render --checkpoint tutorial_files/jobs.yaml", liveURLRE.String())
	// The data edit from Python shows in the next evaluation.
	expect(`write_job("evaluate", "running"`, `"running": 2`, `"total": 3`)
	expect("!syft-widget render --checkpoint tutorial_files/list.yaml", "<li", "evaluate", "running")
	expect("!syft-widget render --checkpoint tutorial_files/metrics.yaml", `class="sw-sparkline"`, "2.31, 1.87")
	// The markdown cell after it explains line 6, column 20.
	expectRE("!syft-widget check tutorial_files/bad.yaml", `(?m)^tutorial_files/bad\.yaml:6:20: field running: unknown name job\r?$`)
	expectRE("!syft-widget servers", `(?m)^tutorial\s+\d+\s+http://127\.0\.0\.1:\d+/\?token=[0-9a-f]+\s+(jobs|list|metrics)(,(jobs|list|metrics)){2}\s`)
	expect("!syft-widget logs tutorial", "server started", "widget loaded")
	// Run top to bottom, the tutorial leaves its widgets live: stopping the
	// server is a note, not a cell.
	for _, c := range nb.Cells {
		if strings.Contains(string(c.Source), "syft-widget stop") && len(c.Outputs) > 0 {
			t.Errorf("a cell that runs stops the server, so the widgets above go offline:\n%s", c.Source)
		}
	}
	live := liveURLRE.FindString(nb.cellWith(t, "!syft-widget render --checkpoint tutorial_files/jobs.yaml").text())
	resp, err := http.Get(live)
	if err != nil {
		t.Fatalf("after the last cell the widgets' server is gone: %v", err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Jobs: 3 jobs, 2 running") {
		t.Errorf("after the last cell the live page answers %d:\n%.1000s", resp.StatusCode, page)
	}
}

// TestRefreshRerendersTheCheckpointsOfANotebookRunByJupyter: a notebook
// executed by real Jupyter, then the data change; refresh puts the current
// values into its syft-widget outputs (keeping their live URL) and leaves
// every other output as it was.
func TestRefreshRerendersTheCheckpointsOfANotebookRunByJupyter(t *testing.T) {
	requireJupyter(t)
	home := t.TempDir()
	stopAll(t, home)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	os.WriteFile(filepath.Join(dir, "data", "v.txt"), []byte("first-value"), 0o644)
	os.WriteFile(filepath.Join(dir, "w.yaml"), []byte("name: rw\nserver: rsrv\nsources:\n  v:\n    file: data/v.txt\n    format: text\n"+
		"endpoints:\n  /api:\n    v: v.data\ntemplate: |\n  <p>value: {v}</p>\n"), 0o644)
	file := filepath.Join(dir, "nb.ipynb")
	writeNotebook(t, file,
		[2]string{"widget", "out = !syft-widget render --checkpoint w.yaml\nfrom IPython.display import HTML; HTML(out.n)\n"},
		[2]string{"other", "from IPython.display import HTML; HTML('<b>first-value stays here</b>')\n"},
		[2]string{"print", "print('first-value printed')\n"},
		[2]string{"static", "out = !syft-widget render --checkpoint --no-server w.yaml\nfrom IPython.display import HTML; HTML(out.n)\n"})
	execute(t, home, file)
	saved := filepath.Join(dir, "nb.out.ipynb")
	before := readRaw(t, saved)
	beforeLive := liveURLRE.FindString(cellHTML(t, before, 0))
	if beforeLive == "" || !strings.Contains(cellHTML(t, before, 0), "value: first-value") {
		t.Fatalf("the executed notebook lacks the checkpoint:\n%.2000s", cellHTML(t, before, 0))
	}

	os.WriteFile(filepath.Join(dir, "data", "v.txt"), []byte("second-value"), 0o644)
	r := run(t, home, "refresh", saved)
	if r.code != 0 || !strings.Contains(r.stderr, "2 checkpoint(s) refreshed") {
		t.Fatalf("refresh: exit %d\n%s", r.code, r.stderr)
	}
	after := readRaw(t, saved)
	for _, i := range []int{0, 3} {
		html := cellHTML(t, after, i)
		if !strings.Contains(html, "value: second-value") || strings.Contains(html, "first-value") {
			t.Errorf("cell %d after refresh:\n%.2000s", i, html)
		}
	}
	if got := liveURLRE.FindString(cellHTML(t, after, 0)); got != beforeLive {
		t.Errorf("refresh changed the live URL from %s to %q", beforeLive, got)
	}
	if strings.Contains(cellHTML(t, after, 3), "/w/") {
		t.Errorf("the --no-server checkpoint gained a live URL")
	}
	for _, i := range []int{1, 2} {
		if !bytes.Equal(before.Cells[i].Outputs, after.Cells[i].Outputs) {
			t.Errorf("cell %d's outputs changed:\n%s\n---\n%s", i, before.Cells[i].Outputs, after.Cells[i].Outputs)
		}
	}
	// Jupyter still reads it as a notebook.
	cmd := exec.Command(nbconvert, "--to", "notebook", "--stdout", saved)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("nbconvert cannot read the refreshed notebook: %v\n%.2000s", err, out)
	}
	// A second refresh, with nothing new, succeeds too.
	if r := run(t, home, "refresh", saved); r.code != 0 {
		t.Errorf("second refresh: exit %d\n%s", r.code, r.stderr)
	}
}

// rawNotebook keeps each cell's outputs as written.
type rawNotebook struct {
	Cells []struct {
		Outputs json.RawMessage `json:"outputs"`
	} `json:"cells"`
}

func readRaw(t *testing.T, file string) *rawNotebook {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var nb rawNotebook
	if err := json.Unmarshal(b, &nb); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return &nb
}

// cellHTML is the text/html of cell i's outputs.
func cellHTML(t *testing.T, nb *rawNotebook, i int) string {
	t.Helper()
	var outs []output
	if err := json.Unmarshal(nb.Cells[i].Outputs, &outs); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, o := range outs {
		b.WriteString(string(o.Data["text/html"]))
	}
	return b.String()
}

// runIn runs the binary in dir, as a reader of the docs would.
func runIn(t *testing.T, home, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SYFT_WIDGET_HOME="+home, "SYFT_WIDGET_PUBLIC_URL=", "JUPYTERHUB_SERVICE_PREFIX=")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errOut.String(), code}
}

// block is a fenced code block of a markdown file and the line before it.
type block struct {
	lang, label, body string
	line              int
}

func codeBlocks(text string) []block {
	var out []block
	lines := strings.Split(text, "\n")
	label := ""
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		trimmed := strings.TrimLeft(l, " ")
		if !strings.HasPrefix(trimmed, "```") {
			if strings.TrimSpace(l) != "" {
				label = strings.TrimSpace(l)
			}
			continue
		}
		fence := trimmed[:len(trimmed)-len(strings.TrimLeft(trimmed, "`"))]
		b := block{lang: strings.Fields(trimmed[len(fence):] + " x")[0], label: label, line: i + 1}
		var body []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != fence; i++ {
			body = append(body, lines[i])
		}
		b.body = strings.Join(body, "\n")
		out = append(out, b)
		label = ""
	}
	return out
}

var (
	fileLabel    = regexp.MustCompile("`([^`\\s]+)`:$")
	commandLabel = regexp.MustCompile("`syft-widget ((?:eval|check|render --checkpoint --no-server) [^`]+)`.*:$")
)

// isManifest tells a manifest snippet from other YAML: it has a top-level
// endpoints, sources or template key.
func isManifest(b block) bool {
	if b.lang != "yaml" && b.lang != "yml" {
		return false
	}
	var top map[string]any
	if yaml.Unmarshal([]byte(b.body), &top) != nil {
		return false
	}
	_, e := top["endpoints"]
	_, s := top["sources"]
	_, tm := top["template"]
	return e || s || tm
}

// docSnippets replays a markdown file in dir: each block labelled "`PATH`:"
// is written there, every manifest snippet is checked, and each block
// labelled with a command is compared with what the binary gives.
func docSnippets(t *testing.T, doc string) (manifests, runs int) {
	text, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	home, dir := t.TempDir(), t.TempDir()
	pending := "" // a manifest not checked yet: a check run may expect it to fail
	flush := func() {
		if pending == "" {
			return
		}
		if r := runIn(t, home, dir, "check", pending); r.code != 0 {
			t.Errorf("%s: the snippet %s does not check:\n%s", doc, pending, r.stderr)
		}
		pending = ""
	}
	for i, b := range codeBlocks(string(text)) {
		where := doc + ":" + strconv.Itoa(b.line)
		if m := commandLabel.FindStringSubmatch(b.label); m != nil {
			runs++
			args := strings.Fields(m[1])
			r := runIn(t, home, dir, args...)
			want := strings.TrimRight(b.body, "\n")
			var got string
			switch args[0] {
			case "check":
				if args[1] == pending {
					pending = ""
				}
				if r.code != 1 {
					t.Errorf("%s: `syft-widget %s` exits %d, not 1", where, m[1], r.code)
				}
				got = strings.TrimRight(r.stderr, "\n")
			case "eval":
				if r.code != 0 {
					t.Errorf("%s: `syft-widget %s` exits %d: %s", where, m[1], r.code, r.stderr)
				}
				got = strings.TrimRight(r.stdout, "\n")
			case "render":
				if r.code != 0 || r.stderr != "" {
					t.Errorf("%s: `syft-widget %s` exits %d: %s", where, m[1], r.code, r.stderr)
				}
				got, err = reference.StaticLayer(r.stdout)
				if err != nil {
					t.Errorf("%s: %v", where, err)
				}
			}
			if got != want {
				t.Errorf("%s: `syft-widget %s` gives\n%s\nbut the docs show\n%s", where, m[1], got, want)
			}
			continue
		}
		name := ""
		if m := fileLabel.FindStringSubmatch(b.label); m != nil && !strings.Contains(b.label, "`syft-widget ") {
			name = path.Clean(m[1])
			if path.IsAbs(name) || strings.HasPrefix(name, "..") {
				t.Errorf("%s: the file %s lies outside the example's folder", where, m[1])
				continue
			}
		}
		manifest := isManifest(b)
		if manifest && name == "" {
			name = "snippet-" + strconv.Itoa(i+1) + ".yaml"
		}
		if name == "" {
			continue
		}
		if manifest {
			flush()
			manifests++
		}
		file := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(file), 0o755)
		if err := os.WriteFile(file, []byte(strings.TrimRight(b.body, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if manifest {
			pending = name
		}
	}
	flush()
	return manifests, runs
}

func TestEveryManifestSnippetInTheDocsChecksAndRunsAsShown(t *testing.T) {
	docs, _ := filepath.Glob("../../docs/*.md")
	docs = append(docs, "../../README.md")
	total := 0
	for _, doc := range docs {
		t.Run(filepath.Base(doc), func(t *testing.T) {
			manifests, runs := docSnippets(t, doc)
			t.Logf("%d manifest snippets checked, %d commands run", manifests, runs)
			total += manifests + runs
			if filepath.Base(doc) == "manifest.md" && (manifests < 20 || runs < 10) {
				t.Errorf("found only %d manifests and %d commands in %s: did its conventions change?", manifests, runs, doc)
			}
		})
	}
	if total == 0 {
		t.Fatal("found no snippet in the docs")
	}
}
