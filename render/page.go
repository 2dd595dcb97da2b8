package render

import (
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"fmt"
	"github.com/syft-widget/syft-widget/manifest"
	"html"
	"io"
	"regexp"
	"strings"
	"time"

	nethtml "golang.org/x/net/html"
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
	var b strings.Builder
	b.WriteString(`<div id="` + html.EscapeString(id) + `" class="syft-widget-checkpoint">`)
	b.WriteString(static)
	b.WriteString(`<div style="font-size:11px;color:#888;margin-top:4px;font-family:system-ui,sans-serif">` +
		html.EscapeString(when) + "</div></div>\n")

	cfg := map[string]string{
		"id":      id,
		"name":    c.Page.Name,
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

// staticBody is the body as a notebook's sanitizer would keep it: no
// data-* attributes and none of the elements sanitizers strip.
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
				default:
					kept := ch.Attr[:0]
					for _, a := range ch.Attr {
						if !strings.HasPrefix(a.Key, "data-") {
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
