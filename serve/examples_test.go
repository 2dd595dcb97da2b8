package serve

import (
	"bytes"
	"fmt"
	"github.com/syft-widget/syft-widget/serve/widget"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// What each example must show in its checkpoint, with no script running.
var exampleShows = map[string][]string{
	"job_monitor": {"Distributed Jobs", "4", "train-model", "running", "aggregate-stats", "42%"},
	"live_clock":  {"Live Clock"},
	"log_tail":    {"Syft client log", "sync complete: 1285 files", "permission denied"},
	"metrics":     {"Training metrics", "Step 30 of", "95.5%", "512 B"},
	"permissions": {"Permissions overview", "alice@openmined.org/public", "bob@openmined.org/private", "3"},
}

// sanitize does to a fragment what JupyterLab, Notebook 7, nbviewer and
// GitHub do to untrusted output: script, style and iframe elements and data-*
// attributes go. It returns the text a reader then sees.
func sanitize(t *testing.T, fragment string) (text string) {
	t.Helper()
	nodes, err := html.ParseFragment(strings.NewReader(fragment), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		t.Fatal(err)
	}
	var clean func(n *html.Node)
	clean = func(n *html.Node) {
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			if c.Type == html.ElementNode && (c.Data == "script" || c.Data == "style" || c.Data == "iframe" || c.Data == "template") {
				n.RemoveChild(c)
			} else {
				clean(c)
			}
			c = next
		}
		var attrs []html.Attribute
		for _, a := range n.Attr {
			if !strings.HasPrefix(a.Key, "data-") {
				attrs = append(attrs, a)
			}
		}
		n.Attr = attrs
	}
	var txt bytes.Buffer
	for _, n := range nodes {
		clean(n)
		var walk func(*html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.TextNode {
				txt.WriteString(n.Data)
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(n)
	}
	return strings.Join(strings.Fields(txt.String()), " ")
}

func exampleFiles(t *testing.T) []string {
	files, _ := filepath.Glob("../examples/manifests/*.yaml")
	if len(files) != len(exampleShows) {
		t.Fatalf("examples %v; exampleShows lists %d", files, len(exampleShows))
	}
	return files
}

func TestEveryExampleCheckpointReadsRightInASanitizingNotebook(t *testing.T) {
	for _, f := range exampleFiles(t) {
		w, err := widget.Load(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		if errs := w.State().Errors; len(errs) > 0 {
			t.Errorf("%s: fields failed: %v", f, errs)
		}
		var b bytes.Buffer
		if err := w.Checkpoint(&b, ""); err != nil {
			t.Fatal(err)
		}
		text := sanitize(t, b.String())
		for _, want := range append(exampleShows[w.M.Name], "checkpoint ·") {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the sanitized checkpoint lacks %q:\n%s", w.M.Name, want, text)
			}
		}
		if w.M.Name == "live_clock" && !regexp.MustCompile(`\d\d:\d\d:\d\d`).MatchString(text) {
			t.Errorf("live_clock shows no time: %s", text)
		}
		// The static layer needs nothing that a sanitizer removes.
		static, _, _ := strings.Cut(b.String(), "<script")
		for _, banned := range []string{"<style", "<iframe", "<template", " data-"} {
			if strings.Contains(static, banned) {
				t.Errorf("%s: the static layer contains %q", w.M.Name, banned)
			}
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
