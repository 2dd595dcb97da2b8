// Package notebooksanitizer runs HTML through the real sanitizers of
// notebook front ends, for tests of what a notebook shows of untrusted
// output: JupyterLab's (the Sanitizer of @jupyterlab/apputils, installed
// under testdata/sanitizers by `npm ci`) and classic Notebook's (its
// security.sanitize_html, from Debian's python3-notebook), both under Node.
package notebooksanitizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// ClassicStatic is where Debian's python3-notebook keeps classic
// Notebook's static files.
const ClassicStatic = "/usr/lib/python3/dist-packages/notebook/static/"

// Result is one fragment as each front end keeps it.
type Result struct {
	JupyterLab string `json:"jupyterlab"`
	Classic    string `json:"classic"`
}

// ErrMissing reports that Node, the npm packages or classic Notebook's
// files are not installed (.ci/run installs them).
var ErrMissing = errors.New("the notebook sanitizers are not installed")

func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "sanitizers")
}

// Available returns nil when every part the sanitizers need is there, or
// an error wrapping ErrMissing that says what is not.
func Available() error {
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("%w: no node on PATH", ErrMissing)
	}
	if _, err := os.Stat(filepath.Join(dir(), "node_modules", "@jupyterlab", "apputils", "lib", "sanitizer.js")); err != nil {
		return fmt.Errorf("%w: run npm ci in %s", ErrMissing, dir())
	}
	if _, err := os.Stat(ClassicStatic + "base/js/security.js"); err != nil {
		return fmt.Errorf("%w: apt-get install python3-notebook", ErrMissing)
	}
	return nil
}

// Sanitize runs every fragment through both sanitizers, in one Node process.
func Sanitize(fragments []string) ([]Result, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	in, err := json.Marshal(fragments)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("node", filepath.Join(dir(), "sanitize.mjs"))
	cmd.Dir = dir()
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("the sanitizers failed: %v: %s", err, stderr.String())
	}
	var res []Result
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(fragments) {
		return nil, fmt.Errorf("the sanitizers answered %d results for %d fragments (%v)", len(res), len(fragments), err)
	}
	return res, nil
}

var blocks = map[string]bool{"p": true, "div": true, "li": true, "td": true, "th": true, "tr": true, "br": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "table": true, "ul": true, "ol": true, "dt": true, "dd": true}

// T is the part of testing.TB that ForTest uses.
type T interface {
	Helper()
	Skipf(format string, args ...any)
	Fatal(args ...any)
}

// ForTest is Sanitize for a test: without the sanitizers the test is
// skipped, except where $CI is "true", where it fails.
func ForTest(t T, fragments ...string) []Result {
	t.Helper()
	res, err := Sanitize(fragments)
	if errors.Is(err, ErrMissing) && os.Getenv("CI") != "true" {
		t.Skipf("skipping: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// VisibleText is the text a reader sees of an HTML fragment with no CSS and
// no script: text nodes, with runs of white space as one space, leaving out
// what a browser does not show (script, style, template, the fallback
// content of <meter> and <progress>).
func VisibleText(fragment string) string {
	nodes, err := html.ParseFragment(strings.NewReader(fragment), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		return ""
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		if n.Type == html.ElementNode {
			if blocks[n.Data] {
				b.WriteByte(' ')
			}
			switch n.Data {
			case "script", "style", "template", "meter", "progress", "noscript":
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type == html.ElementNode && blocks[n.Data] {
			b.WriteByte(' ') // blocks and cells do not run into each other
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
