//go:build linux

package main

import (
	"bufio"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMaxFileSizeHasACeiling: a manifest asking to read 100 GiB files is
// refused at its line and column (one sparse file read whole took 2 GB).
func TestMaxFileSizeHasACeiling(t *testing.T) {
	dir := t.TempDir()
	m := filepath.Join(dir, "w.yaml")
	os.WriteFile(m, []byte("sources:\n  big:\n    glob: \"*.bin\"\n    max_file_size: 100GiB\nendpoints:\n  /a:\n    n: len(big)\n"), 0o644)
	r := run(t, dir, "check", m)
	if r.code != 1 || !strings.Contains(r.stderr, "w.yaml:4:20: max_file_size: 100GiB is over the ceiling of 1GiB") {
		t.Errorf("check: %+v", r)
	}
	os.WriteFile(m, []byte("sources:\n  big:\n    glob: \"*.bin\"\n    max_file_size: 1GiB\nendpoints:\n  /a:\n    n: len(big)\n"), 0o644)
	if r := run(t, dir, "check", m); r.code != 0 {
		t.Errorf("1GiB is the ceiling itself: %+v", r)
	}
}

// TestRenderOutIsReadableByTheUserOnly: the fragment carries the server's
// token, so --out writes it 0600, also over a file that was 0644.
func TestRenderOutIsReadableByTheUserOnly(t *testing.T) {
	home := t.TempDir()
	stopAll(t, home)
	_, m := widgetDir(t, "w", "outmode", "")
	out := filepath.Join(t.TempDir(), "fragment.html")
	os.WriteFile(out, []byte("old"), 0o644)
	if r := run(t, home, "render", "--checkpoint", "--out", out, m); r.code != 0 {
		t.Fatalf("render: %+v", r)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("--out wrote %v", fi.Mode().Perm())
	}
	if b, _ := os.ReadFile(out); !strings.Contains(string(b), "token=") {
		t.Errorf("the fragment has no live URL: %.200s", b)
	}
}

// TestAbsoluteFormTargetsAreCheckedLikeTheHostHeader: for
// `GET http://host/path` net/http takes the host from the target and drops
// the Host header before any handler sees it (RFC 7230 5.4), so the
// target's host is the one checked, and one not allowed is refused like a
// bad Host header.
func TestAbsoluteFormTargetsAreCheckedLikeTheHostHeader(t *testing.T) {
	_, m := widgetDir(t, "w", "absform", "")
	urls := startServing(t, 1, "run", m)
	u, err := url.Parse(urls["w"])
	if err != nil {
		t.Fatal(err)
	}
	send := func(target, host string) int {
		t.Helper()
		c, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n"))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	path := u.RequestURI()
	for _, c := range []struct {
		target, host string
		want         int
	}{
		{path, u.Host, 200},
		{path, "evil.example", 403},
		{"http://" + u.Host + path, u.Host, 200},
		{"http://evil.example" + path, u.Host, 403},
		{"http://evil.example/healthz", u.Host, 403},
	} {
		if got := send(c.target, c.host); got != c.want {
			t.Errorf("GET %s with Host %s: %d, want %d", c.target, c.host, got, c.want)
		}
	}
}
