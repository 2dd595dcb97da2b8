package serve

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
)

// TestBehindAProxyAnyHostIsAcceptedOnlyWithTheToken: jupyter-server-proxy
// passes the browser's Host through, so a server reached by a prefix
// accepts any Host on requests that carry the token; /healthz, /admin/ and
// every request without the token still answer only to loopback names.
func TestBehindAProxyAnyHostIsAcceptedOnlyWithTheToken(t *testing.T) {
	ts := startTestServer(t, Config{Name: "test", AllowHosts: []string{AnyHost}})
	ts.write(t, "jobs/a/1.json", `{"name": "alpha"}`)
	if err := ts.Load(ts.write(t, "jobs.yaml", jobsManifest)); err != nil {
		t.Fatal(err)
	}
	const hub = "hub.example.org:8000"
	for _, path := range []string{"", "w/jobs/", "w/jobs/data", "w/jobs/api/jobs"} {
		if resp, _ := get(t, ts.url(path), "Host", hub); resp.StatusCode != http.StatusOK {
			t.Errorf("Host %s /%s with the token: %d, want 200", hub, path, resp.StatusCode)
		}
		if resp, _ := get(t, ts.base+path, "Host", hub); resp.StatusCode != http.StatusForbidden {
			t.Errorf("Host %s /%s without the token: %d, want 403", hub, path, resp.StatusCode)
		}
		if resp, _ := get(t, ts.base+path+"?token=wrong", "Host", hub); resp.StatusCode != http.StatusForbidden {
			t.Errorf("Host %s /%s with a wrong token: %d, want 403", hub, path, resp.StatusCode)
		}
	}
	for _, path := range []string{"healthz", "admin/status"} {
		if resp, _ := get(t, ts.url(path), "Host", hub); resp.StatusCode != http.StatusForbidden {
			t.Errorf("Host %s /%s: %d, want 403 (loopback only)", hub, path, resp.StatusCode)
		}
	}
	if resp, _ := get(t, ts.base+"healthz", "Host", "*"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("Host * /healthz: %d, want 403", resp.StatusCode)
	}
	if resp, _ := get(t, ts.base+"healthz", "Host", "localhost"); resp.StatusCode != http.StatusOK {
		t.Errorf("loopback /healthz: %d, want 200", resp.StatusCode)
	}

	// Without the wildcard, a proxied Host is refused even with the token.
	plain := startTestServer(t, Config{Name: "plain"})
	if resp, _ := get(t, plain.url(""), "Host", hub); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a server not behind a proxy accepts Host %s: %d", hub, resp.StatusCode)
	}
}

// TestEventStreamTellsProxiesNotToBufferAndSpeaksAtOnce: the stream's
// headers and a first comment are flushed before anything changes, so a
// proxy that waits for bytes passes the stream on, and nginx is told not to
// buffer it.
func TestEventStreamTellsProxiesNotToBufferAndSpeaksAtOnce(t *testing.T) {
	ts := jobsServer(t)
	for _, path := range []string{"events", "w/jobs/events"} {
		req, _ := http.NewRequest(http.MethodGet, ts.url(path), nil)
		req.Header.Set("Accept", "text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Header.Get("X-Accel-Buffering"); got != "no" {
			t.Errorf("/%s: X-Accel-Buffering %q, want no", path, got)
		}
		if got := resp.Header.Get("Content-Type"); got != "text/event-stream" {
			t.Errorf("/%s: Content-Type %q", path, got)
		}
		r := bufio.NewReader(resp.Body)
		var first []string
		for len(first) < 2 {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("/%s: %v", path, err)
			}
			first = append(first, strings.TrimSpace(line))
		}
		if !strings.HasPrefix(first[1], ":") {
			t.Errorf("/%s starts with %q, want a comment at once", path, first)
		}
		resp.Body.Close()
	}
	if heartbeat.Seconds() > 15 {
		t.Errorf("heartbeat every %s; proxies time idle streams out: at most 15 s", heartbeat)
	}
}
