package render

import (
	"strings"
	"testing"

	nethtml "golang.org/x/net/html"
)

// Elements the renderer itself may add to a body: inline SVG of the
// sparkline and bar formats.
var rendererElements = setOf("svg", "polyline", "rect", "title")

// FuzzCompile compiles arbitrary templates and renders them with hostile
// values: Compile may refuse a template, but never panics, and whatever it
// accepts renders to markup with no script, no event handler, no
// javascript: URL and no element outside the allow-list.
func FuzzCompile(f *testing.F) {
	values := map[string]any{
		"a":    `<script>alert(1)</script>" onmouseover="x`,
		"b":    "javascript:alert(1)",
		"n":    1536,
		"list": []any{map[string]any{"name": "<img src=x onerror=alert(1)>", "url": "javascript:x"}, "plain", 0.25},
		"obj":  map[string]any{"k": []any{1, 2, 3}},
	}
	fields := []string{"a", "b", "n", "list", "obj"}
	f.Fuzz(func(t *testing.T, src string) {
		tm, removed, err := Compile(src, fields)
		if err != nil {
			return
		}
		for _, r := range removed {
			if !strings.HasPrefix(r, "removed ") {
				t.Errorf("removed message does not read as a sentence: %q", r)
			}
		}
		out, err := tm.Body(values, map[string]string{"a": "stale <msg>"})
		if err != nil {
			t.Fatalf("Body of an accepted template failed: %v\ntemplate: %q", err, src)
		}
		root, err := parseBody(out)
		if err != nil {
			t.Fatal(err)
		}
		eachElement(root, func(n *nethtml.Node) {
			if !allowedElements[n.Data] && !rendererElements[n.Data] || n.Data == "template" {
				t.Errorf("output has a <%s> element\ntemplate: %q\noutput: %s", n.Data, src, out)
			}
			for _, a := range n.Attr {
				// The scheme as a browser reads it: spaces around and tabs or
				// newlines inside do not count.
				v := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
				scheme := ""
				if m := urlScheme.FindStringSubmatch(v); m != nil {
					scheme = m[1]
				}
				isURL := a.Key == "href" || a.Key == "src"
				if strings.HasPrefix(a.Key, "on") || isURL && (scheme == "javascript" || scheme == "vbscript") {
					t.Errorf("output has %s=%q on <%s>\ntemplate: %q\noutput: %s", a.Key, a.Val, n.Data, src, out)
				}
			}
		})
	})
}
