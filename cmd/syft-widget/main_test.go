package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// binary is the real syft-widget, built once for the tests that run it as a
// user would (background servers re-execute it, notebooks call it).
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "syft-widget-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "syft-widget")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building syft-widget:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one run of the binary gave.
type result struct {
	stdout, stderr string
	code           int
}

// run executes the binary with a private SYFT_WIDGET_HOME.
func run(t *testing.T, home string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "SYFT_WIDGET_HOME="+home, "SYFT_WIDGET_PUBLIC_URL=", "JUPYTERHUB_SERVICE_PREFIX=",
		"VSCODE_PROXY_URI=", "COLAB_RELEASE_TAG=")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errOut.String(), code}
}

func examples(t *testing.T) []string {
	files, err := filepath.Glob("../../examples/manifests/*.yaml")
	if err != nil || len(files) < 5 {
		t.Fatalf("examples: %v %v", files, err)
	}
	return files
}

func TestCheckAcceptsEveryExample(t *testing.T) {
	r := run(t, t.TempDir(), append([]string{"check"}, examples(t)...)...)
	if r.code != 0 || strings.Count(r.stdout, ": ok (") != len(examples(t)) {
		t.Errorf("check: %+v", r)
	}
}

func TestCheckListsEveryErrorAndExits1(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: Bad\nendpoints:\n  /a:\n    x: len(nope)\n    y: 1 +\n"), 0o644)
	r := run(t, dir, "check", bad)
	if r.code != 1 || r.stdout != "" {
		t.Fatalf("check: %+v", r)
	}
	for _, want := range []string{bad + ":1:7: name", bad + ":4:12: field x: unknown name nope", bad + ":5:"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

func TestCheckSaysWhatTheCleanerRemoved(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "w.yaml")
	os.WriteFile(f, []byte("name: w\ntemplate: |\n  <p onclick=\"x()\">hi</p><script>alert(1)</script>\n"), 0o644)
	r := run(t, dir, "check", f)
	if r.code != 0 || !strings.Contains(r.stderr, "script") || !strings.Contains(r.stderr, "onclick") {
		t.Errorf("check: %+v", r)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"check"}, {"render", "x.yaml"}, {"eval"}, {"check", "--nope", "x"}, {"stop"}} {
		if r := run(t, t.TempDir(), args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, r.code, r.stderr)
		}
	}
	for _, cmd := range []string{"run", "serve", "render", "eval", "check", "servers", "stop", "logs", "token", "schema", "version"} {
		if r := run(t, t.TempDir(), cmd, "--help"); r.code != 0 || !strings.Contains(r.stdout, "Usage: syft-widget "+cmd) {
			t.Errorf("%s --help: %+v", cmd, r)
		}
	}
}

func TestEvalPrintsEndpointsJSON(t *testing.T) {
	f := "../../examples/manifests/job_monitor.yaml"
	r := run(t, t.TempDir(), "eval", f, "/api/jobs")
	if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, `"total": 4`) || !strings.Contains(r.stdout, `"running": 2`) {
		t.Errorf("eval: %+v", r)
	}
	r = run(t, t.TempDir(), "eval", f)
	if r.code != 0 || !strings.Contains(r.stdout, `"/api/jobs": {`) {
		t.Errorf("eval all: %+v", r)
	}
	if r := run(t, t.TempDir(), "eval", f, "/api/nope"); r.code != 1 || !strings.Contains(r.stderr, "/api/jobs") {
		t.Errorf("eval unknown endpoint: %+v", r)
	}
}

func TestSchemaAndVersionPrint(t *testing.T) {
	if r := run(t, t.TempDir(), "schema"); r.code != 0 || !strings.Contains(r.stdout, `"$schema"`) {
		t.Errorf("schema: %+v", r)
	}
	if r := run(t, t.TempDir(), "version"); r.code != 0 || strings.TrimSpace(r.stdout) == "" {
		t.Errorf("version: %+v", r)
	}
}

func TestRenderNoServerPrintsTheFragmentAndNothingOnStderr(t *testing.T) {
	home := t.TempDir()
	out := filepath.Join(t.TempDir(), "w.html")
	r := run(t, home, "render", "--checkpoint", "../../examples/manifests/job_monitor.yaml", "--no-server")
	if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "train-model") || !strings.Contains(r.stdout, "<script") {
		t.Errorf("render: code %d stderr %q stdout %.300q", r.code, r.stderr, r.stdout)
	}
	r = run(t, home, "render", "--checkpoint", "--no-server", "--out", out, "../../examples/manifests/job_monitor.yaml")
	b, _ := os.ReadFile(out)
	if r.code != 0 || r.stdout != "" || !strings.Contains(string(b), "train-model") {
		t.Errorf("render --out: %+v, file %d bytes", r, len(b))
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Errorf("--no-server left state behind: %v", entries)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for delay := time.Millisecond; !cond(); delay = min(delay*2, 50*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(delay)
	}
}
