//go:build linux

package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/syft-widget/syft-widget/serve/background"
)

// The SyftBox gallery as a notebook user runs it: each widget rendered in a
// real Jupyter kernel with `out = !syft-widget render --checkpoint`, all of
// them hosted by one background server (they share server: syftbox_gallery).
func TestGalleryRendersInARealNotebook(t *testing.T) {
	requireJupyter(t)
	home := t.TempDir()
	stopAll(t, home)
	examples, err := filepath.Abs("../../examples/manifests")
	if err != nil {
		t.Fatal(err)
	}
	shows := map[string][]string{
		"syftbox_permissions": {"Permissions overview", "6</b> permission files", "alice@openmined.org, *@example.org"},
		"syftbox_rpc":         {"RPC monitor", "4</b> calls", "973 ms", "2.5 s"},
		"syftbox_jobs":        {"Jobs dashboard", "aggregate-stats", "45 min 30 s", "58%"},
		"syftbox_sync":        {"Sync health", "24</b> files in sync", "scores.conflict.csv"},
		"syftbox_storage":     {"Datasite storage", "5 KiB", "45.2%"},
	}
	var cells [][2]string
	for name := range shows {
		cells = append(cells, [2]string{name, "out = !syft-widget render --checkpoint " + filepath.Join(examples, name+".yaml") + "\n" +
			"from IPython.display import HTML; HTML(out.n)\n"})
	}
	file := filepath.Join(t.TempDir(), "gallery.ipynb")
	writeNotebook(t, file, cells...)
	nb := execute(t, home, file)
	for name, wants := range shows {
		c := nb.cellWith(t, name+".yaml")
		html := c.text()
		for _, want := range append(wants, "checkpoint · ") {
			if !strings.Contains(html, want) {
				t.Errorf("%s: the cell lacks %q:\n%.1500s", name, want, html)
			}
		}
		if !liveURLRE.MatchString(html) {
			t.Errorf("%s: no live URL in the fragment", name)
		}
	}
	recs := background.Records(home)
	if len(recs) != 1 || recs[0].Name != "syftbox_gallery" || len(recs[0].Manifests) != 5 {
		var got []string
		for _, r := range recs {
			got = append(got, r.Name+" "+strings.Join(r.Manifests, ","))
		}
		t.Errorf("want the gallery hosted by one server syftbox_gallery with 5 manifests, got %v", got)
	}
}
