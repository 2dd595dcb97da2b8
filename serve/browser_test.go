package serve

// Browser tests of the live server: a real headless Chromium opens the live
// page, the index and "notebook" pages that embed checkpoint fragments, while
// the test changes files, stops and restarts servers and blocks streams.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/syft-widget/syft-widget/serve/widget"
	"io"
	"iter"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// waitLimit bounds every wait for a condition in the browser.
const waitLimit = 20 * time.Second

// theBrowser is one headless Chromium shared by the browser tests of this
// test binary, started by the first of them; each test works in its own tab.
// TestMain stops it.
var theBrowser struct {
	once   sync.Once
	ctx    context.Context
	cancel func()
	dir    string
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if theBrowser.cancel != nil {
		theBrowser.cancel()
	}
	if theBrowser.dir != "" {
		os.RemoveAll(theBrowser.dir)
	}
	os.Exit(code)
}

// tab is one browser tab of a test.
type tab struct {
	t   testing.TB
	ctx context.Context

	mu       sync.Mutex
	attached map[target.ID]context.Context // out-of-process iframes
}

// newTab opens a tab of the shared browser, closed when the test ends.
// Without Chromium the test is skipped, except in CI where it fails.
func newTab(t testing.TB) *tab {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browser tests need %s in CI: %v", chromiumPath, err)
		}
		t.Skipf("skipping browser test: no Chromium at %s", chromiumPath)
	}
	b := &theBrowser
	b.once.Do(func() {
		b.dir, b.err = os.MkdirTemp("", "syft-widget-chromium-")
		if b.err != nil {
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chromiumPath),
			chromedp.Headless,
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.Flag("disable-background-networking", true),
			// Names under .test reach this machine: pages on a plain-HTTP
			// origin that is not loopback (a hub), without any network.
			chromedp.Flag("host-resolver-rules", "MAP *.test 127.0.0.1"),
			chromedp.UserDataDir(b.dir),
		)
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(actx)
		b.ctx, b.cancel = ctx, func() { cancelCtx(); cancelAlloc() }
		b.err = chromedp.Do(ctx)
	})
	if b.err != nil {
		t.Fatalf("cannot start Chromium: %v", b.err)
	}
	ctx, cancelTimeout := context.WithTimeout(b.ctx, 90*time.Second)
	tctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(func() {
		cancelTab()
		cancelTimeout()
	})
	if err := chromedp.Do(tctx); err != nil {
		t.Fatalf("cannot open a tab: %v", err)
	}
	return &tab{t: t, ctx: tctx, attached: map[target.ID]context.Context{}}
}

func (p *tab) navigate(u string) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.Navigate(u)); err != nil {
		p.t.Fatalf("navigate to %s: %v", u, err)
	}
}

// wait polls the JavaScript condition cond in the tab's document until it is
// truthy.
func (p *tab) wait(what, cond string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, waitLimit+5*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool]("!!("+cond+")",
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(waitLimit)))
	if err != nil {
		p.t.Fatalf("timed out waiting for %s: %v\n%s", what, err, p.str(`document.body ? document.body.innerText.slice(0, 2000) : ''`))
	}
}

// str evaluates expr in the tab's document and returns it as a string.
func (p *tab) str(expr string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string]("String("+expr+")"))
	if err != nil {
		p.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// frame is the document inside the first iframe that sel matches in the
// tab. It is looked up again for every check, since the bootstrap replaces
// its iframes while it retries.
type frame struct {
	p   *tab
	sel string
}

func (p *tab) frame(sel string) *frame { return &frame{p, sel} }

// try evaluates expr once in the frame (polling it until it is truthy when
// wait is set, for at most a moment) and returns its value as a string.
func (f *frame) try(expr string, wait bool) (string, error) {
	ctx, cancel := context.WithTimeout(f.p.ctx, 4*time.Second)
	defer cancel()
	nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS(f.sel)))
	if err != nil {
		return "", fmt.Errorf("no iframe %s: %w", f.sel, err)
	}
	fctx, opts := f.p.ctx, []chromedp.PollOption{chromedp.WithPollingInterval(20 * time.Millisecond), chromedp.WithPollingTimeout(2 * time.Second)}
	if octx, err := f.p.outOfProcess(target.ID(nodes[0].FrameID)); err != nil {
		return "", err
	} else if octx != nil {
		fctx = octx // Chromium runs sandboxed iframes in a process of their own
	} else {
		opts = append(opts, chromedp.WithPollingInFrame(nodes[0]))
	}
	cctx, ccancel := context.WithTimeout(fctx, 4*time.Second)
	defer ccancel()
	pred := "[String(" + expr + ")]" // an array is truthy whatever it holds
	if wait {
		pred = "(" + expr + ") && [String(" + expr + ")]"
	}
	v, err := chromedp.Run(cctx, chromedp.Poll[[]string](pred, opts...))
	if err != nil {
		return "", err
	}
	if len(v) != 1 {
		return "", fmt.Errorf("unexpected result %q", v)
	}
	return v[0], nil
}

// outOfProcess returns a context attached to the iframe target id, or nil
// when the frame is in the tab's process.
func (p *tab) outOfProcess(id target.ID) (context.Context, error) {
	p.mu.Lock()
	ctx := p.attached[id]
	p.mu.Unlock()
	if ctx != nil {
		return ctx, nil
	}
	infos, err := chromedp.Targets(p.ctx)
	if err != nil {
		return nil, err
	}
	for _, info := range infos {
		if info.Type != "iframe" || info.TargetID != id {
			continue
		}
		ctx, cancel := chromedp.NewContext(p.ctx, chromedp.WithTargetID(id), chromedp.WithDetachOnCancel())
		p.t.Cleanup(cancel)
		if err := chromedp.Do(ctx); err != nil {
			return nil, err
		}
		p.mu.Lock()
		p.attached[id] = ctx
		p.mu.Unlock()
		return ctx, nil
	}
	return nil, nil
}

// wait polls cond in the frame until it is truthy.
func (f *frame) wait(what, cond string) {
	f.p.t.Helper()
	f.retry(what, cond, true)
}

// str evaluates expr in the frame.
func (f *frame) str(expr string) string {
	f.p.t.Helper()
	return f.retry(expr, expr, false)
}

func (f *frame) retry(what, expr string, wait bool) string {
	f.p.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for pause := 10 * time.Millisecond; ; pause = min(2*pause, 200*time.Millisecond) {
		v, err := f.try(expr, wait)
		if err == nil {
			return v
		}
		if time.Now().After(deadline) {
			body, _ := f.try(`document.body ? document.body.innerText.slice(0, 2000) : ''`, false)
			f.p.t.Fatalf("in iframe %s: timed out waiting for %s: %v\n%s", f.sel, what, err, body)
		}
		time.Sleep(pause) // pacing between lookups, not synchronisation
	}
}

// js quotes s as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

const (
	bodyText   = `document.getElementById('sw-body').textContent`
	statusText = `document.getElementById('sw-status').textContent`
)

func bodyHas(s string) string  { return bodyText + ".includes(" + js(s) + ")" }
func statusIs(s string) string { return statusText + " === " + js(s) }

// sameBody is true when #sw-body equals a fresh parse of html.
func sameBody(html string) string {
	return `(() => { const m = document.createElement('main'); m.id = 'sw-body'; m.innerHTML = ` + js(html) +
		`; return m.isEqualNode(document.getElementById('sw-body')); })()`
}

// writeFile creates or replaces a file under dir.
func writeFile(t testing.TB, dir, rel, text string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// serveOn runs srv on ln until the returned stop is called or the test ends.
func serveOn(t testing.TB, srv *Server, ln net.Listener) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// notebook serves a page with body on a loopback port of its own, as a
// notebook would show a cell's output, and returns its address.
func notebook(t *testing.T, body string) string {
	nb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>notebook</title></head><body><h1>notebook</h1>"+
			body+"<p>next cell</p></body></html>")
	}))
	t.Cleanup(nb.Close)
	return nb.URL + "/"
}

// checkpoint is the fragment of a hosted widget, turning live on ts.
func checkpoint(t *testing.T, ts *testServer, name string) string {
	t.Helper()
	var b bytes.Buffer
	if err := ts.Widget(name).Checkpoint(&b, URL(ts.base, name, ts.Token())); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Selectors of the bootstrap's two iframes.
const (
	liveFrame       = `iframe[sandbox="allow-scripts allow-same-origin"]`
	checkpointFrame = `iframe[sandbox="allow-scripts"]`
)

// liveShown is true when the cell (a CSS selector) shows its live iframe,
// alone and visible.
func liveShown(cell string) string {
	return `(() => { const fs = document.querySelectorAll(` + js(cell+" iframe") + `);
		return fs.length === 1 && fs[0].matches(` + js(liveFrame) + `) && fs[0].style.visibility === 'visible'; })()`
}

func TestLivePageUpdatesInPlace(t *testing.T) {
	p := newTab(t)
	ts := jobsServer(t)
	p.navigate(ts.url("w/jobs/"))
	p.wait("the page to be live", statusIs("live"))
	p.str(`(() => {
		document.getElementById('static').__tag = 1;
		document.getElementById('first').__tag = 2;
		document.querySelector('#sw-body li').__tag = 3;
		return true; })()`)

	ts.write(t, "jobs/b/2.json", `{"name": "beta"}`)
	p.wait("the new total", `document.getElementById('total').textContent === '2' && `+bodyHas("beta"))

	if got := p.str(`[document.getElementById('static').__tag, document.getElementById('first').__tag,
		document.querySelector('#sw-body li').__tag].join()`); got != "1,2,3" {
		t.Errorf("elements whose rendering did not change were replaced: tags %q, want 1,2,3", got)
	}
	want := ts.Widget("jobs").State().HTML
	if p.str(sameBody(want)) != "true" {
		t.Errorf("the page differs from a fresh render\n got: %s\nwant: %s", p.str(`document.getElementById('sw-body').innerHTML`), want)
	}
}

func TestLivePageReconnectsAfterServerRestartAndCatchesUp(t *testing.T) {
	p := newTab(t)
	dir := t.TempDir()
	writeFile(t, dir, "jobs/a/1.json", `{"name": "alpha"}`)
	mf := writeFile(t, dir, "jobs.yaml", jobsManifest)
	token := NewToken()
	ln, err := Listen("")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	base := "http://" + addr + "/"
	first := NewServer(Config{Name: "test", Token: token})
	if err := first.Load(mf); err != nil {
		t.Fatal(err)
	}
	stopFirst := serveOn(t, first, ln)

	p.navigate(URL(base, "jobs", token))
	p.wait("the page to be live", statusIs("live"))
	// Take the page's version above the one a fresh server starts from, so
	// that only the boot id can tell it the restarted server's state is new.
	gamma := writeFile(t, dir, "jobs/c/3.json", `{"name": "gamma"}`)
	p.wait("gamma", bodyHas("gamma"))
	os.Remove(gamma)
	p.wait("gamma to go", "!"+bodyHas("gamma"))
	shown := first.Widget("jobs").State().Version

	stopFirst()
	p.wait("the page to say it lost the server", `/^(reconnecting|offline)/.test(`+statusText+`)`)
	if !strings.Contains(p.str(bodyText), "alpha") {
		t.Errorf("the page dropped its last data while the server is down: %q", p.str(bodyText))
	}

	writeFile(t, dir, "jobs/b/2.json", `{"name": "beta"}`)
	second := NewServer(Config{Name: "test", Token: token})
	if err := second.Load(mf); err != nil {
		t.Fatal(err)
	}
	if v := second.Widget("jobs").State().Version; v >= shown || second.Boot() == first.Boot() {
		t.Fatalf("precondition: the new server starts at version %d (page shows %d), boot %s (was %s)", v, shown, second.Boot(), first.Boot())
	}
	var ln2 net.Listener
	eventually(t, "the port to be free again", func() bool {
		ln2, err = net.Listen("tcp", addr)
		return err == nil
	})
	serveOn(t, second, ln2)

	p.wait("the page to catch up with the restarted server", statusIs("live")+" && "+bodyHas("beta"))
	if want := second.Widget("jobs").State().HTML; p.str(sameBody(want)) != "true" {
		t.Errorf("after the restart the page differs from the new server's render\n got: %s\nwant: %s",
			p.str(`document.getElementById('sw-body').innerHTML`), want)
	}
}

func TestLivePageFallsBackToPollingWhenTheStreamIsBlocked(t *testing.T) {
	p := newTab(t)
	ts := jobsServer(t)
	upstream, err := url.Parse(ts.base)
	if err != nil {
		t.Fatal(err)
	}
	pass := httputil.NewSingleHostReverseProxy(upstream)
	transport := &http.Transport{}
	pass.Transport = transport
	var streams, polls atomic.Int64
	quit := make(chan struct{})
	// A buffering proxy: event streams get their headers and then nothing.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/events") {
			streams.Add(1)
			w.Header().Set("Content-Type", "text/event-stream")
			w.WriteHeader(http.StatusOK)
			http.NewResponseController(w).Flush()
			select {
			case <-r.Context().Done():
			case <-quit:
			}
			return
		}
		if strings.HasSuffix(r.URL.Path, "/data") && r.URL.Query().Get("html") == "1" {
			polls.Add(1)
		}
		pass.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		close(quit)
		proxy.Close()
		transport.CloseIdleConnections()
	})

	p.navigate(proxy.URL + "/w/jobs/?token=" + ts.Token())
	p.wait("the page to poll", statusIs("live · polling"))
	ts.write(t, "jobs/b/2.json", `{"name": "beta"}`)
	p.wait("the change to show through polling", bodyHas("beta"))
	if streams.Load() == 0 || polls.Load() == 0 {
		t.Errorf("the page opened %d streams and polled %d times; want both", streams.Load(), polls.Load())
	}
	if want := ts.Widget("jobs").State().HTML; p.str(sameBody(want)) != "true" {
		t.Errorf("the polled page differs from a fresh render\n got: %s\nwant: %s", p.str(`document.getElementById('sw-body').innerHTML`), want)
	}
}

const hostileManifest = `name: hostile
sources:
  d:
    file: evil.json
endpoints:
  /api:
    text: d.data.text
    attr: d.data.attr
    list: d.data.list
template: |
  <script>window.pwned=1</script>
  <img src=x onerror="window.pwned=2">
  <a id="link" href="javascript:window.pwned=3">x</a>
  <p id="text" data-field="text" title="{text}">{text}</p>
  <p id="attr" title="{attr}" class="c {attr}">{attr}</p>
  <a id="href" href="https://example.invalid/?q={attr}">y</a>
  <ul id="list" data-field="list"><template data-each><li>{.}</li></template></ul>
`

func hostileData(n int) (text, attr, item, file string) {
	text = fmt.Sprintf(`<img src=x onerror=window.pwned=4>%d`, n)
	attr = fmt.Sprintf(`"><script>window.pwned=5</script>%d`, n)
	item = fmt.Sprintf(`<svg onload=window.pwned=6>%d`, n)
	b, _ := json.Marshal(map[string]any{"text": text, "attr": attr, "list": []string{item, "</li><script>window.pwned=7</script>"}})
	return text, attr, item, string(b)
}

// harmless checks a document that shows the hostile widget: nothing ran,
// nothing became markup, and the data shows as text.
func harmless(text, attr, item string) string {
	return `(() => {
		const b = document.getElementById('sw-body');
		const bad = [];
		if (window.pwned !== undefined) bad.push('window.pwned = ' + window.pwned);
		if (b.querySelector('script, svg, iframe, object, embed')) bad.push('an active element: ' + b.querySelector('script, svg, iframe, object, embed').outerHTML);
		for (const el of b.querySelectorAll('*')) for (const a of el.attributes) {
			if (/^on/i.test(a.name)) bad.push('handler ' + a.name + ' on ' + el.tagName);
			if (/^\s*javascript:/i.test(a.value)) bad.push('javascript: URL on ' + el.tagName);
		}
		for (const [id, want] of [['text', ` + js(text) + `], ['attr', ` + js(attr) + `]]) {
			const el = document.getElementById(id);
			if (el.textContent !== want) bad.push('#' + id + ' shows ' + el.textContent);
			if (el.title !== want) bad.push('#' + id + ' has the title ' + el.title);
		}
		const li = b.querySelectorAll('#list li');
		if (li.length !== 2 || li[0].textContent !== ` + js(item) + `) bad.push('list shows ' + b.querySelector('#list').innerHTML);
		return bad.length ? bad.join('; ') : 'ok';
	})()`
}

func TestHostileTemplateAndDataNeverRun(t *testing.T) {
	p := newTab(t)
	ts := startTestServer(t, Config{Name: "test"})
	_, _, _, data := hostileData(1)
	ts.write(t, "evil.json", data)
	path := ts.write(t, "hostile.yaml", hostileManifest)
	if err := ts.Load(path); err != nil {
		t.Fatal(err)
	}
	if _, removed, err := widget.Check(path); err != nil || len(removed) == 0 {
		t.Errorf("the template cleaner reports nothing removed from a template with a script (%v)", err)
	}

	// The live page, through the first render and an update.
	p.navigate(ts.url("w/hostile/"))
	if err := chromedp.Do(p.ctx, chromedp.Click(chromedp.CSS("#link"))); err != nil {
		t.Fatalf("clicking the link: %v", err)
	}
	p.wait("the page to be live", statusIs("live"))
	text, attr, item, data := hostileData(2)
	ts.write(t, "evil.json", data)
	p.wait("the update", bodyHas(text))
	p.wait("the document to finish loading", `document.readyState === 'complete'`)
	if got := p.str(harmless(text, attr, item)); got != "ok" {
		t.Errorf("live page: %s", got)
	}

	// The checkpoint fragment in a notebook: one that stays a checkpoint
	// (no live URL) and one that turns live.
	var still bytes.Buffer
	if err := ts.Widget("hostile").Checkpoint(&still, ""); err != nil {
		t.Fatal(err)
	}
	p.navigate(notebook(t, `<div id="still">`+still.String()+`</div><div id="turns">`+checkpoint(t, ts, "hostile")+`</div>`))
	p.wait("the second fragment to turn live", liveShown("#turns"))
	if got := p.str(`window.pwned === undefined`); got != "true" {
		t.Errorf("notebook page: window.pwned = %s", p.str(`window.pwned`))
	}
	cp := p.frame("#still " + checkpointFrame)
	cp.wait("the checkpoint document to load", `document.readyState === 'complete'`)
	cp.str(`document.getElementById('link').click()`)
	if got := cp.str(harmless(text, attr, item)); got != "ok" {
		t.Errorf("checkpoint iframe: %s", got)
	}
	live := p.frame("#turns " + liveFrame)
	live.wait("the live iframe to be live", statusIs("live")+` && document.readyState === 'complete'`)
	live.str(`document.getElementById('link').click()`)
	if got := live.str(harmless(text, attr, item)); got != "ok" {
		t.Errorf("live iframe: %s", got)
	}
	if got := p.str(`window.pwned === undefined`); got != "true" {
		t.Errorf("notebook page after the clicks: window.pwned = %s", p.str(`window.pwned`))
	}
}

func TestCheckpointTurnsLiveAndFollowsChanges(t *testing.T) {
	p := newTab(t)
	ts := jobsServer(t)
	nb := notebook(t, `<div id="cell">`+checkpoint(t, ts, "jobs")+`</div>`)

	// Hold the live page's request, so the test sees what the notebook shows
	// before the server has said anything.
	hctx, hcancel := context.WithTimeout(p.ctx, waitLimit)
	defer hcancel()
	next, stop := iter.Pull2(chromedp.Events(hctx, fetch.RequestPaused))
	defer stop()
	if _, err := chromedp.Call(p.ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
		{URLPattern: ts.base + "w/*", ResourceType: network.ResourceTypeDocument}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(p.ctx, page.Navigate, page.NavigateParams{URL: nb}); err != nil {
		t.Fatal(err)
	}
	held, err, ok := next()
	if !ok || err != nil {
		t.Fatalf("the live page was never requested: %v", err)
	}
	p.wait("the checkpoint iframe, with the live one hidden", `(() => {
		const cp = document.querySelector('#cell `+checkpointFrame+`'), live = document.querySelector('#cell `+liveFrame+`');
		return cp && live && cp.style.visibility !== 'hidden' && cp.offsetHeight > 0 && live.style.visibility === 'hidden'; })()`)
	cp := p.frame("#cell " + checkpointFrame)
	cp.wait("the checkpoint's data", bodyHas("alpha")+` && /^checkpoint · /.test(`+statusText+`)`)

	// The bootstrap may have retried meanwhile (its request is then gone, and
	// a new one may be held until interception ends): either way it loads.
	chromedp.Call(p.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: held.RequestID})
	if _, err := chromedp.Call(p.ctx, fetch.Disable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	p.wait("the live iframe to take the checkpoint's place", liveShown("#cell"))
	live := p.frame("#cell " + liveFrame)
	live.wait("the live page to be live", statusIs("live")+" && "+bodyHas("alpha"))

	ts.write(t, "jobs/b/2.json", `{"name": "beta"}`)
	live.wait("the change in the visible iframe", bodyHas("beta"))
	if p.str(liveShown("#cell")) != "true" {
		t.Error("the live iframe is no longer the visible one")
	}
	if want := ts.Widget("jobs").State().HTML; live.str(sameBody(want)) != "true" {
		t.Errorf("the live iframe differs from a fresh render\n got: %s\nwant: %s", live.str(`document.getElementById('sw-body').innerHTML`), want)
	}
}

func TestCheckpointStaysReadableWithoutServer(t *testing.T) {
	p := newTab(t)
	frag, _ := checkpointOfNoServer(t)
	// The notebook counts the live iframes the bootstrap creates.
	counter := `<script>window.attempts = 0;
new MutationObserver(ms => { for (const m of ms) for (const n of m.addedNodes)
  if (n.matches && n.matches(` + js(liveFrame) + `)) window.attempts++; })
  .observe(document.documentElement, {childList: true, subtree: true});</script>`
	p.navigate(notebook(t, counter+`<div id="cell">`+frag+`</div>`))

	p.wait("the bootstrap to try the server twice", `window.attempts >= 2`)
	if got := p.str(`(() => { const cp = document.querySelector('#cell ` + checkpointFrame + `'), live = document.querySelector('#cell ` + liveFrame + `');
		return !!cp && cp.style.visibility !== 'hidden' && cp.offsetHeight > 0 && (!live || live.style.visibility === 'hidden'); })()`); got != "true" {
		t.Fatal("the checkpoint iframe is not the visible one after failed attempts")
	}
	cp := p.frame("#cell " + checkpointFrame)
	if got := cp.str(bodyText); !strings.Contains(got, "alpha") {
		t.Errorf("the checkpoint shows %q, want its data (alpha)", got)
	}
	if got := cp.str(statusText); !strings.HasPrefix(got, "checkpoint · ") {
		t.Errorf("the checkpoint's status line is %q, want it to say it is a checkpoint", got)
	}
}

// countManifest is a small widget: the number of files in data/NAME/.
func countManifest(name string) string {
	return fmt.Sprintf(`name: %s
title: Widget %s
sources:
  d: "data/%s/*.txt"
endpoints:
  /n:
    n: len(d)
template: |
  <p id="v"><b>%s</b> has <span data-field="n">{n}</span> files</p>
`, name, name, name, name)
}

func countIs(name string, n int) string {
	return bodyText + ".trim() === " + js(fmt.Sprintf("%s has %d files", name, n))
}

func TestTwelveWidgetsOnOnePageAllTurnLiveAndFollowChanges(t *testing.T) {
	p := newTab(t)
	ts := startTestServer(t, Config{Name: "test"})
	var names []string
	for i := range 12 {
		name := fmt.Sprintf("w%02d", i)
		names = append(names, name)
		if err := ts.Load(ts.write(t, name+".yaml", countManifest(name))); err != nil {
			t.Fatal(err)
		}
	}
	var cells strings.Builder
	for _, name := range names {
		fmt.Fprintf(&cells, `<div class="cell" id="cell-%s">%s</div>`, name, checkpoint(t, ts, name))
	}
	p.navigate(notebook(t, cells.String()))

	for _, name := range names {
		p.wait(name+" to turn live", liveShown("#cell-"+name))
	}
	for _, name := range names {
		p.frame("#cell-"+name+" "+liveFrame).wait(name+" to be live", statusIs("live")+" && "+countIs(name, 0))
	}
	if n, subs := ts.streams.Load(), ts.hub.Len(); n > 3 || subs > 3 {
		t.Errorf("twelve live widgets hold %d event streams (%d hub subscriptions); want them to share one", n, subs)
	}

	for _, name := range names {
		ts.write(t, "data/"+name+"/1.txt", "one")
	}
	for _, name := range names {
		p.frame("#cell-"+name+" "+liveFrame).wait(name+"'s change", countIs(name, 1))
	}
	if n := ts.streams.Load(); n > 3 {
		t.Errorf("after the changes the page holds %d event streams; want them to share one", n)
	}
}

func TestIndexShowsEveryWidgetLive(t *testing.T) {
	p := newTab(t)
	dir := t.TempDir()
	var names []string
	for i := range 10 {
		name := fmt.Sprintf("idx%02d", i)
		names = append(names, name)
		writeFile(t, dir, name+".yaml", countManifest(name))
	}
	ts := startTestServer(t, Config{Name: "folder", ConfineTo: dir})
	mw, err := WatchFolder(ts.Server, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mw.Close() })
	eventually(t, "ten widgets", func() bool { return len(ts.Widgets()) == 10 && ts.Widget(names[9]) != nil })

	p.navigate(ts.url(""))
	// The index and its iframes share an origin, so the page reads them directly.
	inFrame := func(name, cond string) string {
		return `(() => { const f = document.querySelector('iframe[data-widget="` + name + `"]');
			const d = f && f.contentDocument; if (!d || !d.getElementById('sw-body')) return false;
			return ` + strings.ReplaceAll(cond, "document.", "d.") + `; })()`
	}
	for _, name := range names {
		p.wait(name+" to be live on the index", inFrame(name, statusIs("live")+" && "+countIs(name, 0)))
	}
	for _, name := range names {
		writeFile(t, dir, "data/"+name+"/1.txt", "one")
	}
	for _, name := range names {
		p.wait(name+"'s change on the index", inFrame(name, countIs(name, 1)))
	}
	if n := ts.streams.Load(); n > 3 {
		t.Errorf("the index holds %d event streams for ten widgets; want them to share one", n)
	}
}

// BenchmarkLivePageFileChangeToDOM measures the time from a file's atomic
// save to the new value in the live page's DOM, as the page itself observes
// it (a MutationObserver, on the same clock as the test).
func BenchmarkLivePageFileChangeToDOM(b *testing.B) {
	p := newTab(b)
	dir := b.TempDir()
	save := func(v string) {
		tmp := writeFile(b, dir, ".v.txt.tmp", v)
		if err := os.Rename(tmp, filepath.Join(dir, "v.txt")); err != nil {
			b.Fatal(err)
		}
	}
	save("start")
	srv := NewServer(Config{Name: "bench"})
	if err := srv.Load(writeFile(b, dir, "bench.yaml", "name: bench\nsources:\n  d:\n    file: v.txt\n    format: text\n"+
		"endpoints:\n  /v:\n    v: d.data\ntemplate: |\n  <p id=\"v\" data-field=\"v\">{v}</p>\n")); err != nil {
		b.Fatal(err)
	}
	ln, err := Listen("")
	if err != nil {
		b.Fatal(err)
	}
	serveOn(b, srv, ln)
	p.navigate(URL("http://"+ln.Addr().String()+"/", "bench", srv.Token()))
	p.wait("the page to be live", statusIs("live")+` && document.getElementById('v').textContent === 'start'`)
	p.str(`(() => { window.seen = {};
		const v = () => { const t = document.getElementById('v').textContent; if (!(t in window.seen)) window.seen[t] = performance.timeOrigin + performance.now(); };
		new MutationObserver(v).observe(document.getElementById('sw-body'), {subtree: true, childList: true, characterData: true});
		return true; })()`)

	var lat []float64
	b.ResetTimer()
	for i := range b.N {
		v := fmt.Sprintf("value-%d", i)
		start := float64(time.Now().UnixNano()) / 1e6
		save(v)
		p.wait(v, `window.seen[`+js(v)+`] !== undefined`)
		b.StopTimer()
		var at float64
		if _, err := fmt.Sscan(p.str(`window.seen[`+js(v)+`]`), &at); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, at-start)
		b.StartTimer()
	}
	slices.Sort(lat)
	b.ReportMetric(lat[len(lat)/2], "ms-p50")
	b.ReportMetric(lat[len(lat)*99/100], "ms-p99")
}

// TestLivePageWorksBehindAPathPrefix: jupyter-server-proxy serves the
// server under /proxy/PORT/; every URL the page uses is relative.
func TestLivePageWorksBehindAPathPrefix(t *testing.T) {
	p := newTab(t)
	ts := jobsServer(t)
	upstream, err := url.Parse(ts.base)
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "/proxy/8123"
	pass := httputil.NewSingleHostReverseProxy(upstream)
	pass.FlushInterval = -1 // stream events as they come, as jupyter-server-proxy does for SSE
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, prefix)
		if !ok {
			http.NotFound(w, r) // a request that ignored the prefix
			return
		}
		r.URL.Path = rest
		pass.ServeHTTP(w, r)
	}))
	defer func() { proxy.CloseClientConnections(); proxy.Close() }()
	p.navigate(proxy.URL + prefix + "/w/jobs/?token=" + ts.Token())
	p.wait("the page to be live behind the prefix", statusIs("live"))
	ts.write(t, "jobs/b/2.json", `{"name": "beta"}`)
	p.wait("the change to arrive through the proxy", bodyHas("beta"))
}
