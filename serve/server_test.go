package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// testServer is a Server on a real loopback socket.
type testServer struct {
	*Server
	base string // http://127.0.0.1:PORT/
	dir  string // a temp folder for manifests and data
}

func startTestServer(t *testing.T, cfg Config) *testServer {
	t.Helper()
	srv := NewServer(cfg)
	ln, err := Listen("")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return &testServer{Server: srv, base: "http://" + ln.Addr().String() + "/", dir: t.TempDir()}
}

// write creates (or replaces) a file under the server's temp folder.
func (ts *testServer) write(t *testing.T, rel, text string) string {
	t.Helper()
	p := filepath.Join(ts.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func (ts *testServer) url(path string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return ts.base + strings.TrimPrefix(path, "/") + sep + "token=" + ts.Token()
}

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for delay := time.Millisecond; !cond(); delay = min(delay*2, 20*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(delay)
	}
}

const jobsManifest = `name: jobs
sources:
  jobs: "jobs/**/*.json"
endpoints:
  /api/jobs:
    total: len(jobs)
    names: sort(map(jobs, .data.name))
    first: jobs[0].data.name
template: |
  <h3><span data-field="total" id="total">{total}</span> jobs</h3>
  <p id="static">static text</p>
  <p id="first" data-field="first">{first}</p>
  <ul data-field="names"><template data-each><li>{.}</li></template></ul>
`

func jobsServer(t *testing.T) *testServer {
	ts := startTestServer(t, Config{Name: "test"})
	ts.write(t, "jobs/a/1.json", `{"name": "alpha"}`)
	if err := ts.Load(ts.write(t, "jobs.yaml", jobsManifest)); err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestEveryPathButHealthzNeedsTheToken(t *testing.T) {
	ts := jobsServer(t)
	for _, path := range []string{"", "w/jobs/", "w/jobs/data", "w/jobs/events", "w/jobs/api/jobs", "events", "admin/status", "nowhere"} {
		if resp, _ := get(t, ts.base+path); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("/%s without a token: %d, want 401", path, resp.StatusCode)
		}
		if resp, _ := get(t, ts.base+path+"?token=wrong"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("/%s with a wrong token: %d, want 401", path, resp.StatusCode)
		}
		if resp, _ := get(t, ts.base+path, "Authorization", "Bearer nope"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("/%s with a wrong bearer token: %d, want 401", path, resp.StatusCode)
		}
	}
	if resp, _ := get(t, ts.base+"w/jobs/data", "Authorization", "Bearer "+ts.Token()); resp.StatusCode != http.StatusOK {
		t.Errorf("bearer token: %d, want 200", resp.StatusCode)
	}
	resp, body := get(t, ts.base+"healthz")
	if resp.StatusCode != http.StatusOK || strings.Contains(body, ts.Token()) || strings.Contains(body, "jobs") {
		t.Errorf("healthz: %d %s", resp.StatusCode, body)
	}
	var h map[string]any
	json.Unmarshal([]byte(body), &h)
	if h["ok"] != true || h["boot"] != ts.Boot() || h["server"] != "test" || h["pid"] != float64(os.Getpid()) {
		t.Errorf("healthz = %v", h)
	}
}

func TestTokensAreLongAndRandom(t *testing.T) {
	a, b := NewToken(), NewToken()
	if len(a) < 32 || a == b {
		t.Errorf("tokens %q and %q", a, b)
	}
}

func TestForeignHostsAreRefused(t *testing.T) {
	ts := startTestServer(t, Config{AllowHosts: []string{"notebook.example.org"}})
	for _, host := range []string{"evil.example", "evil.example:80", "127.0.0.1.evil.example", "localhost.evil.example"} {
		for _, path := range []string{"healthz", "", "w/x/", "nowhere"} {
			if resp, _ := get(t, ts.url(path), "Host", host); resp.StatusCode != http.StatusForbidden {
				t.Errorf("Host %s /%s: %d, want 403", host, path, resp.StatusCode)
			}
		}
	}
	for _, host := range []string{"localhost", "127.0.0.1:8000", "[::1]:1", "notebook.example.org", "NOTEBOOK.example.org:443"} {
		if resp, _ := get(t, ts.url("healthz"), "Host", host); resp.StatusCode != http.StatusOK {
			t.Errorf("Host %s: %d, want 200", host, resp.StatusCode)
		}
	}
}

func TestNoCORSHeadersAreEverSent(t *testing.T) {
	ts := jobsServer(t)
	for _, origin := range []string{"null", "https://evil.example", ts.base[:len(ts.base)-1]} {
		for _, path := range []string{"healthz", "w/jobs/data", "w/jobs/", "nowhere"} {
			resp, _ := get(t, ts.url(path), "Origin", origin)
			for k := range resp.Header {
				if strings.HasPrefix(strings.ToLower(k), "access-control-") {
					t.Errorf("Origin %s /%s: header %s: %s", origin, path, k, resp.Header.Get(k))
				}
			}
		}
		req, _ := http.NewRequest(http.MethodOptions, ts.url("w/jobs/data"), nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "GET")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("preflight from %s: Access-Control-Allow-Origin %q", origin, v)
		}
	}
}

func TestPagesAreSentWithCSPAndNoReferrer(t *testing.T) {
	ts := jobsServer(t)
	for _, path := range []string{"", "w/jobs/"} {
		resp, body := get(t, ts.url(path))
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'nonce-", "img-src data:", "connect-src 'self'", "base-uri 'none'", "object-src 'none'", "form-action 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("/%s: CSP %q lacks %q", path, csp, want)
			}
		}
		nonce := strings.SplitN(strings.SplitN(csp, "'nonce-", 2)[1], "'", 2)[0]
		if !strings.Contains(body, `nonce="`+nonce+`"`) {
			t.Errorf("/%s: the page's script does not carry the CSP nonce", path)
		}
		if resp.Header.Get("Referrer-Policy") != "no-referrer" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("/%s: headers %v", path, resp.Header)
		}
	}
	_, a := get(t, ts.url("w/jobs/"))
	_, b := get(t, ts.url("w/jobs/"))
	if nonceOf(a) == nonceOf(b) {
		t.Error("two responses share a nonce")
	}
}

func nonceOf(page string) string {
	_, rest, _ := strings.Cut(page, `nonce="`)
	n, _, _ := strings.Cut(rest, `"`)
	return n
}

func TestDataHasAnETagAndAnswers304(t *testing.T) {
	ts := jobsServer(t)
	resp, body := get(t, ts.url("w/jobs/data"))
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag == "" {
		t.Fatalf("data: %d, ETag %q", resp.StatusCode, etag)
	}
	var d struct {
		Version int               `json:"version"`
		Fields  map[string]any    `json:"fields"`
		Errors  map[string]string `json:"_errors"`
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if d.Version < 1 || d.Fields["total"] != float64(1) || d.Fields["first"] != "alpha" || len(d.Errors) != 0 {
		t.Errorf("data = %s", body)
	}
	if resp, _ := get(t, ts.url("w/jobs/data"), "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", resp.StatusCode)
	}
	ts.write(t, "jobs/b/2.json", `{"name": "beta"}`)
	eventually(t, "a new version", func() bool {
		resp, _ := get(t, ts.url("w/jobs/data"), "If-None-Match", etag)
		return resp.StatusCode == http.StatusOK
	})
}

func TestEndpointsAnswerTheirFields(t *testing.T) {
	ts := jobsServer(t)
	resp, body := get(t, ts.url("w/jobs/api/jobs"))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if body != `{"first":"alpha","names":["alpha"],"total":1}` {
		t.Errorf("endpoint = %s", body)
	}
	if resp, _ := get(t, ts.url("w/jobs/api/nope")); resp.StatusCode != 404 {
		t.Errorf("unknown endpoint: %d", resp.StatusCode)
	}
	if resp, _ := get(t, ts.url("w/nope/api/jobs")); resp.StatusCode != 404 {
		t.Errorf("unknown widget: %d", resp.StatusCode)
	}
}

func TestAFailingFieldIsNullWithItsErrorAndTheOthersStay(t *testing.T) {
	ts := jobsServer(t)
	os.Remove(filepath.Join(ts.dir, "jobs/a/1.json"))
	eventually(t, "the first job to fail", func() bool {
		_, body := get(t, ts.url("w/jobs/api/jobs"))
		return strings.Contains(body, `"_errors":{"first":`)
	})
	_, body := get(t, ts.url("w/jobs/api/jobs"))
	var d map[string]any
	json.Unmarshal([]byte(body), &d)
	if d["first"] != nil || d["total"] != float64(0) {
		t.Errorf("endpoint = %s", body)
	}
	// The page keeps the last good value and marks it.
	_, page := get(t, ts.url("w/jobs/"))
	if !strings.Contains(page, `alpha`) || !strings.Contains(page, "sw-stale") {
		t.Errorf("page lost the last good value of first, or does not mark it:\n%s", page)
	}
}

// sse reads a Server-Sent Events stream into a channel of events.
type sseEvent struct{ id, event, data string }

func openEvents(t *testing.T, url string, header ...string) <-chan sseEvent {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	ctx, cancel := context.WithCancel(context.Background())
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" || resp.Header.Get("X-Accel-Buffering") != "no" {
		t.Errorf("events headers: %v", resp.Header)
	}
	ch := make(chan sseEvent, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(ch)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.data != "" || ev.event != "" {
					ch <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data += line[6:]
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
		for range ch {
		}
		<-done
	})
	return ch
}

func next(t *testing.T, ch <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("the stream ended")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for an event")
	}
	return sseEvent{}
}

type payload struct {
	Name    string            `json:"name"`
	Version uint64            `json:"version"`
	HTML    string            `json:"html"`
	Errors  map[string]string `json:"_errors"`
	Patch   json.RawMessage   `json:"patch"`
}

// decode reads an event; for one that carries only what changed (a patch
// from the version before), HTML is the patch, which holds the new parts.
func decode(t *testing.T, ev sseEvent) payload {
	t.Helper()
	var p payload
	if err := json.Unmarshal([]byte(ev.data), &p); err != nil {
		t.Fatalf("event data %q: %v", ev.data, err)
	}
	if p.HTML == "" && p.Patch != nil {
		p.HTML = string(p.Patch)
	}
	return p
}

func TestEventsPushEachChangeWithItsVersion(t *testing.T) {
	ts := jobsServer(t)
	ch := openEvents(t, ts.url("w/jobs/events"))
	first := decode(t, next(t, ch))
	if first.Name != "jobs" || !strings.Contains(first.HTML, "alpha") {
		t.Fatalf("first event = %+v", first)
	}
	ts.write(t, "jobs/b/2.json", `{"name": "beta"}`)
	for {
		ev := next(t, ch)
		p := decode(t, ev)
		if ev.id != fmt.Sprintf("%s-%d", ts.Boot(), p.Version) {
			t.Errorf("event id %q, want boot-version", ev.id)
		}
		if p.Version <= first.Version {
			t.Fatalf("version went from %d to %d", first.Version, p.Version)
		}
		if strings.Contains(p.HTML, "beta") {
			break
		}
	}
}

func TestOneStreamCarriesEveryWidget(t *testing.T) {
	ts := jobsServer(t)
	ts.write(t, "other.yaml", "name: other\nsources:\n  f: \"o/*.txt\"\nendpoints:\n  /n:\n    n: len(f)\n")
	if err := ts.Load(filepath.Join(ts.dir, "other.yaml")); err != nil {
		t.Fatal(err)
	}
	ch := openEvents(t, ts.url("events"))
	seen := map[string]bool{}
	for len(seen) < 2 {
		seen[decode(t, next(t, ch)).Name] = true
	}
	ts.write(t, "o/a.txt", "x")
	for {
		if p := decode(t, next(t, ch)); p.Name == "other" && strings.Contains(p.HTML, "1") {
			break
		}
	}
}

func TestAReconnectingPageCatchesUpFromASnapshot(t *testing.T) {
	ts := jobsServer(t)
	ts.write(t, "jobs/b/2.json", `{"name": "beta"}`)
	eventually(t, "beta", func() bool { return strings.Contains(ts.Widget("jobs").State().HTML, "beta") })
	// A page that saw version 1 of an older boot gets the whole current state.
	ch := openEvents(t, ts.url("w/jobs/events"), "Last-Event-ID", "oldboot-1")
	p := decode(t, next(t, ch))
	if !strings.Contains(p.HTML, "alpha") || !strings.Contains(p.HTML, "beta") {
		t.Errorf("snapshot = %+v", p)
	}
}

func TestABrokenReloadKeepsTheLastGoodVersionAndShowsItsErrors(t *testing.T) {
	ts := jobsServer(t)
	path := filepath.Join(ts.dir, "jobs.yaml")
	ts.write(t, "jobs.yaml", strings.Replace(jobsManifest, "len(jobs)", "len(jobz)", 1))
	err := ts.Load(path)
	if err == nil || !strings.Contains(err.Error(), path+":6:") {
		t.Fatalf("reload error = %v", err)
	}
	_, page := get(t, ts.url("w/jobs/"))
	if !strings.Contains(page, "alpha") || !strings.Contains(page, "unknown name jobz") {
		t.Errorf("page does not show the last good version and the error:\n%s", page)
	}
	_, index := get(t, ts.url(""))
	if !strings.Contains(index, "unknown name jobz") {
		t.Errorf("index does not show the error:\n%s", index)
	}
	ts.write(t, "jobs.yaml", jobsManifest)
	if err := ts.Load(path); err != nil {
		t.Fatal(err)
	}
	if _, page := get(t, ts.url("w/jobs/")); strings.Contains(page, "jobz") {
		t.Error("the repaired manifest still shows the old error")
	}
}

func TestShutdownEndsOpenStreams(t *testing.T) {
	srv := NewServer(Config{})
	ln, _ := Listen("")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String() + "/"
	resp, err := http.Get(base + "events?token=" + srv.Token())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	bufio.NewReader(resp.Body).ReadString('\n') // the stream is open
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return with a stream open")
	}
}

func TestABurstOf10000FilesIn100NewFoldersEndsInTheTruth(t *testing.T) {
	ts := startTestServer(t, Config{})
	ts.write(t, "burst.yaml", `name: burst
sources:
  files: "in/**/*.json"
endpoints:
  /api:
    total: len(files)
    sum: sum(map(files, .data.v))
    broken: count(files, .error != "")
`)
	if err := ts.Load(filepath.Join(ts.dir, "burst.yaml")); err != nil {
		t.Fatal(err)
	}
	ch := openEvents(t, ts.url("w/burst/events"))
	next(t, ch)
	want := 0
	for d := range 100 {
		dir := filepath.Join(ts.dir, "in", fmt.Sprintf("d%02d", d), "deeper")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for f := range 100 {
			v := d*100 + f
			want += v
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.json", f)), []byte(fmt.Sprintf(`{"v": %d}`, v)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	truth := fmt.Sprintf(`{"broken":0,"sum":%d,"total":10000}`, want)
	eventually(t, "the endpoint to equal the ground truth "+truth, func() bool {
		_, body := get(t, ts.url("w/burst/api"))
		return body == truth
	})
	// The listening client was told: its latest event shows the final state.
	for {
		if p := decode(t, next(t, ch)); p.Version == ts.Widget("burst").State().Version {
			break
		}
	}
}

// TestASlowClientDoesNotHoldTheOthersBack: a client that never reads its
// stream fills its socket; another client still gets every update.
func TestASlowClientDoesNotHoldTheOthersBack(t *testing.T) {
	ts := startTestServer(t, Config{})
	big := strings.Repeat("0123456789abcdef", 1<<15) // 512 KiB per event
	ts.write(t, "big.txt", "0 "+big)
	ts.write(t, "big.yaml", "name: big\nsources:\n  f:\n    file: big.txt\nendpoints:\n  /x:\n    text: f.data\n")
	if err := ts.Load(filepath.Join(ts.dir, "big.yaml")); err != nil {
		t.Fatal(err)
	}
	stuck, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(ts.base, "http://"), "/"))
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	fmt.Fprintf(stuck, "GET /w/big/events?token=%s HTTP/1.1\r\nHost: localhost\r\n\r\n", ts.Token())
	ch := openEvents(t, ts.url("w/big/events"))
	next(t, ch)
	for i := 1; i <= 30; i++ { // 15 MiB for the stuck client: far more than its socket holds
		ts.write(t, "big.txt", fmt.Sprintf("%d %s", i, big))
		for {
			// >N in the page's HTML, "N as a new child in a patch.
			if p := decode(t, next(t, ch)); strings.Contains(p.HTML, fmt.Sprintf(">%d 0123", i)) || strings.Contains(p.HTML, fmt.Sprintf(`"%d 0123`, i)) {
				break
			}
		}
	}
}

func TestLoadingAnUnchangedManifestKeepsTheLiveWidget(t *testing.T) {
	ts := jobsServer(t)
	path := filepath.Join(ts.dir, "jobs.yaml")
	w := ts.Widget("jobs")
	if err := ts.Load(path); err != nil {
		t.Fatal(err)
	}
	if ts.Widget("jobs") != w {
		t.Error("an unchanged manifest was reloaded (its sources read again)")
	}
	ts.write(t, "jobs.yaml", jobsManifest+"style: \"p { color: red }\"\n")
	if err := ts.Load(path); err != nil {
		t.Fatal(err)
	}
	if ts.Widget("jobs") == w || ts.Widget("jobs").M.Style == "" {
		t.Error("a changed manifest was not reloaded")
	}
}

// A server that closes while a reload starts the new widget (the reloaded
// manifest reads other files, so starting it takes a new watch) closes
// cleanly: no panic, no race, and closing a widget twice is harmless.
func TestAServerClosingDuringAReloadClosesCleanly(t *testing.T) {
	for round := range 20 {
		dir := t.TempDir()
		for k := range 20 {
			os.MkdirAll(filepath.Join(dir, "other", fmt.Sprint(k)), 0o755)
			os.WriteFile(filepath.Join(dir, "other", fmt.Sprint(k), "1.json"), []byte(`{"name":"omega"}`), 0o644)
		}
		os.MkdirAll(filepath.Join(dir, "jobs", "a"), 0o755)
		os.WriteFile(filepath.Join(dir, "jobs", "a", "1.json"), []byte(`{"name":"alpha"}`), 0o644)
		p := filepath.Join(dir, "jobs.yaml")
		os.WriteFile(p, []byte(jobsManifest), 0o644)
		srv := NewServer(Config{Name: "test"})
		if err := srv.Load(p); err != nil {
			t.Fatal(err)
		}
		old := srv.Widget("jobs")
		os.WriteFile(p, []byte(strings.Replace(jobsManifest, `"jobs/**/*.json"`, `"other/**/*.json"`, 1)), 0o644)
		loaded := make(chan error, 1)
		go func() { loaded <- srv.Load(p) }()
		// Close as soon as the new widget is in place, while it starts.
		for deadline := time.Now().Add(10 * time.Second); srv.Widget("jobs") == old; {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the reload did not put its widget in place", round)
			}
			runtime.Gosched()
		}
		if err := srv.Close(); err != nil {
			t.Fatalf("round %d: Close: %v", round, err)
		}
		<-loaded // either loaded before the close or refused by it; the server is closed either way
		if w := srv.Widget("jobs"); w != nil {
			if err := w.Close(); err != nil {
				t.Errorf("round %d: closing the reloaded widget again: %v", round, err)
			}
		}
	}
}

// A reload that polls its source at a new pace polls at that pace: the
// new widget does not keep the old one's poller.
func TestAReloadPollsAtItsNewInterval(t *testing.T) {
	ts := startTestServer(t, Config{Name: "test"})
	ts.write(t, "jobs/a.json", `{"name": "alpha"}`)
	m := "name: pj\nupdate_interval: %s\nsources:\n  jobs:\n    glob: \"jobs/*.json\"\n    watch: poll\nendpoints:\n  /api:\n    names: sort(map(jobs, .data.name))\n"
	path := ts.write(t, "pj.yaml", fmt.Sprintf(m, "1h"))
	if err := ts.Load(path); err != nil {
		t.Fatal(err)
	}
	ts.write(t, "pj.yaml", fmt.Sprintf(m, "100ms"))
	if err := ts.Load(path); err != nil {
		t.Fatal(err)
	}
	ts.write(t, "jobs/b.json", `{"name": "beta"}`)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if names, _ := ts.Widget("pj").State().Fields["names"].([]any); len(names) == 2 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a new file did not show within 10 s of polling every 100 ms: %v", ts.Widget("pj").State().Fields["names"])
		}
	}
}
