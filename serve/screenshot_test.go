package serve

import (
	"bytes"
	"context"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

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
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 180 {
		t.Errorf("screenshot is %v", b)
	}
	if *updateScreenshot {
		if err := os.WriteFile(filepath.Join("..", "docs", "job_monitor.png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
