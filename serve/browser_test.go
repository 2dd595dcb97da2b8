package serve

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// theBrowser is one headless Chromium shared by the browser tests of this
// test binary; each test works in its own tab. TestMain stops it.
var theBrowser struct {
	once   sync.Once
	ctx    context.Context
	cancel func()
	dir    string
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	stopBrowser()
	os.Exit(code)
}

func stopBrowser() {
	if theBrowser.cancel != nil {
		theBrowser.cancel()
	}
	if theBrowser.dir != "" {
		os.RemoveAll(theBrowser.dir)
	}
}

// newTab opens a tab of the shared browser for one test, closed when the
// test ends. Without Chromium the test is skipped, except in CI.
func newTab(t *testing.T) context.Context {
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
			chromedp.UserDataDir(b.dir),
		)
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(actx)
		b.ctx = ctx
		b.cancel = func() { cancelCtx(); cancelAlloc() }
		b.err = chromedp.Do(ctx)
	})
	if b.err != nil {
		t.Fatalf("cannot start Chromium: %v", b.err)
	}
	ctx, cancelTimeout := context.WithTimeout(b.ctx, 90*time.Second)
	tab, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(func() {
		cancelTab()
		cancelTimeout()
	})
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("cannot open a tab: %v", err)
	}
	return tab
}

func TestScratchFrames(t *testing.T) {
	tab := newTab(t)
	ts := jobsServer(t)
	var frag bytes.Buffer
	if err := ts.Widget("jobs").Checkpoint(&frag, URL(ts.base, "jobs", ts.Token())); err != nil {
		t.Fatal(err)
	}
	nb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!DOCTYPE html><html><body><div>"+frag.String()+"</div></body></html>")
	}))
	t.Cleanup(nb.Close)
	if err := chromedp.Do(tab, chromedp.Navigate(nb.URL)); err != nil {
		t.Fatal(err)
	}
	infos, _ := chromedp.Targets(tab)
	for _, i := range infos {
		t.Logf("target %s %s %s", i.Type, i.URL, i.TargetID)
	}
	frames, err := chromedp.Run(tab, chromedp.Nodes(chromedp.CSS("iframe"), chromedp.AtLeast(2)))
	t.Logf("frames %d %v", len(frames), err)
	for _, f := range frames {
		t.Logf("frame node frameID=%q content=%v", f.FrameID, f.ContentDocument != nil)
		txt, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS("#sw-body"), chromedp.FromNode(f)))
		t.Logf("text %q %v", txt, err)
	}
	time.Sleep(3 * time.Second)
	infos, _ = chromedp.Targets(tab)
	for _, i := range infos {
		t.Logf("target %s %s %s", i.Type, i.URL, i.TargetID)
	}
	frames, err = chromedp.Run(tab, chromedp.Nodes(chromedp.CSS("iframe")))
	t.Logf("frames %d %v", len(frames), err)
	for _, f := range frames {
		t.Logf("frame node frameID=%q content=%v", f.FrameID, f.ContentDocument != nil)
		txt, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS("#sw-body"), chromedp.FromNode(f)))
		t.Logf("text %q %v", txt, err)
	}
}
