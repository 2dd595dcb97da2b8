package serve

import (
	"flag"
	"testing"

	"github.com/chromedp/chromedp"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "write docs/job_monitor.png from the live page")

// TestReadmeScreenshotShowsTheJobMonitor takes the README's picture: the
// job_monitor example's live page in headless Chromium, once it is live.
// With -update-screenshot it replaces docs/job_monitor.png.
func TestReadmeScreenshotShowsTheJobMonitor(t *testing.T) {
	p := newTab(t)
	ts := startTestServer(t, Config{})
	if err := ts.Load("../examples/manifests/job_monitor.yaml"); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(640, 180)); err != nil {
		t.Fatal(err)
	}
	p.navigate(ts.url("w/job_monitor/"))
	p.wait("the page to be live", statusIs("live"))
	p.wait("the jobs to show", bodyHas("train-model"))
	shot(t, p, "job_monitor", 640, 180, *updateScreenshot)
}
