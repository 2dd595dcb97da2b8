package serve

// Browser tests of the notebook front ends a widget lives in: a plain-HTTP
// JupyterHub behind jupyter-server-proxy, a big widget that loads slowly,
// the theme of classic Notebook and JupyterLab, Chromium's Local Network
// Access delegation, and Colab's kernel proxy (stand-ins, see each test).

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/syft-widget/syft-widget/serve/widget"
)

// serverProxy stands in for jupyter-server-proxy in front of ts: it serves
// {prefix}proxy/{port}/... from ts, passes the browser's Host through, and
// streams a response only when the request's Accept is exactly
// text/event-stream (as EventSource sends); anything else is buffered until
// it ends. It counts the event streams open through it.
type serverProxy struct {
	pass          *httputil.ReverseProxy
	prefix        string // e.g. /user/ada/proxy/8123/
	streams, most atomic.Int64
	pages         sync.Map // path -> *atomic.Int64: requests of live pages
}

func newServerProxy(t *testing.T, ts *testServer, prefix string) *serverProxy {
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(strings.TrimSuffix(ts.base, "/"), "http://"))
	return &serverProxy{prefix: prefix + "proxy/" + port + "/", pass: passThrough(t, ts)}
}

// passThrough is a reverse proxy to ts that streams as it receives and
// leaves the request's Host as the browser sent it.
func passThrough(t *testing.T, ts *testServer) *httputil.ReverseProxy {
	upstream, err := url.Parse(ts.base)
	if err != nil {
		t.Fatal(err)
	}
	pass := httputil.NewSingleHostReverseProxy(upstream)
	pass.FlushInterval = -1
	return pass
}

func (sp *serverProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, sp.prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	r.URL.Path = "/" + rest
	if strings.HasSuffix(rest, "/") {
		n, _ := sp.pages.LoadOrStore(r.URL.Path, new(atomic.Int64))
		n.(*atomic.Int64).Add(1)
	}
	if r.Header.Get("Accept") == "text/event-stream" {
		if strings.HasSuffix(rest, "events") {
			n := sp.streams.Add(1)
			defer sp.streams.Add(-1)
			for m := sp.most.Load(); n > m && !sp.most.CompareAndSwap(m, n); m = sp.most.Load() {
			}
		}
		sp.pass.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	sp.pass.ServeHTTP(rec, r)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

func (sp *serverProxy) pageLoads(name string) int64 {
	if n, ok := sp.pages.Load("/w/" + name + "/"); ok {
		return n.(*atomic.Int64).Load()
	}
	return 0
}

// hubURL is the address of a server on this machine by a name that is not
// loopback (Chromium maps *.test here), so its pages are plain HTTP and not
// a secure context: no Web Locks, as on a hub without TLS.
func hubURL(t *testing.T, srv *httptest.Server) string {
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	return "http://hub.test:" + port
}

// TestTwelveWidgetsStayLiveBehindAPlainHTTPHub: a JupyterHub user's
// notebook on a plain-HTTP, non-loopback origin, whose widgets come through
// jupyter-server-proxy ($JUPYTERHUB_SERVICE_PREFIX only: no --allow-host).
// All twelve turn live and follow changes over at most two event streams,
// and the notebook's own request to its server does not wait.
func TestTwelveWidgetsStayLiveBehindAPlainHTTPHub(t *testing.T) {
	p := newTab(t)
	ts := startTestServer(t, Config{Name: "hub", AllowHosts: []string{AnyHost}})
	var names []string
	for i := range 12 {
		name := fmt.Sprintf("h%02d", i)
		names = append(names, name)
		if err := ts.Load(ts.write(t, name+".yaml", countManifest(name))); err != nil {
			t.Fatal(err)
		}
	}
	sp := newServerProxy(t, ts, "/user/ada/")
	var cells strings.Builder
	for _, name := range names {
		var b bytes.Buffer
		if err := ts.Widget(name).Checkpoint(&b, URL(sp.prefix, name, ts.Token())); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&cells, `<div class="cell" id="cell-%s">%s</div>`, name, b.String())
	}
	mux := http.NewServeMux()
	mux.Handle("/user/ada/proxy/", sp)
	mux.HandleFunc("/user/ada/api/contents/x.ipynb", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"saved":true}`)
	})
	mux.HandleFunc("/user/ada/notebooks/x.ipynb", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>x.ipynb</title></head><body>"+cells.String()+"</body></html>")
	})
	hub := httptest.NewServer(mux)
	defer func() { hub.CloseClientConnections(); hub.Close() }()

	p.navigate(hubURL(t, hub) + "/user/ada/notebooks/x.ipynb")
	if p.str(`window.isSecureContext`) != "false" || p.str(`!!navigator.locks`) != "false" {
		t.Fatalf("the hub page is a secure context; the test needs one without Web Locks")
	}
	for _, name := range names {
		p.wait(name+" to turn live", liveShown("#cell-"+name))
	}
	for _, name := range names {
		p.frame("#cell-"+name+" "+liveFrame).wait(name+" to be live", statusIs("live")+" && "+countIs(name, 0))
	}
	// The notebook saves: its request to its own server is answered.
	p.str(`(window.saved = 'waiting', fetch('/user/ada/api/contents/x.ipynb').then(r => r.json()).then(j => window.saved = j.saved))`)
	p.wait("the notebook's own request", `window.saved === true`)

	for _, name := range names {
		ts.write(t, "data/"+name+"/1.txt", "one")
	}
	for _, name := range names {
		p.frame("#cell-"+name+" "+liveFrame).wait(name+"'s change", countIs(name, 1))
	}
	t.Logf("twelve widgets held at most %d event stream(s) through the proxy", sp.most.Load())
	if most := sp.most.Load(); most > 2 {
		t.Errorf("twelve widgets held up to %d event streams through the proxy; want at most 2", most)
	}
	for _, name := range names {
		if n := sp.pageLoads(name); n != 1 {
			t.Errorf("%s's live page was loaded %d times", name, n)
		}
	}
}

// TestSlowLivePageIsLoadedOnce: a big widget's live page takes seconds to
// arrive (here a proxy sends half of it, then the rest after 2.5 s, longer
// than the bootstrap's first wait); the bootstrap keeps the loading iframe
// and does not load the page again.
func TestSlowLivePageIsLoadedOnce(t *testing.T) {
	p := newTab(t)
	ts := jobsServer(t)
	pass := passThrough(t, ts)
	var loads atomic.Int64
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/w/jobs/" {
			pass.ServeHTTP(w, r)
			return
		}
		loads.Add(1)
		rec := httptest.NewRecorder()
		pass.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		body := rec.Body.Bytes()
		w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		select {
		case <-time.After(2500 * time.Millisecond): // the slowness being simulated, not a wait for a condition
		case <-r.Context().Done():
			return
		}
		w.Write(body[len(body)/2:])
	}))
	defer func() { slow.CloseClientConnections(); slow.Close() }()
	var b bytes.Buffer
	if err := ts.Widget("jobs").Checkpoint(&b, URL(slow.URL+"/", "jobs", ts.Token())); err != nil {
		t.Fatal(err)
	}
	p.navigate(notebook(t, `<div id="cell">`+b.String()+`</div>`))
	p.wait("the slow live page to take the checkpoint's place", liveShown("#cell"))
	p.frame("#cell "+liveFrame).wait("the live page to be live", statusIs("live")+" && "+bodyHas("alpha"))
	if n := loads.Load(); n != 1 {
		t.Errorf("the live page was requested %d times; a loading page must not be thrown away", n)
	}
}

// themeOf is the theme a widget's document shows: its data-theme and the
// colour of its text.
const themeOf = `document.documentElement.dataset.theme + ' ' + getComputedStyle(document.body).color`

// TestThemeFollowsWhatTheUserSees: in a dark OS, a classic-Notebook-like
// page (white, no theme hint) gets light widgets, and a dark cell a dark
// one; JupyterLab's and VS Code's hints win over the colours.
func TestThemeFollowsWhatTheUserSees(t *testing.T) {
	p := newTab(t)
	if _, err := chromedp.Call(p.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{
		{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
		t.Fatal(err)
	}
	ts := jobsServer(t)
	frag := checkpoint(t, ts, "jobs")
	const light, dark = "light rgb(31, 35, 40)", "dark rgb(230, 237, 243)"

	// Classic Notebook 6: a white page, no hint; a checkpoint that stays one
	// and one that turns live, on white and in a dark cell.
	var still bytes.Buffer
	if err := ts.Widget("jobs").Checkpoint(&still, ""); err != nil {
		t.Fatal(err)
	}
	p.navigate(notebook(t, `<style>body{background:#fff}</style><div id="white-still">`+still.String()+`</div><div id="white">`+frag+`</div>`+
		`<div style="background:#1e1e1e;padding:4px"><div id="black-still">`+still.String()+`</div><div id="black">`+frag+`</div></div>`))
	if p.str(`matchMedia('(prefers-color-scheme: dark)').matches`) != "true" {
		t.Fatal("the OS is not dark for the page")
	}
	for cell, want := range map[string]string{"#white": light, "#black": dark} {
		p.frame(cell+"-still "+checkpointFrame).wait(cell+" checkpoint's theme", themeOf+" === "+js(want))
		p.wait(cell+" to turn live", liveShown(cell))
		p.frame(cell+" "+liveFrame).wait(cell+" live page's theme", statusIs("live")+" && "+themeOf+" === "+js(want))
	}

	// JupyterLab says its theme on the body: it wins over a white page.
	p.navigate(notebook(t, `<style>body{background:#fff}</style><script>document.body.dataset.jpThemeLight = 'false'</script><div id="lab">`+frag+`</div>`))
	p.wait("the lab cell to turn live", liveShown("#lab"))
	p.frame("#lab "+liveFrame).wait("the lab widget's theme", themeOf+" === "+js(dark))
	// ... and it follows a switch.
	p.str(`document.body.dataset.jpThemeLight = 'true'`)
	p.frame("#lab "+liveFrame).wait("the lab widget's new theme", themeOf+" === "+js(light))

	// VS Code's notebook webview puts its theme's kind on the body's class.
	p.navigate(notebook(t, `<style>body{background:#fff}</style><script>document.body.className = 'vscode-dark'</script><div id="code">`+frag+`</div>`))
	p.wait("the VS Code cell to turn live", liveShown("#code"))
	p.frame("#code "+liveFrame).wait("the VS Code widget's theme", themeOf+" === "+js(dark))
	p.str(`document.body.className = 'vscode-light'`)
	p.frame("#code "+liveFrame).wait("the VS Code widget's new theme", themeOf+" === "+js(light))
}

// TestLiveIframeDelegatesLocalNetworkAccessAndGoesLiveFromAnotherOrigin:
// the live iframe carries the permission Chromium's Local Network Access
// asks a public page to delegate, and a notebook on a non-loopback origin
// (a hub's name) turns a loopback widget live. (The hub name maps to this
// machine, so Chromium counts it as loopback too: the permission prompt
// itself is not exercised here.)
func TestLiveIframeDelegatesLocalNetworkAccessAndGoesLiveFromAnotherOrigin(t *testing.T) {
	p := newTab(t)
	ts := jobsServer(t)
	frag := checkpoint(t, ts, "jobs")
	nb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<!DOCTYPE html><html><body><div id=\"cell\">"+frag+"</div></body></html>")
	}))
	defer nb.Close()
	p.navigate(hubURL(t, nb) + "/")
	p.wait("the live iframe", `!!document.querySelector('#cell `+liveFrame+`')`)
	allow := p.str(`document.querySelector('#cell ` + liveFrame + `').getAttribute('allow')`)
	for _, want := range []string{"local-network-access", "loopback-network"} {
		if !strings.Contains(allow, want) {
			t.Errorf("the live iframe's allow is %q; it lacks %s", allow, want)
		}
	}
	p.wait("the widget to turn live", liveShown("#cell"))
	p.frame("#cell "+liveFrame).wait("the live page to be live", statusIs("live"))
}

// TestUnreachableLoopbackServerSaysHowToReachIt: a notebook on another
// machine's page (here: a non-loopback name) whose live URL is loopback and
// does not answer keeps the checkpoint and says in one line how to reach it.
func TestUnreachableLoopbackServerSaysHowToReachIt(t *testing.T) {
	p := newTab(t)
	frag, gone := checkpointOfNoServer(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(strings.TrimSuffix(gone, "/"), "http://"))
	nb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<!DOCTYPE html><html><body><div id=\"cell\">"+frag+"</div></body></html>")
	}))
	defer nb.Close()
	p.navigate(hubURL(t, nb) + "/")
	p.wait("the hint", `(document.querySelector('#cell .syft-widget-note') || {}).textContent`)
	if note := p.str(`document.querySelector('#cell .syft-widget-note').textContent`); !strings.Contains(note, "forward port "+port) || !strings.Contains(note, "--public-url") {
		t.Errorf("the hint says %q", note)
	}
	p.frame("#cell "+checkpointFrame).wait("the checkpoint to stay", bodyHas("alpha"))
}

// TestColabProxyPortGivesTheLiveAddress: a stand-in for Colab's
// google.colab.kernel.proxyPort answers another loopback origin (a proxy
// in front of the server); the bootstrap asks it for the server's port and
// loads the live page, token and all, from there.
func TestColabProxyPortGivesTheLiveAddress(t *testing.T) {
	p := newTab(t)
	ts := jobsServer(t)
	pass := passThrough(t, ts)
	var pages atomic.Int64
	colab := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/w/jobs/" {
			pages.Add(1)
		}
		pass.ServeHTTP(w, r)
	}))
	defer func() { colab.CloseClientConnections(); colab.Close() }()
	_, cport, _ := net.SplitHostPort(strings.TrimPrefix(colab.URL, "http://"))
	proxied := "http://localhost:" + cport + "/"
	stand := `<script>window.google = {colab: {kernel: {proxyPort: (port) => { window.asked = port; return Promise.resolve(` + js(proxied) + `); }}}};</script>`
	p.navigate(notebook(t, stand+`<div id="cell">`+checkpoint(t, ts, "jobs")+`</div>`))
	p.wait("the widget to turn live", liveShown("#cell"))
	p.frame("#cell "+liveFrame).wait("the live page to be live", statusIs("live")+" && "+bodyHas("alpha"))
	_, want, _ := net.SplitHostPort(strings.TrimPrefix(strings.TrimSuffix(ts.base, "/"), "http://"))
	if got := p.str(`window.asked`); got != want {
		t.Errorf("proxyPort was asked for port %s, want %s", got, want)
	}
	src := p.str(`document.querySelector('#cell ` + liveFrame + `').src`)
	if !strings.HasPrefix(src, proxied+"w/jobs/?token=") {
		t.Errorf("the live iframe loads %s, want it under %s", src, proxied)
	}
	if pages.Load() != 1 {
		t.Errorf("the proxy served the live page %d times", pages.Load())
	}
}

// TestLocalNetworkAccessFromAPublicNotebook: a Chromium of its own is told
// that the notebook's origin is on the public internet
// (--ip-address-space-overrides), so framing the loopback server is a
// Local Network Access. Without the permission the widget stays a
// checkpoint; once the user allows it (granted here through the DevTools
// protocol), the same fragment turns live.
func TestLocalNetworkAccessFromAPublicNotebook(t *testing.T) {
	newTab(t) // skips, or fails in CI, without Chromium
	ts := jobsServer(t)
	counter := `<script>window.attempts = 0;
new MutationObserver(ms => { for (const m of ms) for (const n of m.addedNodes)
  if (n.matches && n.matches(` + js(liveFrame) + `)) window.attempts++; })
  .observe(document.documentElement, {childList: true, subtree: true});</script>`
	page := "<!DOCTYPE html><html><body>" + counter + `<div id="cell">` + checkpoint(t, ts, "jobs") + "</div></body></html>"
	nb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, page) }))
	defer nb.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(nb.URL, "http://"))

	dir := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath), chromedp.Headless,
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.UserDataDir(dir),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("ip-address-space-overrides", "127.0.0.1:"+port+"=public"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("cannot start Chromium: %v", err)
	}
	p := &tab{t: t, ctx: ctx, attached: map[target.ID]context.Context{}}

	p.navigate(nb.URL + "/")
	p.wait("the bootstrap to try the server twice", `window.attempts >= 2`)
	if p.str(liveShown("#cell")) == "true" {
		t.Fatal("the widget turned live without the Local Network Access permission: the test does not exercise it")
	}

	for _, name := range []string{"local-network-access", "loopback-network"} {
		if _, err := chromedp.Call(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted, Origin: nb.URL}); err != nil {
			t.Fatalf("granting %s: %v", name, err)
		}
	}
	p.navigate(nb.URL + "/")
	p.wait("the widget to turn live", liveShown("#cell"))
	p.frame("#cell "+liveFrame).wait("the live page to be live", statusIs("live")+" && "+bodyHas("alpha"))
}

// BenchmarkNotebookDisplayToLiveBigWidget measures, in a notebook page, the
// time from the page's navigation to the moment a 10,000-row widget's live
// iframe takes the checkpoint's place, and how many times the live page was
// loaded for it (1 is right: a loading page is never thrown away).
func BenchmarkNotebookDisplayToLiveBigWidget(b *testing.B) {
	p := newTab(b)
	dir := b.TempDir()
	var rows strings.Builder
	rows.WriteString("[")
	for i := range 10000 {
		if i > 0 {
			rows.WriteString(",")
		}
		fmt.Fprintf(&rows, `{"name":"job-%05d","state":"running","progress":%d}`, i, i%100)
	}
	rows.WriteString("]")
	writeFile(b, dir, "rows.json", rows.String())
	srv := NewServer(Config{Name: "bench"})
	if err := srv.Load(writeFile(b, dir, "big.yaml", "name: big\nsources:\n  d:\n    file: rows.json\nendpoints:\n  /api:\n"+
		"    rows: d.data\n    n: len(d.data)\ntemplate: |\n  <p>{n} rows</p>\n  <table data-field=\"rows\"><template data-each><tr><td>{name}</td><td>{state}</td><td>{progress}</td></tr></template></table>\n")); err != nil {
		b.Fatal(err)
	}
	ln, err := Listen("")
	if err != nil {
		b.Fatal(err)
	}
	serveOn(b, srv, ln)
	var frag bytes.Buffer
	if err := srv.Widget("big").Checkpoint(&frag, URL("http://"+ln.Addr().String()+"/", "big", srv.Token())); err != nil {
		b.Fatal(err)
	}
	watch := `<script>window.attempts = 0; window.liveAt = 0;
new MutationObserver(ms => { for (const m of ms) {
  for (const n of m.addedNodes) if (n.matches && n.matches(` + js(liveFrame) + `)) window.attempts++;
  if (m.type === 'attributes' && m.target.matches(` + js(liveFrame) + `) && m.target.style.visibility === 'visible' && !window.liveAt) window.liveAt = performance.now();
} }).observe(document.documentElement, {childList: true, subtree: true, attributes: true, attributeFilter: ['style']});</script>`
	nbURL := "" // one notebook server for every iteration
	nbSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<!DOCTYPE html><html><body>"+watch+`<div id="cell">`+frag.String()+"</div></body></html>")
	}))
	b.Cleanup(nbSrv.Close)
	nbURL = nbSrv.URL + "/"
	var ms, loads []float64
	b.ResetTimer()
	for range b.N {
		p.navigate(nbURL)
		p.wait("the big widget to turn live", `window.liveAt > 0`)
		b.StopTimer()
		var at, n float64
		fmt.Sscan(p.str(`window.liveAt`), &at)
		fmt.Sscan(p.str(`window.attempts`), &n)
		ms, loads = append(ms, at), append(loads, n)
		b.StartTimer()
	}
	slices.Sort(ms)
	b.ReportMetric(ms[len(ms)/2], "ms-to-live-p50")
	b.ReportMetric(ms[len(ms)-1], "ms-to-live-max")
	b.ReportMetric(slices.Max(loads), "loads-max")
}

// checkpointOfNoServer is the jobs widget's fragment pointing at a loopback
// address where nothing answers (gone).
func checkpointOfNoServer(t *testing.T) (frag, gone string) {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "jobs/a/1.json", `{"name": "alpha"}`)
	w, err := widget.Load(writeFile(t, dir, "jobs.yaml", jobsManifest), nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := Listen("")
	if err != nil {
		t.Fatal(err)
	}
	gone = "http://" + ln.Addr().String() + "/"
	ln.Close() // nothing answers there
	var b bytes.Buffer
	if err := w.Checkpoint(&b, URL(gone, "jobs", NewToken())); err != nil {
		t.Fatal(err)
	}
	return b.String(), gone
}
