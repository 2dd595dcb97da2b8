package render

import (
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	nethtml "golang.org/x/net/html"

	"github.com/syft-widget/syft-widget/manifest"
)

//go:embed live.js
var liveJS string

//go:embed bootstrap.js
var bootstrapJS string

//go:embed base.css
var baseCSS string

// Page describes the document a widget is shown in.
type Page struct {
	Name           string
	Server         string // the background server that hosts it ("" for none)
	Title          string
	Style          string        // the manifest's CSS
	Width, Height  string        // CSS lengths; Height may be "auto"
	UpdateInterval time.Duration // polling period when the stream is buffered
}

// CSP is the Content-Security-Policy of a widget document with that nonce:
// only the page's own script and <style> (by nonce), inline style
// attributes, data: images, connections to its own origin, and nothing
// else. There is no frame-ancestors: pages are meant to be embedded, in
// notebooks whose origin can be anything (VS Code webviews, file:).
func CSP(nonce string) string {
	n := "'nonce-" + nonce + "'"
	return "default-src 'none'; script-src " + n + "; style-src 'unsafe-inline'; style-src-elem " + n +
		"; style-src-attr 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; " +
		"object-src 'none'; form-action 'none'"
}

// LivePage writes the HTML document served at /w/{name}/: the manifest's
// style, the rendered body inside <main id="sw-body">, a quiet status line
// and the client script, which keeps the body current. Every URL it uses is
// relative to the page.
func LivePage(w io.Writer, p Page, body string, version uint64, nonce string) error {
	n := html.EscapeString(nonce)
	interval := p.UpdateInterval
	if interval <= 0 {
		interval = time.Second
	}
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString(`<meta http-equiv="Content-Security-Policy" content="` + html.EscapeString(CSP(nonce)) + "\">\n")
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	b.WriteString("<meta name=\"referrer\" content=\"no-referrer\">\n")
	b.WriteString("<title>" + html.EscapeString(pageTitle(p)) + "</title>\n")
	b.WriteString(`<style nonce="` + n + `">` + styleText(p.Style) + "</style>\n</head>\n")
	fmt.Fprintf(&b, "<body data-name=\"%s\" data-version=\"%d\" data-interval=\"%d\" data-height=\"%s\">\n",
		html.EscapeString(p.Name), version, interval.Milliseconds(), html.EscapeString(cssLength(p.Height, "auto")))
	b.WriteString("<main id=\"sw-body\">" + body + "</main>\n")
	b.WriteString("<div id=\"sw-status\" role=\"status\">connecting…</div>\n")
	b.WriteString(`<script nonce="` + n + `">` + liveJS + "</script>\n</body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func pageTitle(p Page) string {
	if p.Title != "" {
		return p.Title
	}
	return p.Name
}

var styleEnd = regexp.MustCompile(`(?i)</style`)

// styleText is the base CSS and the manifest's CSS, safe inside <style>
// and loading nothing (CleanStyle).
func styleText(style string) string {
	style, _ = CleanStyle(style)
	return baseCSS + "\n" + styleEnd.ReplaceAllString(style, `<\/style`)
}

// cssLength passes "auto" and the lengths a manifest accepts (a bare
// number means pixels), and gives def for anything else.
func cssLength(s, def string) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "auto" || manifest.IsCSSLength(s):
		return s
	case manifest.IsCSSLength(s + "px"):
		return s + "px"
	}
	return def
}

// CheckpointInput is what a checkpoint fragment shows.
type CheckpointInput struct {
	Page    Page
	Body    string    // the rendered body (Template.Body)
	At      time.Time // when the data were read
	LiveURL string    // the live page, token included; "" keeps it a checkpoint (--no-server)
	ID      string    // id of the static layer; "" picks a random one
	Note    string    // said after the checkpoint's time, e.g. why it cannot turn live
}

// checkpointLayout is how the checkpoint line writes its time (in UTC).
const checkpointLayout = "2006-01-02 15:04:05 UTC"

// Checkpoint writes the fragment `render --checkpoint` prints: a static
// layer (the body with no script, <style>, <template>, iframe or data-*
// attribute, readable where a notebook sanitizes output) with a quiet
// "checkpoint · time" line, then a bootstrap script that, where scripts
// run, puts the checkpoint in a sandboxed srcdoc iframe and, with a
// LiveURL, swaps in the live page once it announces itself.
func Checkpoint(w io.Writer, c CheckpointInput) error {
	static, err := staticBody(c.Body)
	if err != nil {
		return err
	}
	id := c.ID
	if id == "" {
		id = "sw-cp-" + strings.ToLower(rand.Text()[:12])
	}
	when := "checkpoint · " + c.At.UTC().Format(checkpointLayout)
	if c.Note != "" {
		when += " · " + c.Note
	}
	var b strings.Builder
	b.WriteString(`<div id="` + html.EscapeString(id) + `" class="syft-widget-checkpoint">`)
	b.WriteString(static)
	// No style attribute: classic Notebook's sanitizer turns one into
	// "undefined:undefined"; <small> says it quietly everywhere.
	b.WriteString(`<p><small>` + html.EscapeString(when) + "</small></p></div>\n")

	cfg := map[string]string{
		"id":      id,
		"name":    c.Page.Name,
		"server":  c.Page.Server,
		"title":   pageTitle(c.Page),
		"width":   cssLength(c.Page.Width, "100%"),
		"height":  cssLength(c.Page.Height, "auto"),
		"liveURL": c.LiveURL,
		"srcdoc":  checkpointDoc(c.Page, c.Body, when),
	}
	// encoding/json escapes <, >, & and U+2028/9, so nothing in cfg can end
	// the <script> element or break the JavaScript string.
	js, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	b.WriteString("<script>(" + strings.TrimSpace(bootstrapJS) + ")(" + string(js) + ");</script>\n")
	_, err = io.WriteString(w, b.String())
	return err
}

// checkpointDoc is the document of the checkpoint iframe: the page's style,
// the body and a tiny script that reports its height and follows the theme.
func checkpointDoc(p Page, body, when string) string {
	name, _ := json.Marshal(p.Name)
	class := ""
	if cssLength(p.Height, "auto") == "auto" {
		class = ` class="sw-auto"`
	}
	// The same CSP as the live page: the srcdoc document may not load
	// anything from outside either.
	nonce := strings.ToLower(rand.Text()[:16])
	return "<!DOCTYPE html><html lang=\"en\"" + class + "><head><meta charset=\"utf-8\">" +
		"<meta http-equiv=\"Content-Security-Policy\" content=\"" + html.EscapeString(CSP(nonce)) + "\">" +
		"<meta name=\"referrer\" content=\"no-referrer\">" +
		"<title>" + html.EscapeString(pageTitle(p)) + "</title><style nonce=\"" + nonce + "\">" + styleText(p.Style) + "</style></head>" +
		"<body data-name=\"" + html.EscapeString(p.Name) + "\"><main id=\"sw-body\">" + body + "</main>" +
		"<div id=\"sw-status\">" + html.EscapeString(when) + "</div><script nonce=\"" + nonce + "\">(function(){var n=" + string(name) +
		",r=document.documentElement;function h(){parent.postMessage({type:\"syft-widget\",kind:\"height\",name:n," +
		"height:Math.ceil(r.getBoundingClientRect().height)},\"*\")}if(window.ResizeObserver)new ResizeObserver(h).observe(r);h();" +
		"addEventListener(\"message\",function(e){var d=e.data;if(e.source===parent&&d&&d.type===\"syft-widget-theme\")" +
		"r.setAttribute(\"data-theme\",d.theme===\"dark\"?\"dark\":\"light\")})})();</script></body></html>"
}

// staticBody is the body as every notebook's sanitizer keeps it: no
// data-* or style attributes and none of the elements sanitizers strip; charts
// (inline SVG, which every notebook sanitizer removes) in their text form.
func staticBody(body string) (string, error) {
	root, err := parseBody(body)
	if err != nil {
		return "", fmt.Errorf("cannot read the rendered body: %w", err)
	}
	var strip func(n *nethtml.Node)
	strip = func(n *nethtml.Node) {
		for ch := n.FirstChild; ch != nil; {
			next := ch.NextSibling
			if ch.Type == nethtml.CommentNode {
				n.RemoveChild(ch)
			} else if ch.Type == nethtml.ElementNode {
				switch ch.Data {
				case "template", "style", "script", "iframe", "object", "embed", "link", "meta", "base", "noscript":
					n.RemoveChild(ch)
				case "svg":
					if text := chartText(ch); text != nil {
						n.InsertBefore(text, ch)
						n.RemoveChild(ch)
					} else {
						n.RemoveChild(ch) // sanitizers drop it: say nothing rather than half
					}
				default:
					kept := ch.Attr[:0]
					for _, a := range ch.Attr {
						// Classic Notebook's sanitizer turns any style
						// attribute into "undefined:undefined"; the layer reads
						// right with no CSS at all.
						if !strings.HasPrefix(a.Key, "data-") && a.Key != "style" {
							kept = append(kept, a)
						}
					}
					ch.Attr = kept
					strip(ch)
				}
			}
			ch = next
		}
	}
	strip(root)
	var b strings.Builder
	for ch := root.FirstChild; ch != nil; ch = ch.NextSibling {
		if err := nethtml.Render(&b, ch); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// sparkBlocks are the levels of a sparkline drawn as text.
var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// maxBlocks bounds a chart drawn as text: longer lists are sampled, so it
// stays about as wide as the SVG it stands for.
const maxBlocks = 60

// chartText is the text form of a chart that data-format drew as SVG: a
// sparkline or a list of bars as block characters (the numbers in its
// title), a single bar as a <meter> followed by its value. It reads the
// numbers back from the chart's label. nil for any other SVG.
func chartText(svg *nethtml.Node) *nethtml.Node {
	var class, label string
	for _, a := range svg.Attr {
		switch a.Key {
		case "class":
			class = a.Val
		case "aria-label":
			label = a.Val
		}
	}
	el := func(tag string, attrs ...string) *nethtml.Node {
		n := &nethtml.Node{Type: nethtml.ElementNode, Data: tag}
		for i := 0; i+1 < len(attrs); i += 2 {
			n.Attr = append(n.Attr, nethtml.Attribute{Key: attrs[i], Val: attrs[i+1]})
		}
		return n
	}
	text := func(s string) *nethtml.Node { return &nethtml.Node{Type: nethtml.TextNode, Data: s} }
	switch class {
	case "sw-sparkline", "sw-bars":
		var ns []float64
		for _, f := range strings.Split(label, ",") {
			n, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				return nil
			}
			ns = append(ns, n)
		}
		if len(ns) > maxBlocks {
			picked := make([]float64, maxBlocks) // evenly, first and last included
			for i := range picked {
				picked[i] = ns[i*(len(ns)-1)/(maxBlocks-1)]
			}
			ns = picked
		}
		span := el("span", "class", class, "title", label, "role", "img", "aria-label", label)
		span.AppendChild(text(blocks(ns, class == "sw-bars")))
		return span
	case "sw-bar":
		pct, err := strconv.ParseFloat(strings.TrimSuffix(label, "%"), 64)
		if err != nil {
			return nil
		}
		f := math.Max(0, math.Min(1, pct/100))
		span := el("span", "class", class)
		m := el("meter", "min", "0", "max", "1", "value", strconv.FormatFloat(f, 'f', -1, 64), "title", label)
		m.AppendChild(text(label))
		span.AppendChild(m)
		span.AppendChild(text(" " + label))
		return span
	}
	return nil
}

// blocks draws ns as block characters: scaled from the lowest to the
// highest value for a sparkline, from zero to the highest for bars.
func blocks(ns []float64, fromZero bool) string {
	if len(ns) == 0 {
		return ""
	}
	lo, hi := slices.Min(ns), slices.Max(ns)
	if fromZero {
		lo, hi = 0, math.Max(hi, 0)
	}
	top := len(sparkBlocks) - 1
	var b strings.Builder
	for _, n := range ns {
		i := top / 2
		if hi > lo {
			i = int(math.Round((math.Max(n, lo) - lo) / (hi - lo) * float64(top)))
		}
		b.WriteRune(sparkBlocks[max(0, min(top, i))])
	}
	return b.String()
}
