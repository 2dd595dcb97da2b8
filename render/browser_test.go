package render

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// browser starts a headless Chromium with a fresh profile for one test. It
// skips when Chromium is absent, except in CI, where that is a failure.
func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browser tests need %s in CI: %v", chromiumPath, err)
		}
		t.Skipf("skipping browser test: no Chromium at %s", chromiumPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		// Keep sandboxed iframes in the page's process, so queries reach into them.
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,IsolateSandboxedIframes"),
		chromedp.Flag("disable-site-isolation-trials", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("cannot start Chromium: %v", err)
	}
	return ctx
}

// waitJS polls a JavaScript condition in the page until it is truthy.
func waitJS(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(15*time.Second),
		chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		t.Fatalf("waiting for %s: %v", cond, err)
	}
}

// watchConsole collects the page's console errors, warnings and uncaught
// exceptions (a CSP violation shows there) until the test ends.
func watchConsole(t *testing.T, ctx context.Context) func() []string {
	cctx, cancel := context.WithCancel(ctx)
	seq := chromedp.Console(cctx) // subscribes now
	var mu sync.Mutex
	var msgs []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range seq {
			if err != nil {
				return
			}
			switch m.Type {
			case chromedp.ConsoleError, chromedp.ConsoleException, chromedp.ConsoleWarning:
				mu.Lock()
				msgs = append(msgs, string(m.Type)+": "+m.Text)
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(msgs)
	}
}

func evalJS[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

func TestCheckpointShowsItsDataInASandboxedIframeWhenScriptsRun(t *testing.T) {
	ctx := browser(t)
	var frag strings.Builder
	err := Checkpoint(&frag, CheckpointInput{Page: Page{Name: "job_monitor", Title: "Jobs", Style: ".failed{color:rgb(220, 20, 60)}",
		Width: "100%", Height: "auto"}, Body: jobsBody(t), At: time.Now(), ID: "cp1"})
	if err != nil {
		t.Fatal(err)
	}
	notebook := "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><h1>notebook</h1><div class=\"output\">" +
		frag.String() + "</div><p id=\"after\">next cell</p></body></html>"
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, notebook)
	}))
	t.Cleanup(ts.Close)

	problems := watchConsole(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL)); err != nil {
		t.Fatal(err)
	}
	// The bootstrap replaced the static layer with a sandboxed iframe, not same-origin.
	waitJS(t, ctx, `!document.getElementById('cp1') && document.querySelectorAll('iframe').length === 1`)
	sandbox := evalJS[string](t, ctx, `document.querySelector('iframe').getAttribute('sandbox')`)
	if sandbox != "allow-scripts" {
		t.Errorf("checkpoint iframe sandbox = %q, want allow-scripts only", sandbox)
	}
	// height: auto follows the iframe's own report.
	waitJS(t, ctx, `parseInt(document.querySelector('iframe').style.height) > 60`)

	frames, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("iframe")))
	if err != nil || len(frames) != 1 {
		t.Fatalf("iframe nodes: %v, %v", frames, err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#sw-body"), chromedp.FromNode(frames[0])))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Distributed Jobs: 2 jobs, 1 running", "train</script><script>alert(1)</script> — running", "2 KiB"} {
		if !strings.Contains(text, want) {
			t.Errorf("checkpoint iframe lacks %q; shows %q", want, text)
		}
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#sw-status"), chromedp.FromNode(frames[0])))
	if err != nil || !strings.HasPrefix(status, "checkpoint · ") {
		t.Errorf("checkpoint iframe status = %q, %v", status, err)
	}
	// The manifest's style applies inside the iframe.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`getComputedStyle(document.querySelector('li.failed')).color === 'rgb(220, 20, 60)'`,
		chromedp.WithPollingInFrame(frames[0]), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Errorf("the manifest style does not apply in the checkpoint iframe: %v", err)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console reports problems: %q", p)
	}
}

// fakeServer plays the syft-widget server for one widget: the live page,
// its own stream, the shared stream and the data endpoint.
type fakeServer struct {
	t       *testing.T
	tm      *Template
	name    string
	mu      sync.Mutex
	version uint64
	html    string
	subs    map[chan struct{}]bool
	streams []string // path of every stream request, in order
	done    chan struct{}
}

func newFakeServer(t *testing.T, name, src string, values map[string]any) *fakeServer {
	tm, _, err := Compile(src, keys(values))
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeServer{t: t, tm: tm, name: name, subs: map[chan struct{}]bool{}, done: make(chan struct{})}
	f.publish(values)
	return f
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func (f *fakeServer) publish(values map[string]any) {
	body, err := f.tm.Body(values, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.version++
	f.html = body
	for ch := range f.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (f *fakeServer) payload() (uint64, []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"name": f.name, "version": f.version, "html": f.html, "_errors": map[string]string{}})
	return f.version, b
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/w/" + f.name + "/":
		nonce := "n" + fmt.Sprint(time.Now().UnixNano())
		w.Header().Set("Content-Security-Policy", CSP(nonce))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		f.mu.Lock()
		v, body := f.version, f.html
		f.mu.Unlock()
		LivePage(w, Page{Name: f.name, Title: "demo", UpdateInterval: 100 * time.Millisecond}, body, v, nonce)
	case "/w/" + f.name + "/data":
		_, b := f.payload()
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	case "/w/" + f.name + "/events", "/events":
		f.mu.Lock()
		f.streams = append(f.streams, r.URL.Path)
		f.mu.Unlock()
		f.stream(w, r)
	case "/favicon.ico":
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeServer) streamPaths() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.streams)
}

func (f *fakeServer) stream(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	flusher := w.(http.Flusher)
	ch := make(chan struct{}, 1)
	f.mu.Lock()
	f.subs[ch] = true
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.subs, ch)
		f.mu.Unlock()
	}()
	for {
		v, b := f.payload()
		fmt.Fprintf(w, "id: boot1-%d\ndata: %s\n\n", v, b)
		flusher.Flush()
		select {
		case <-ch:
		case <-r.Context().Done():
			return
		case <-f.done:
			return
		}
	}
}

// serve runs the fake server over loopback until the test ends.
func (f *fakeServer) serve(t *testing.T) *httptest.Server {
	ts := httptest.NewServer(f)
	t.Cleanup(func() {
		close(f.done) // ends the streams, so Close does not wait on them
		ts.Close()
	})
	return ts
}

const morphTemplate = `<p id="keep" class="k" style="color: rgb(1, 2, 3)">unchanged <b>text</b></p><p id="count">{count}</p>` +
	`<ul data-field="xs"><template data-each><li>{.}</li></template></ul><div id="tail">{tail}</div>`

func TestLivePageMorphsUpdatesAndKeepsUnchangedNodes(t *testing.T) {
	ctx := browser(t)
	f := newFakeServer(t, "demo", morphTemplate, map[string]any{"count": 1, "xs": []any{"a", "b"}, "tail": map[string]any{"k": 1}})
	ts := f.serve(t)
	problems := watchConsole(t, ctx)

	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/w/demo/?token=T")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `document.getElementById('sw-status').textContent === 'live'`)
	// Web Locks and BroadcastChannel exist here: the page leads the shared stream.
	if paths := f.streamPaths(); !slices.Equal(paths, []string{"/events"}) {
		t.Errorf("stream requests = %q, want one on the shared /events", paths)
	}
	evalJS[bool](t, ctx, `(() => {
		document.getElementById('keep').__tag = 42;
		document.querySelector('#keep b').firstChild.__tag = 43;
		document.querySelector('ul li').__tag = 44;
		return true; })()`)

	values := map[string]any{"count": 2, "xs": []any{"a", "c", "d"}, "tail": []any{map[string]any{"k": 2}}}
	f.publish(values)
	waitJS(t, ctx, `document.getElementById('count').textContent === '2'`)

	if !evalJS[bool](t, ctx, `document.getElementById('keep').__tag === 42 && document.querySelector('#keep b').firstChild.__tag === 43 &&
		document.querySelector('ul li').__tag === 44`) {
		t.Errorf("an element whose rendering did not change was replaced")
	}
	// The DOM equals a fresh render of the new data.
	want, err := f.tm.Body(values, nil)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(want)
	if !evalJS[bool](t, ctx, `(() => { const m = document.createElement('main'); m.id = 'sw-body'; m.innerHTML = `+string(js)+`;
		return m.isEqualNode(document.getElementById('sw-body')); })()`) {
		got := evalJS[string](t, ctx, `document.getElementById('sw-body').innerHTML`)
		t.Errorf("DOM after the update differs from a fresh render\n got: %s\nwant: %s", got, want)
	}
	if v := evalJS[int](t, ctx, `document.querySelectorAll('ul li').length`); v != 3 {
		t.Errorf("list has %d items, want 3", v)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console reports problems (a CSP violation?): %q", p)
	}
}

func TestLivePagesOfOneServerShareOneStream(t *testing.T) {
	ctx := browser(t)
	f := newFakeServer(t, "demo", morphTemplate, map[string]any{"count": 1, "xs": []any{"a"}, "tail": "t"})
	live := f.serve(t)
	const pages = 4
	frame := `<iframe sandbox="allow-scripts allow-same-origin" src="` + live.URL + `/w/demo/?token=T"></iframe>`
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!DOCTYPE html><html><body>"+strings.Repeat(frame, pages)+"</body></html>")
	}))
	t.Cleanup(host.Close)

	if err := chromedp.Do(ctx, chromedp.Navigate(host.URL)); err != nil {
		t.Fatal(err)
	}
	frames, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("iframe"), chromedp.AtLeast(pages)))
	if err != nil {
		t.Fatal(err)
	}
	waitIn := func(cond string) {
		t.Helper()
		for i, fr := range frames {
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInFrame(fr),
				chromedp.WithPollingTimeout(15*time.Second))); err != nil {
				t.Fatalf("page %d: waiting for %s: %v", i, cond, err)
			}
		}
	}
	waitIn(`document.getElementById('sw-status')?.textContent === 'live'`)
	f.publish(map[string]any{"count": 7, "xs": []any{"a"}, "tail": "t"})
	waitIn(`document.getElementById('count')?.textContent === '7'`)
	if paths := f.streamPaths(); !slices.Equal(paths, []string{"/events"}) {
		t.Errorf("%d pages opened stream requests %q, want one shared /events", pages, paths)
	}
}

func TestCheckpointTurnsLiveWhenTheLivePageIsReady(t *testing.T) {
	ctx := browser(t)
	f := newFakeServer(t, "demo", morphTemplate, map[string]any{"count": 1, "xs": []any{"a"}, "tail": "t"})
	live := f.serve(t)

	body, _ := f.tm.Body(map[string]any{"count": 0, "xs": []any{"old"}, "tail": "t"}, nil)
	var frag strings.Builder
	if err := Checkpoint(&frag, CheckpointInput{Page: Page{Name: "demo", Height: "auto"}, Body: body, At: time.Now(), ID: "cp",
		LiveURL: live.URL + "/w/demo/?token=T"}); err != nil {
		t.Fatal(err)
	}
	nb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!DOCTYPE html><html><body><div>"+frag.String()+"</div></body></html>")
	}))
	t.Cleanup(nb.Close)

	if err := chromedp.Do(ctx, chromedp.Navigate(nb.URL)); err != nil {
		t.Fatal(err)
	}
	// The live iframe takes the checkpoint's place: one visible iframe, same-origin sandbox.
	waitJS(t, ctx, `(() => { const fs = document.querySelectorAll('iframe');
		return fs.length === 1 && fs[0].getAttribute('sandbox') === 'allow-scripts allow-same-origin' &&
			fs[0].style.visibility === 'visible'; })()`)
	f.publish(map[string]any{"count": 5, "xs": []any{"a"}, "tail": "t"})
	frames, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("iframe")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById('count')?.textContent === '5'`,
		chromedp.WithPollingInFrame(frames[0]), chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("the live iframe never showed the update: %v", err)
	}
}

func TestCheckpointStaysAndRetriesWhenTheServerNeverAnswers(t *testing.T) {
	ctx := browser(t)
	var mu sync.Mutex
	loads := 0
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/w/demo/" {
			mu.Lock()
			loads++
			mu.Unlock()
		}
		http.Error(w, "starting", http.StatusServiceUnavailable)
	}))
	t.Cleanup(dead.Close)
	var frag strings.Builder
	if err := Checkpoint(&frag, CheckpointInput{Page: Page{Name: "demo", Height: "auto"}, Body: jobsBody(t), At: time.Now(),
		ID: "cp", LiveURL: dead.URL + "/w/demo/?token=T"}); err != nil {
		t.Fatal(err)
	}
	nb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!DOCTYPE html><html><body>"+frag.String()+"</body></html>")
	}))
	t.Cleanup(nb.Close)
	if err := chromedp.Do(ctx, chromedp.Navigate(nb.URL)); err != nil {
		t.Fatal(err)
	}
	// A second load of the live page means the bootstrap retried (after 1 s).
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		n := loads
		mu.Unlock()
		if n >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the bootstrap loaded the live page %d times, want a retry", n)
		}
		// Let the browser run a while before looking again.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(r => setTimeout(() => r(true), 50))`,
			chromedp.EvalAwaitPromise)); err != nil {
			t.Fatal(err)
		}
	}
	// The checkpoint is still what shows; the live attempt stays hidden.
	if !evalJS[bool](t, ctx, `(() => { const fs = Array.from(document.querySelectorAll('iframe'));
		const shown = fs.filter(f => f.style.visibility !== 'hidden');
		return shown.length === 1 && shown[0].getAttribute('sandbox') === 'allow-scripts'; })()`) {
		t.Errorf("the checkpoint is not the one visible iframe after the server failed to answer")
	}
}
