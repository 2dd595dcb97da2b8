package serve

import (
	"bytes"
	"fmt"
	"github.com/syft-widget/syft-widget/serve/widget"
	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"html"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/syft-widget/syft-widget/render/notebooksanitizer"
)

// What each example must show in its checkpoint, with no script running.
var exampleShows = map[string][]string{
	"job_monitor": {"Distributed Jobs", "4", "train-model", "running", "aggregate-stats", "42%"},
	"live_clock":  {"Live Clock"},
	"log_tail":    {"Syft client log", "sync complete: 1285 files", "permission denied"},
	"metrics":     {"Training metrics", "Step 30 of", "95.5%", "512 B"},
	"permissions": {"Permissions overview", "alice@openmined.org/public", "bob@openmined.org/private", "3"},
}

func exampleFiles(t *testing.T) []string {
	files, _ := filepath.Glob("../examples/manifests/*.yaml")
	if len(files) != len(exampleShows) {
		t.Fatalf("examples %v; exampleShows lists %d", files, len(exampleShows))
	}
	return files
}

func TestEveryExampleCheckpointReadsRightInEveryNotebookSanitizer(t *testing.T) {
	var names, frags []string
	for _, f := range exampleFiles(t) {
		w, err := widget.Load(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		if errs := w.State().Errors; len(errs) > 0 {
			t.Errorf("%s: fields failed: %v", f, errs)
		}
		var b bytes.Buffer
		if err := w.Checkpoint(&b, "http://127.0.0.1:1/w/"+w.M.Name+"/?token=T"); err != nil {
			t.Fatal(err)
		}
		// The static layer needs nothing that a sanitizer removes.
		static, _, _ := strings.Cut(b.String(), "<script")
		for _, banned := range []string{"<style", "<iframe", "<template", "<svg", " data-", " style="} {
			if strings.Contains(static, banned) {
				t.Errorf("%s: the static layer contains %q", w.M.Name, banned)
			}
		}
		names, frags = append(names, w.M.Name), append(frags, b.String())
	}
	for i, res := range notebooksanitizer.ForTest(t, frags...) {
		name := names[i]
		for front, out := range map[string]string{"JupyterLab": res.JupyterLab, "classic Notebook": res.Classic} {
			text := notebooksanitizer.VisibleText(out)
			for _, want := range append(exampleShows[name], "checkpoint ·") {
				if !strings.Contains(text, want) {
					t.Errorf("%s in %s: the sanitized checkpoint lacks %q:\n%s", name, front, want, text)
				}
			}
			if name == "live_clock" && !regexp.MustCompile(`\d\d:\d\d:\d\d`).MatchString(text) {
				t.Errorf("live_clock in %s shows no time: %s", front, text)
			}
			if name == "metrics" && !regexp.MustCompile(`[▁▂▃▄▅▆▇█]{3}`).MatchString(text) {
				t.Errorf("metrics in %s shows no sparkline as text: %s", front, text)
			}
			if strings.Contains(out, "undefined") {
				t.Errorf("%s in %s: the sanitizer mangled markup into %q: %s", name, front, "undefined", out)
			}
		}
	}
}

// TestHostileCheckpointShowsItsDataAsTextInEveryNotebookSanitizer: data
// that looks like markup reads as the same text after both sanitizers, and
// nothing active survives.
func TestHostileCheckpointShowsItsDataAsTextInEveryNotebookSanitizer(t *testing.T) {
	ts := startTestServer(t, Config{Name: "test"})
	text, attr, item, data := hostileData(1)
	ts.write(t, "evil.json", data)
	if err := ts.Load(ts.write(t, "hostile.yaml", hostileManifest)); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := ts.Widget("hostile").Checkpoint(&b, ""); err != nil {
		t.Fatal(err)
	}
	res := notebooksanitizer.ForTest(t, b.String())[0]
	for front, out := range map[string]string{"JupyterLab": res.JupyterLab, "classic Notebook": res.Classic} {
		shown := notebooksanitizer.VisibleText(out)
		for _, want := range []string{text, item} {
			if !strings.Contains(shown, want) {
				t.Errorf("%s: the hostile checkpoint lacks %q as text; shows %q", front, want, shown)
			}
		}
		if !strings.Contains(out, html.EscapeString(attr)) && !strings.Contains(out, strings.ReplaceAll(html.EscapeString(attr), "&#34;", "&quot;")) {
			t.Errorf("%s: the hostile attribute value did not survive as text: %s", front, out)
		}
		if bad := activeMarkup(t, out); bad != "" {
			t.Errorf("%s: %s survives: %s", front, bad, out)
		}
	}
}

func TestEveryExampleCheckpointShowsItsDataInChromium(t *testing.T) {
	p := newTab(t)
	var cells strings.Builder
	var names []string
	for i, f := range exampleFiles(t) {
		w, err := widget.Load(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&cells, `<div id="cell%d">`, i)
		if err := w.Checkpoint(&cells, ""); err != nil {
			t.Fatal(err)
		}
		cells.WriteString("</div>")
		names = append(names, w.M.Name)
	}
	p.navigate(notebook(t, cells.String()))
	for i, name := range names {
		fr := p.frame(fmt.Sprintf("#cell%d %s", i, checkpointFrame))
		for _, want := range exampleShows[name] {
			fr.wait(name+" shows "+want, `document.body && document.body.textContent.includes(`+js(want)+`)`)
		}
	}
}

// activeMarkup names the first element or attribute in fragment that could
// run code (script, svg, iframe, object, embed, on* handlers, javascript:
// URLs), or is "".
func activeMarkup(t *testing.T, fragment string) string {
	nodes, err := nethtml.ParseFragment(strings.NewReader(fragment), &nethtml.Node{Type: nethtml.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		t.Fatal(err)
	}
	var bad string
	var walk func(*nethtml.Node)
	walk = func(n *nethtml.Node) {
		if n.Type == nethtml.ElementNode && bad == "" {
			switch n.Data {
			case "script", "svg", "iframe", "object", "embed":
				bad = "<" + n.Data + ">"
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") || strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
					bad = a.Key + "=" + a.Val
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return bad
}
