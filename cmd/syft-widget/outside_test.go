//go:build linux

package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium starts a headless Chromium for one test; it skips without one,
// except in CI.
func chromium(t *testing.T) context.Context {
	t.Helper()
	const path = "/usr/bin/chromium"
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browser tests need %s in CI: %v", path, err)
		}
		t.Skipf("skipping browser test: no Chromium at %s", path)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.Headless,
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("cannot start Chromium: %v", err)
	}
	return ctx
}

// outsideListener stands for a host outside the machine: a server on
// another loopback port that notes every request it gets.
type outsideListener struct {
	addr string
	mu   sync.Mutex
	got  []string
}

func listenOutside(t *testing.T) *outsideListener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &outsideListener{addr: ln.Addr().String()}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.got = append(o.got, r.URL.Path)
		o.mu.Unlock()
		w.Header().Set("Access-Control-Allow-Origin", "*")
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return o
}

func (o *outsideListener) requests() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.got...)
}

// loaded waits until the document in ctx and every frame in it have
// loaded, fonts included: by then each fetch the page would make has been
// sent.
func loaded(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.readyState === "complete" && document.fonts.status === "loaded"`,
		chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		t.Fatalf("the page did not load: %v", err)
	}
}

// TestNothingLeavesTheMachineFromAnyLayer: outside URLs in a template, in
// data and in the manifest's style (img src, style backgrounds, @import,
// @font-face, image-set) reach no outside host from the live page, the
// checkpoint's srcdoc document or its static layer; check says what it
// removed. A link may point outside, without referrer or opener.
func TestNothingLeavesTheMachineFromAnyLayer(t *testing.T) {
	ctx := chromium(t)
	out := listenOutside(t)
	o := "http://" + out.addr
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	os.WriteFile(filepath.Join(dir, "data", "a.json"), []byte(fmt.Sprintf(
		`{"img": "%[1]s/data-img.png", "rel": "//%[2]s/data-protocol-relative.png", "bg": "%[1]s/data-bg.png"}`, o, out.addr)), 0o644)
	manifest := filepath.Join(dir, "leak.yaml")
	os.WriteFile(manifest, []byte(fmt.Sprintf(`sources:
  items: "data/*.json"
endpoints:
  /api:
    img: items[0].data.img
    rel: items[0].data.rel
    bg: items[0].data.bg
template: |
  <p class="a">text in the font</p>
  <img src="{img}" alt="a"><img src="{rel}" alt="b"><img src="%[1]s/template-img.png" alt="c">
  <div style="background-image:url(%[1]s/template-bg.png);width:9px;height:9px">x</div>
  <div style="background-image:url({bg});width:9px;height:9px">y</div>
  <div style="background-image:image-set('%[1]s/template-set.png' 1x);width:9px;height:9px">z</div>
  <a id="out" href="%[1]s/link">a link</a>
style: |
  @import url(%[1]s/style-import.css);
  @font-face { font-family: outside; src: url(%[1]s/style-font.woff); }
  body { font-family: outside, sans-serif; background: url(%[1]s/style-bg.png); }
  .a { background-image: image-set("%[1]s/style-set.png" 1x); }
`, o)), 0o644)

	// check names what it removed: the template's URLs and the style's.
	r := run(t, t.TempDir(), "check", manifest)
	for _, want := range []string{"removed http: URL from src of <img>", "removed style of <div>: it loads url(" + o,
		"removed style of <div>: a placeholder may not be the URL in url()", "removed style of <div>: it loads images from outside",
		"style: removed \"@import url(" + o, "style: removed url(" + o + "/style-font.woff)", "style: removed image-set(", "style: removed url(" + o + "/style-bg.png)"} {
		if !strings.Contains(r.stderr+r.stdout, want) {
			t.Errorf("check does not say %q:\n%s%s", want, r.stdout, r.stderr)
		}
	}

	// The live page.
	urls := startServing(t, 1, "run", manifest)
	if err := chromedp.Do(ctx, chromedp.Navigate(urls["leak"])); err != nil {
		t.Fatal(err)
	}
	loaded(t, ctx)
	rel := evalJSString(t, ctx, `document.getElementById("out").rel`)
	if rel != "noopener noreferrer" {
		t.Errorf("a link to outside has rel %q", rel)
	}

	// The checkpoint, where scripts run (static layer, then the srcdoc
	// iframe) and where a sanitizer removed the script (static layer only).
	fr := run(t, t.TempDir(), "render", "--checkpoint", "--no-server", manifest)
	if fr.code != 0 {
		t.Fatalf("render: %+v", fr)
	}
	static := regexp.MustCompile(`(?s)<script>.*?</script>`).ReplaceAllString(fr.stdout, "")
	notebook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		body := fr.stdout
		if r.URL.Path == "/static" {
			body = static
		}
		fmt.Fprint(w, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><div class=\"output\">"+body+"</div></body></html>")
	}))
	defer notebook.Close()
	for _, page := range []string{"/scripts", "/static"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(notebook.URL+page)); err != nil {
			t.Fatal(err)
		}
		loaded(t, ctx)
	}
	if n := evalJSString(t, ctx, `String(document.querySelectorAll("iframe").length)`); n != "0" {
		t.Errorf("the static page has %s iframes", n)
	}
	if got := out.requests(); len(got) > 0 {
		t.Errorf("the outside host got %d requests: %v", len(got), got)
	}
}

func evalJSString(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}
