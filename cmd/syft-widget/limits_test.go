//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// startRun runs `run` over the manifests and returns each widget's URL.
func startRun(t *testing.T, manifests ...string) map[string]string {
	t.Helper()
	return startServing(t, len(manifests), append([]string{"run"}, manifests...)...)
}

// startServing runs the binary with args (run or serve) until it has printed
// the URLs of widgets widgets, and returns them by name.
func startServing(t *testing.T, widgets int, args ...string) map[string]string {
	t.Helper()
	cmd := exec.Command(binary, args...)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urls := map[string]string{}
	sc := bufio.NewScanner(stdout)
	for len(urls) < widgets && sc.Scan() {
		if name, u, ok := strings.Cut(sc.Text(), ": "); ok && name != "index" && strings.HasPrefix(u, "http") {
			urls[name] = u
		}
	}
	if len(urls) < widgets {
		t.Fatalf("run printed %v", urls)
	}
	go io.Copy(io.Discard, stdout)
	return urls
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	return string(b)
}

// TestAFieldOverALimitFailsAloneAndTheServerGoesOn is the expression that
// used to end the process with "fatal error: out of memory": on a real
// server it fails its own field (in _errors and on the page), the field
// beside it and the other widget are served, and the process lives.
func TestAFieldOverALimitFailsAloneAndTheServerGoesOn(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte(`endpoints:
  /api:
    doubled: 'len(reduce(1..40, #acc + #acc, "x"))'
    repeated: 'len(repeat(repeat("ab", 100000), 100000))'
    fine: 1 + 1
template: |
  <p data-field="doubled">{doubled}</p><p data-field="fine">{fine}</p>
`), 0o644)
	os.WriteFile(filepath.Join(dir, "good.yaml"), []byte("endpoints:\n  /api:\n    n: 40 + 2\ntemplate: <p>{n}</p>\n"), 0o644)
	urls := startRun(t, filepath.Join(dir, "bad.yaml"), filepath.Join(dir, "good.yaml"))

	var data struct {
		Fields map[string]any    `json:"fields"`
		Errors map[string]string `json:"_errors"`
	}
	if err := json.Unmarshal([]byte(get(t, strings.Replace(urls["bad"], "/?token=", "/data?token=", 1))), &data); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"doubled", "repeated"} {
		if !strings.Contains(data.Errors[f], "over the memory limit of one evaluation") || data.Fields[f] != nil {
			t.Errorf("%s: %v, error %q", f, data.Fields[f], data.Errors[f])
		}
	}
	if data.Fields["fine"] != 2.0 {
		t.Errorf("the field beside: %v", data.Fields["fine"])
	}
	page := get(t, urls["bad"])
	if !strings.Contains(page, `class="sw-stale" title="`) || !strings.Contains(page, "over the memory limit") {
		t.Errorf("the page does not mark the failed field:\n%s", page)
	}
	if !strings.Contains(get(t, urls["good"]), "<p>42</p>") {
		t.Error("the other widget is not served")
	}
}
