package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/syft-widget/syft-widget/serve/widget"
)

// The SyftBox gallery (examples/manifests/syftbox_*.yaml) over the tree in
// examples/data/syftbox: what each endpoint must give, worked out by hand
// from the files (see the comments), and what each page must show.
var galleryWants = map[string]map[string]string{
	"syftbox_permissions": {
		// 6 permission files; public where the deciding rule lets '*' read:
		// alice/public, and bob's two folders (bob's root file is terminal, so
		// bob/results/syft.pub.yaml is ignored).
		"/api/folders": `{"folders":[` +
			`{"decided by":"alice@openmined.org/public/syft.pub.yaml","folder":"alice@openmined.org/public","public":true,"readers":"*","writers":""},` +
			`{"decided by":"alice@openmined.org/shared/syft.pub.yaml","folder":"alice@openmined.org/shared","public":false,"readers":"bob@openmined.org","writers":""},` +
			`{"decided by":"alice@openmined.org/syft.pub.yaml","folder":"alice@openmined.org","public":false,"readers":"","writers":""},` +
			`{"decided by":"bob@openmined.org/syft.pub.yaml","folder":"bob@openmined.org/results","public":true,"readers":"*","writers":""},` +
			`{"decided by":"bob@openmined.org/syft.pub.yaml","folder":"bob@openmined.org","public":true,"readers":"*","writers":""},` +
			`{"decided by":"carol@example.org/shared/syft.pub.yaml","folder":"carol@example.org/shared","public":false,"readers":"alice@openmined.org, *@example.org","writers":"carol@example.org"}],` +
			`"public":3,"total":6}`,
		// Owners may do everything; results/*.csv is more specific than **
		// and lets *@openmined.org write; bob's private/** reads nobody.
		"/api/access": `{"access":[` +
			`{"alice":"admin","bob":"read","carol":"read","path":"alice@openmined.org/public/README.md"},` +
			`{"alice":"admin","bob":"read","carol":"none","path":"alice@openmined.org/shared/notes.md"},` +
			`{"alice":"admin","bob":"write","carol":"read","path":"alice@openmined.org/shared/results/scores.csv"},` +
			`{"alice":"admin","bob":"none","carol":"none","path":"alice@openmined.org/private/diary.txt"},` +
			`{"alice":"none","bob":"admin","carol":"none","path":"bob@openmined.org/private/keys.txt"},` +
			`{"alice":"read","bob":"none","carol":"admin","path":"carol@example.org/shared/data/table.csv"}]}`,
	},
	"syftbox_rpc": {
		// 4 requests (the .tmp.<digits> download is not one): 03:00:00 ->
		// 03:00:00.12 (200), 03:01:00 -> 03:01:02.5 (500), 03:02:00 pending,
		// 03:03:00 -> 03:03:00.3 (200); mean of 0.12, 2.5, 0.3 = 0.97333.
		"/api/rpc": `{"calls":[` +
			`{"body":{"msg":"ping"},"endpoint":"/app_data/echo/rpc/ping","from":"bob@openmined.org","latency":0.12,"status":"200","to":"alice@openmined.org"},` +
			`{"body":{"msg":"ping","n":2},"endpoint":"/app_data/echo/rpc/ping","from":"carol@example.org","latency":2.5,"status":"500","to":"alice@openmined.org"},` +
			`{"body":{"msg":"ping","n":3},"endpoint":"/app_data/echo/rpc/ping","from":"bob@openmined.org","latency":null,"status":"pending","to":"alice@openmined.org"},` +
			`{"body":{"msg":"ping"},"endpoint":"/app_data/echo/rpc/ping","from":"alice@openmined.org","latency":0.3,"status":"200","to":"bob@openmined.org"}],` +
			`"errors":1,"mean_latency":0.9733333333333333,"pending":1,"total":4}`,
	},
	"syftbox_jobs": {
		// took: 01:00 -> 01:30 = 1800 s, 00:00 -> 00:45:30 = 2730 s;
		// progress (0 + 0.42 + 0.9 + 1) / 4 = 0.58.
		"/api/jobs": `{"jobs":[` +
			`{"error":"","name":"evaluate","owner":"alice@openmined.org","progress":0,"state":"queued","took":null},` +
			`{"error":"","name":"train-model","owner":"alice@openmined.org","progress":0.42,"state":"running","took":null},` +
			`{"error":"out of memory","name":"aggregate-stats","owner":"bob@openmined.org","progress":0.9,"state":"failed","took":1800},` +
			`{"error":"","name":"preprocess","owner":"bob@openmined.org","progress":1,"state":"done","took":2730}],` +
			`"progress":0.5800000000000001,"states":{"done":1,"failed":1,"queued":1,"running":1}}`,
	},
	"syftbox_sync": {
		// 30 files in the tree; not synced: the two markers, the download in
		// flight, run.log (*.log), cache.parquet (syftignore) and syftignore
		// itself: 24. alice has 14 of them, bob 8, carol 2.
		"/api/sync": `{"conflicts":["alice@openmined.org/shared/results/scores.csv"],"in_conflict":1,"refused":1,` +
			`"flagged":[{"path":"alice@openmined.org/shared/results/scores.csv","why":"conflict"},{"path":"bob@openmined.org/results/model.json","why":"rejected"}],` +
			`"markers":[{"kind":"conflict","marker":"alice@openmined.org/shared/results/scores.conflict.csv","size":26},{"kind":"rejected","marker":"bob@openmined.org/results/model.rejected.json","size":82}],` +
			`"per_datasite":[{"datasite":"alice@openmined.org","files":14,"flagged":1},{"datasite":"bob@openmined.org","files":8,"flagged":1},{"datasite":"carol@example.org","files":2,"flagged":0}],` +
			`"rejected":["bob@openmined.org/results/model.json"],"synced":24}`,
	},
	"syftbox_storage": {
		// alice: 333+318+341+329+341 (RPC) + 63+107 (jobs) + 38+61+55+56+41+163+84 = 2330;
		// bob: 335+313+175+138+16+41+108+123 = 1249; carol: 1454+125 = 1579; total 5158.
		"/api/storage": `{"datasites":[` +
			`{"bytes":2330,"datasite":"alice@openmined.org","files":14,"share":0.4517254749903063},` +
			`{"bytes":1579,"datasite":"carol@example.org","files":2,"share":0.3061264055835595},` +
			`{"bytes":1249,"datasite":"bob@openmined.org","files":8,"share":0.24214811942613415}],` +
			`"largest":[{"bytes":1454,"path":"carol@example.org/shared/data/table.csv"},` +
			`{"bytes":341,"path":"alice@openmined.org/app_data/echo/rpc/ping/1b2e0000-0000-4000-8000-000000000002.request"},` +
			`{"bytes":341,"path":"alice@openmined.org/app_data/echo/rpc/ping/2c3d0000-0000-4000-8000-000000000003.request"}],` +
			`"total":5158}`,
	},
}

func galleryFile(name string) string {
	return filepath.Join("..", "examples", "manifests", name+".yaml")
}

func TestGalleryEndpointsGiveTheHandComputedValues(t *testing.T) {
	for name, eps := range galleryWants {
		w, err := widget.Load(galleryFile(name), nil)
		if err != nil {
			t.Fatal(err)
		}
		if d := w.Diagnose(); len(d.Warnings) > 0 {
			t.Errorf("%s: warnings %v", name, d.Warnings)
		}
		for path, want := range eps {
			got, ok := w.State().Endpoint(path)
			if !ok {
				t.Fatalf("%s: no endpoint %s", name, path)
			}
			var a, b any
			json.Unmarshal(got, &a)
			json.Unmarshal([]byte(want), &b)
			ga, _ := json.Marshal(a)
			gb, _ := json.Marshal(b)
			if !bytes.Equal(ga, gb) {
				t.Errorf("%s %s:\n got %s\nwant %s", name, path, ga, gb)
			}
		}
	}
}

// emulateScheme makes the tab's pages prefer a light or dark colour scheme.
func emulateScheme(t *testing.T, p *tab, scheme string) {
	t.Helper()
	_, err := chromedp.Call(p.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

var updateGalleryShots = flag.Bool("update-gallery-screenshots", false, "write docs/syftbox_rpc.png and docs/syftbox_permissions.png")

// Every gallery page turns live in Chromium in both themes, shows its data,
// and its text follows the theme; two of them are the README's pictures.
func TestGalleryRendersLiveInLightAndDarkChromium(t *testing.T) {
	p := newTab(t)
	ts := startTestServer(t, Config{})
	for name := range galleryWants {
		if err := ts.Load(galleryFile(name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(960, 440)); err != nil {
		t.Fatal(err)
	}
	colours := map[string]string{}
	for _, scheme := range []string{"light", "dark"} {
		emulateScheme(t, p, scheme)
		for name := range galleryWants {
			p.navigate(ts.url("w/" + name + "/"))
			p.wait(name+" to be live", statusIs("live"))
			for _, want := range exampleShows[name] {
				p.wait(name+" to show "+want, bodyHas(want))
			}
			if n := p.str(`document.querySelectorAll('.sw-stale').length`); n != "0" {
				t.Errorf("%s: %s stale fields", name, n)
			}
			colours[name+" "+scheme] = p.str(`getComputedStyle(document.body).color`)
			if scheme == "light" && (name == "syftbox_rpc" || name == "syftbox_permissions") {
				shot(t, p, name, 960, 440, *updateGalleryShots)
			}
		}
	}
	for name := range galleryWants {
		if colours[name+" light"] == colours[name+" dark"] {
			t.Errorf("%s: the text is %s in both themes", name, colours[name+" light"])
		}
	}
}

// shot takes a screenshot of the tab, which must be w×h; with update it
// becomes docs/NAME.png.
func shot(t *testing.T, p *tab, name string, w, h int, update bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() != w || r.Dy() != h {
		t.Errorf("screenshot is %v, want %dx%d", r, w, h)
	}
	if update {
		if err := os.WriteFile(filepath.Join("..", "docs", name+".png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
