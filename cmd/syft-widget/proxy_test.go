//go:build linux

package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// renderIn runs `render --checkpoint manifest` with env added to a clean
// environment, as a notebook kernel on that platform would.
func renderIn(t *testing.T, home, manifest string, env ...string) string {
	t.Helper()
	cmd := exec.Command(binary, "render", "--checkpoint", manifest)
	cmd.Env = append(os.Environ(), append([]string{"SYFT_WIDGET_HOME=" + home, "SYFT_WIDGET_PUBLIC_URL=",
		"JUPYTERHUB_SERVICE_PREFIX=", "VSCODE_PROXY_URI=", "COLAB_RELEASE_TAG="}, env...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil || errOut.Len() > 0 {
		t.Fatalf("render: %v\n%s", err, errOut.String())
	}
	return out.String()
}

// getAs requests u (a loopback URL) with the Host header set to host.
func getAs(t *testing.T, u, host string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func writeSmallWidget(t *testing.T, server string) string {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "v.txt"), []byte("hello-from-the-kernel"), 0o644)
	file := filepath.Join(dir, "w.yaml")
	os.WriteFile(file, []byte("name: pw\nserver: "+server+"\nsources:\n  v:\n    file: v.txt\n    format: text\n"+
		"endpoints:\n  /api:\n    v: v.data\ntemplate: |\n  <p>{v}</p>\n"), 0o644)
	return file
}

// TestRenderUnderJupyterHubServesTheHubsHostWithTheToken: with only
// $JUPYTERHUB_SERVICE_PREFIX set, the fragment points at
// jupyter-server-proxy's path, and the server it starts answers the hub's
// Host (which the proxy passes through) on requests with the token, and
// nothing else.
func TestRenderUnderJupyterHubServesTheHubsHostWithTheToken(t *testing.T) {
	home := t.TempDir()
	stopAll(t, home)
	frag := renderIn(t, home, writeSmallWidget(t, "hubsrv"), "JUPYTERHUB_SERVICE_PREFIX=/user/ada/")
	m := regexp.MustCompile(`"liveURL":"(/user/ada/proxy/(\d+)/w/pw/\?token=([0-9a-f]+))"`).FindStringSubmatch(frag)
	if m == nil {
		t.Fatalf("the fragment's live URL is not under the hub's proxy prefix:\n%.3000s", frag)
	}
	rec := record(t, home, "hubsrv")
	direct := "http://" + rec.Addr
	const hub = "hub.example.org"
	if code, body := getAs(t, direct+"/w/pw/?token="+m[3], hub); code != http.StatusOK || !strings.Contains(body, "hello-from-the-kernel") {
		t.Errorf("the live page through the hub's Host: %d", code)
	}
	for _, path := range []string{"/w/pw/", "/healthz", "/admin/status?token=" + m[3]} {
		if code, _ := getAs(t, direct+path, hub); code != http.StatusForbidden {
			t.Errorf("%s with the hub's Host: %d, want 403", path, code)
		}
	}
}

// TestRenderInColabKeepsTheLoopbackURLAndAcceptsColabsProxy: Colab is
// told by its environment; the fragment keeps the loopback URL (the
// bootstrap maps it through google.colab.kernel.proxyPort) and the server
// answers the proxy's Host with the token.
func TestRenderInColabKeepsTheLoopbackURLAndAcceptsColabsProxy(t *testing.T) {
	home := t.TempDir()
	stopAll(t, home)
	frag := renderIn(t, home, writeSmallWidget(t, "colabsrv"), "COLAB_RELEASE_TAG=release-colab_20260101")
	live := liveURLRE.FindString(frag)
	if live == "" {
		t.Fatalf("no loopback live URL in the fragment:\n%.3000s", frag)
	}
	if code, _ := getAs(t, live, "8123-abc-colab.googleusercontent.example"); code != http.StatusOK {
		t.Errorf("the live page through Colab's proxy Host: %d", code)
	}
	rec := record(t, home, "colabsrv")
	if code, _ := getAs(t, "http://"+rec.Addr+"/healthz", "8123-abc-colab.googleusercontent.example"); code != http.StatusForbidden {
		t.Errorf("/healthz with a foreign Host: %d, want 403", code)
	}
}
