//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// An unreadable folder once dropped 9 of 37 requests without a word: check
// must say which folder it could not read, and still exit 0.
func TestCheckWarnsAboutAnUnreadableFolder(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"rpc/alice/1.request", "rpc/bob/2.request", "rpc/bob/3.request"} {
		p := filepath.Join(dir, "data", f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(`{"id":"1"}`), 0o644)
	}
	man := filepath.Join(dir, "w.yaml")
	os.WriteFile(man, []byte("root: data\nsources:\n  reqs: \"rpc/**/*.request\"\nendpoints:\n  /x:\n    n: len(reqs)\n"), 0o644)
	if err := os.Chmod(filepath.Join(dir, "data/rpc/bob"), 0o000); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(filepath.Join(dir, "data/rpc/bob"), 0o755)

	cmd := exec.Command(binary, "check", man)
	if os.Getuid() == 0 {
		// root reads every folder: run the check as nobody, as a user would.
		for _, d := range []string{filepath.Dir(binary), dir, filepath.Dir(dir)} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("check: %v\n%s%s", err, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "source reqs: 1 file matches rpc/**/*.request") {
		t.Errorf("stdout:\n%s", out.String())
	}
	if !strings.Contains(errOut.String(), "warning: source reqs: folder rpc/bob cannot be read (permission denied): files in it are not counted") {
		t.Errorf("stderr:\n%s", errOut.String())
	}
}

func TestCheckWarnsAboutZeroMatchesAndAMissingRootButPasses(t *testing.T) {
	dir := t.TempDir()
	man := filepath.Join(dir, "w.yaml")
	os.WriteFile(man, []byte("root: nothere\nsources:\n  jobs: \"jobs/*.json\"\nendpoints:\n  /x:\n    n: len(jobs)\n"), 0o644)
	r := run(t, t.TempDir(), "check", man)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"warning: root " + filepath.Join(dir, "nothere") + " does not exist", "warning: source jobs: no file matches jobs/*.json"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if !strings.Contains(r.stdout, "source jobs: 0 files match jobs/*.json") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
}

func TestEvalExplainListsTheMatchedFiles(t *testing.T) {
	r := run(t, t.TempDir(), "eval", "--explain", "../../examples/manifests/job_monitor.yaml")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "source jobs: 4 files match jobs/**/*.json") || !strings.Contains(r.stderr, "\n  jobs/bob/preprocess.json\n") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "{") {
		t.Errorf("stdout is not the JSON: %s", r.stdout)
	}
}
