package render

import (
	"encoding/json"
	"github.com/syft-widget/syft-widget/render/notebooksanitizer"
	"regexp"
	"strings"
	"testing"
	"time"

	nethtml "golang.org/x/net/html"
)

const jobsTemplate = `<h3>{title}: <span data-field="total">{total}</span> jobs, {running} running</h3>
<ul data-field="jobs"><template data-each><li class="{state}">{name} — {state}</li></template></ul>
<div data-format="bytes" id="size">{size}</div><div data-format="sparkline">{trend}</div>
<small style="color:gray">as of {time}</small>`

func jobsBody(t *testing.T) string {
	t.Helper()
	tm, _, err := Compile(jobsTemplate, []string{"total", "running", "jobs", "size", "trend", "time"})
	if err != nil {
		t.Fatal(err)
	}
	body, err := tm.Body(map[string]any{
		"title": "Distributed Jobs", "total": 2, "running": 1, "size": 2048, "trend": []any{1, 4, 2},
		"time": "20:01:02",
		"jobs": []any{map[string]any{"name": "train</script><script>alert(1)</script>", "state": "running"},
			map[string]any{"name": "eval", "state": "failed"}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func TestCSPAllowsOnlyTheNoncedScript(t *testing.T) {
	csp := CSP("abc123")
	dirs := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		d = strings.TrimSpace(d)
		name, val, _ := strings.Cut(d, " ")
		dirs[name] = val
	}
	for name, want := range map[string]string{
		"default-src":    "'none'",
		"script-src":     "'nonce-abc123'",
		"style-src-elem": "'nonce-abc123'",
		"style-src-attr": "'unsafe-inline'",
		"img-src":        "data:",
		"connect-src":    "'self'",
		"base-uri":       "'none'",
		"object-src":     "'none'",
		"form-action":    "'none'",
		"style-src":      "'unsafe-inline'",
	} {
		if dirs[name] != want {
			t.Errorf("%s = %q, want %q (CSP %q)", name, dirs[name], want, csp)
		}
	}
	if strings.Contains(dirs["script-src"], "unsafe") {
		t.Errorf("script-src allows unsafe scripts: %q", csp)
	}
}

func TestLivePageCarriesTheNonceOnScriptAndStyle(t *testing.T) {
	var b strings.Builder
	p := Page{Name: "job_monitor", Title: "Jobs <&>", Style: ".x{color:red}</style><script>alert(1)</script>", Height: "auto",
		UpdateInterval: 250 * time.Millisecond}
	if err := LivePage(&b, p, jobsBody(t), 7, "N0nce"); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	for _, want := range []string{
		`<meta charset="utf-8">`, `<style nonce="N0nce">`, `<script nonce="N0nce">`, `<main id="sw-body">`,
		`id="sw-status"`, `data-version="7"`, `data-interval="250"`, `data-name="job_monitor"`, "<title>Jobs &lt;&amp;&gt;</title>",
		`.x{color:red}<\/style>`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	parsed, err := nethtml.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	scripts, styles := 0, 0
	eachElement(parsed, func(n *nethtml.Node) {
		nonce, _ := attr(n, "nonce")
		switch n.Data {
		case "script":
			scripts++
			if nonce != "N0nce" {
				t.Errorf("a <script> without the nonce")
			}
		case "style":
			styles++
			if nonce != "N0nce" {
				t.Errorf("a <style> without the nonce")
			}
		}
	})
	if scripts != 1 || styles != 1 {
		t.Errorf("page has %d <script> and %d <style> elements, want one each (the manifest style ended its element?)", scripts, styles)
	}
	// Every URL the client uses is relative to the page.
	if regexp.MustCompile(`["'\x60]/(w|events|data)`).MatchString(liveJS) || strings.Contains(liveJS, "http") {
		t.Errorf("the client uses an absolute URL")
	}
}

func TestEmbeddedScriptsCannotEndTheirScriptElement(t *testing.T) {
	for name, js := range map[string]string{"live.js": liveJS, "bootstrap.js": bootstrapJS} {
		low := strings.ToLower(js)
		if strings.Contains(low, "</script") || strings.Contains(low, "<!--") {
			t.Errorf("%s holds a sequence that ends or confuses a <script> element", name)
		}
	}
}

func textOf(n *nethtml.Node) string {
	var b strings.Builder
	var walk func(*nethtml.Node)
	walk = func(n *nethtml.Node) {
		if n.Type == nethtml.TextNode {
			b.WriteString(n.Data)
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(n)
	return b.String()
}

func TestCheckpointStaticLayerReadsRightAfterANotebookSanitizer(t *testing.T) {
	var b strings.Builder
	at := time.Date(2026, 11, 25, 20, 1, 2, 0, time.UTC)
	err := Checkpoint(&b, CheckpointInput{Page: Page{Name: "job_monitor", Title: "Distributed Jobs", Style: ".failed{color:red}",
		Width: "100%", Height: "auto"}, Body: jobsBody(t), At: at, LiveURL: "http://127.0.0.1:8123/w/job_monitor/?token=T"})
	if err != nil {
		t.Fatal(err)
	}
	frag := b.String()

	// The static layer itself: the first element, before the script.
	root, err := parseBody(frag)
	if err != nil {
		t.Fatal(err)
	}
	static := root.FirstChild
	if static.Type != nethtml.ElementNode || static.Data != "div" {
		t.Fatalf("fragment does not start with the static <div>: %s", frag)
	}
	eachElement(static, func(n *nethtml.Node) {
		switch n.Data {
		case "script", "style", "template", "iframe", "svg":
			t.Errorf("static layer holds a <%s>", n.Data)
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "data-") || a.Key == "style" {
				t.Errorf("static layer keeps %s on <%s>", a.Key, n.Data)
			}
		}
	})
	if id, _ := attr(static, "id"); id == "" {
		t.Errorf("static layer has no id for the bootstrap to find")
	}

	// What each notebook shows of it, as untrusted output, holds every value.
	res := notebooksanitizer.ForTest(t, frag)[0]
	for front, out := range map[string]string{"JupyterLab": res.JupyterLab, "classic Notebook": res.Classic} {
		shown := notebooksanitizer.VisibleText(out)
		for _, want := range []string{"Distributed Jobs: 2 jobs, 1 running", "train</script><script>alert(1)</script> — running",
			"eval — failed", "2 KiB", "▁█▃", "as of 20:01:02", "checkpoint · 2026-11-25 20:01:02 UTC"} {
			if !strings.Contains(shown, want) {
				t.Errorf("%s: the sanitized checkpoint lacks %q; shows %q", front, want, shown)
			}
		}
		if !strings.Contains(out, `class="failed"`) {
			t.Errorf("%s: the sanitized checkpoint lost its classes: %s", front, out)
		}
		if strings.Contains(out, "undefined") {
			t.Errorf("%s: the sanitizer mangled something into %q: %s", front, "undefined", out)
		}
	}
	if !strings.Contains(res.Classic, `id="size"`) {
		t.Errorf("classic Notebook: the sanitized checkpoint lost its ids: %s", res.Classic)
	}
}

func TestCheckpointScriptEmbedsEverythingAsEscapedJSON(t *testing.T) {
	var b strings.Builder
	err := Checkpoint(&b, CheckpointInput{Page: Page{Name: "w", Style: "a{b:c}</style><script>x</script>", Height: "300"},
		Body: jobsBody(t), At: time.Now(), LiveURL: "http://127.0.0.1:1/w/w/?token=</script>\u2028"})
	if err != nil {
		t.Fatal(err)
	}
	frag := b.String()
	if n := strings.Count(strings.ToLower(frag), "</script"); n != 1 {
		t.Errorf("fragment has %d </script sequences, want the one that closes the bootstrap", n)
	}
	if strings.ContainsRune(frag, '\u2028') {
		t.Errorf("fragment holds a raw U+2028")
	}
	i := strings.Index(frag, "<script>")
	js := frag[i+len("<script>") : strings.LastIndex(frag, "</script>")]
	cfgStart := strings.LastIndex(js, ")({")
	var cfg map[string]string
	if err := json.Unmarshal([]byte(js[cfgStart+2:len(js)-2]), &cfg); err != nil {
		t.Fatalf("bootstrap config is not JSON: %v\n%s", err, js[cfgStart:])
	}
	if cfg["height"] != "300px" || cfg["width"] != "100%" || cfg["liveURL"] != "http://127.0.0.1:1/w/w/?token=</script>\u2028" {
		t.Errorf("config = %v", cfg)
	}
	if !strings.Contains(cfg["srcdoc"], "<main id=\"sw-body\">") || !strings.Contains(cfg["srcdoc"], "a{b:c}<\\/style>") {
		t.Errorf("srcdoc lacks the body or the escaped style: %s", cfg["srcdoc"])
	}
}

func TestCheckpointWithoutServerHasNoLiveURL(t *testing.T) {
	var b strings.Builder
	if err := Checkpoint(&b, CheckpointInput{Page: Page{Name: "w"}, Body: "<p>x</p>", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"liveURL":""`) {
		t.Errorf("fragment without a server still names a live URL: %s", b.String())
	}
}

func TestCSSLengthsPassOnlyPlainLengths(t *testing.T) {
	for in, want := range map[string]string{"100%": "100%", "auto": "auto", "400": "400px", "12.5em": "12.5em",
		"": "D", "1px;background:red": "D", "expression(alert(1))": "D", "0": "0"} {
		if got := cssLength(in, "D"); got != want {
			t.Errorf("cssLength(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestChartsInTheStaticLayerAreTextOfBoundedWidth(t *testing.T) {
	tm, _, err := Compile(`<p data-format="sparkline">{long}</p><p data-format="bar">{one}</p><p data-format="bar">{few}</p>`, []string{"long", "one", "few"})
	if err != nil {
		t.Fatal(err)
	}
	long := make([]any, 5000)
	for i := range long {
		long[i] = i % 100
	}
	body, err := tm.Body(map[string]any{"long": long, "one": 0.25, "few": []any{0, 5, 10}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	static, err := staticBody(body)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(static, "<svg") {
		t.Errorf("the static layer keeps SVG: %s", static)
	}
	if n := strings.Count(static, "▁") + strings.Count(static, "█"); n == 0 {
		t.Errorf("no block characters: %s", static)
	}
	root, _ := parseBody(static)
	first := textOf(root.FirstChild)
	if n := len([]rune(first)); n > maxBlocks {
		t.Errorf("a 5,000-point sparkline is %d characters wide as text", n)
	}
	for _, want := range []string{`<meter min="0" max="1" value="0.25" title="25%">25%</meter> 25%`, `▁▅█`} {
		if !strings.Contains(static, want) {
			t.Errorf("the static layer lacks %s: %s", want, static)
		}
	}
}
