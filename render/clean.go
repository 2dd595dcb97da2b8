package render

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The allow-list of template markup. cleaner applies it to the parsed tree
// (and says what it took out); policy applies the same rules again with
// bluemonday to the serialised result, which is what gets compiled.
var (
	allowedElements = setOf("a", "abbr", "article", "aside", "b", "bdi", "blockquote", "br", "caption",
		"cite", "code", "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em",
		"figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img",
		"ins", "kbd", "li", "mark", "meter", "nav", "ol", "p", "pre", "progress", "q", "s", "samp",
		"section", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "template",
		"tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr")
	globalAttrs = setOf("class", "id", "style", "title", "lang", "dir", "role", "hidden",
		"aria-label", "aria-hidden", "aria-live", "aria-describedby", "aria-labelledby",
		"aria-valuenow", "aria-valuemin", "aria-valuemax")
	elementAttrs = map[string]map[string]bool{
		"a":        setOf("href"),
		"img":      setOf("src", "alt", "width", "height"),
		"td":       setOf("colspan", "rowspan"),
		"th":       setOf("colspan", "rowspan", "scope"),
		"ol":       setOf("start", "reversed"),
		"details":  setOf("open"),
		"time":     setOf("datetime"),
		"progress": setOf("value", "max"),
		"meter":    setOf("value", "min", "max", "low", "high", "optimum"),
		"col":      setOf("span"),
		"colgroup": setOf("span"),
	}
	// Elements removed together with their content.
	skipContent = setOf("script", "style", "iframe", "object", "embed", "noscript", "noembed",
		"noframes", "frame", "frameset", "title", "svg", "math", "textarea", "select", "xmp",
		"plaintext", "head")
	hrefSchemes = setOf("http", "https", "mailto")
	dataAttr    = regexp.MustCompile(`^data-[a-z][a-z0-9_-]*$`)
	// What bluemonday's AllowDataURIImages accepts.
	dataImage = regexp.MustCompile(`^data:image/(gif|jpeg|png|svg\+xml|webp);base64,`)
	urlScheme = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*):`)
	// A literal URL start that a placeholder could turn into a scheme.
	schemeStart = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*$`)
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

var policy = newPolicy()

func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	var els []string
	for e := range allowedElements {
		els = append(els, e)
	}
	p.AllowElements(els...)
	p.AllowNoAttrs().OnElements(els...)
	var global []string
	for a := range globalAttrs {
		global = append(global, a)
	}
	p.AllowAttrs(global...).Globally()
	p.AllowDataAttributes()
	for e, attrs := range elementAttrs {
		for a := range attrs {
			p.AllowAttrs(a).OnElements(e)
		}
	}
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(true)
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowDataURIImages()
	var skip []string
	for e := range skipContent {
		skip = append(skip, e)
	}
	p.SkipElementsContent(skip...)
	return p
}

var bodyContext = &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}

// parseBody parses a fragment as the content of <body> into a holder node.
func parseBody(src string) (*html.Node, error) {
	nodes, err := html.ParseFragment(strings.NewReader(src), bodyContext)
	if err != nil {
		return nil, err
	}
	root := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	return root, nil
}

// cleaner applies the allow-list to a parsed template and records what it
// removed, as sentences.
type cleaner struct {
	known   func(path string, inEach bool) bool
	removed []string
	seen    map[string]int // message -> index in removed, to count repeats
	counts  []int
}

func (c *cleaner) report(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if i, ok := c.seen[msg]; ok {
		c.counts[i]++
		return
	}
	if c.seen == nil {
		c.seen = map[string]int{}
	}
	c.seen[msg] = len(c.removed)
	c.removed = append(c.removed, msg)
	c.counts = append(c.counts, 1)
}

func (c *cleaner) messages() []string {
	out := make([]string, len(c.removed))
	for i, m := range c.removed {
		if c.counts[i] > 1 {
			m = fmt.Sprintf("%s (%d times)", m, c.counts[i])
		}
		out[i] = m
	}
	return out
}

func (c *cleaner) clean(n *html.Node, inEach bool) {
	for ch := n.FirstChild; ch != nil; {
		next := ch.NextSibling
		switch ch.Type {
		case html.TextNode:
		case html.ElementNode:
			name := ch.Data
			switch {
			case ch.Namespace != "" && !skipContent[name]:
				// Foreign content (inside svg/math) is dropped with its root.
				c.report("removed <%s> element", name)
				n.RemoveChild(ch)
			case !allowedElements[name]:
				if skipContent[name] || isVoid(name) || ch.FirstChild == nil {
					c.report("removed <%s> element", name)
					n.RemoveChild(ch)
					break
				}
				c.report("removed <%s> element (kept its content)", name)
				first := ch.FirstChild
				for gc := ch.FirstChild; gc != nil; {
					g := gc.NextSibling
					ch.RemoveChild(gc)
					n.InsertBefore(gc, ch)
					gc = g
				}
				n.RemoveChild(ch)
				next = first // clean the lifted children too
			default:
				c.cleanAttrs(ch, inEach)
				c.clean(ch, inEach || (name == "template" && hasAttr(ch, "data-each")))
			}
		default: // comments, doctypes
			n.RemoveChild(ch)
		}
		ch = next
	}
}

func (c *cleaner) cleanAttrs(n *html.Node, inEach bool) {
	kept := n.Attr[:0]
	for _, a := range n.Attr {
		if a.Namespace != "" || !(globalAttrs[a.Key] || elementAttrs[n.Data][a.Key] ||
			dataAttr.MatchString(a.Key) && !strings.HasPrefix(a.Key, "data-xml")) {
			c.report("removed attribute %s from <%s>", a.Key, n.Data)
			continue
		}
		if (a.Key == "href" || a.Key == "src") && !c.urlOK(n.Data, a, inEach) {
			continue
		}
		if a.Key == "style" {
			const mark = "swPHswPH"
			probe := placeholderRE.ReplaceAllStringFunc(a.Val, func(m string) string {
				if c.known(m[1:len(m)-1], inEach) {
					return mark
				}
				return m
			})
			if ok, why := styleAttrOK(probe, mark); !ok {
				c.report("removed style of <%s>: %s", n.Data, why)
				continue
			}
		}
		kept = append(kept, a)
	}
	n.Attr = kept
}

// urlOK checks a URL attribute. Where a placeholder starts the URL,
// html/template filters the value at render time; the literal part must
// settle the scheme, so that no value can complete "java" into "javascript:".
func (c *cleaner) urlOK(el string, a html.Attribute, inEach bool) bool {
	v := strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1 // browsers ignore these inside URLs
		}
		return r
	}, strings.TrimSpace(a.Val))
	locs := placeholderRE.FindAllStringSubmatchIndex(v, -1)
	prefix, hasPH := v, false
	for _, l := range locs {
		if c.known(v[l[2]:l[3]], inEach) {
			prefix, hasPH = v[:l[0]], true
			break
		}
	}
	// The value as bluemonday will see it: brace groups become sentinels.
	probe := placeholderRE.ReplaceAllString(v, "AAAA")
	if hasPH && prefix == "" {
		return true
	}
	scheme := ""
	if m := urlScheme.FindStringSubmatch(prefix); m != nil {
		scheme = strings.ToLower(m[1])
	}
	if el == "img" {
		if dataImage.MatchString(probe) && validBase64(probe[len(dataImage.FindString(probe)):]) {
			return true
		}
		what := "relative"
		if scheme != "" {
			what = scheme + ":"
		}
		c.report("removed %s URL from src of <img> (widget pages show only base64 data: images)", what)
		return false
	}
	switch {
	case scheme != "" && !hrefSchemes[scheme]:
		c.report("removed %s: URL from %s of <%s>", scheme, a.Key, el)
		return false
	case hasPH && scheme == "" && schemeStart.MatchString(prefix):
		c.report("removed %s of <%s>: a placeholder may not complete the scheme of a URL", a.Key, el)
		return false
	}
	if strings.ContainsAny(probe, " \t\n") {
		c.report("removed %s of <%s>: a URL cannot contain spaces", a.Key, el)
		return false
	}
	if u, err := url.Parse(probe); err != nil || u.String() == "" {
		c.report("removed %s of <%s>: not a valid URL", a.Key, el)
		return false
	}
	return true
}

func validBase64(s string) bool {
	_, err := base64.StdEncoding.DecodeString(s)
	return err == nil
}

func hasAttr(n *html.Node, key string) bool {
	_, ok := attr(n, key)
	return ok
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val, true
		}
	}
	return "", false
}

func isVoid(name string) bool {
	switch name {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
		"param", "source", "track", "wbr":
		return true
	}
	return false
}

// sanitize runs the cleaned tree through bluemonday and parses the result.
// Brace groups in attribute values are swapped for inert sentinels on the
// way (bluemonday re-encodes URLs, which would mangle "{id}"), and back.
// drift is true when bluemonday removed something the cleaner kept.
func sanitize(root *html.Node, src string) (out *html.Node, drift bool, err error) {
	prefix := "swph"
	for strings.Contains(src, prefix) {
		prefix += "x"
	}
	var originals []string
	protect := func(v string) string {
		return placeholderRE.ReplaceAllStringFunc(v, func(m string) string {
			s := fmt.Sprintf("%s%04d", prefix, len(originals))
			for len(s)%4 != 0 { // stays valid base64 inside a data: URL
				s += "A"
			}
			originals = append(originals, m)
			return s
		})
	}
	eachElement(root, func(n *html.Node) {
		for i := range n.Attr {
			n.Attr[i].Val = protect(n.Attr[i].Val)
		}
	})
	var b strings.Builder
	for ch := root.FirstChild; ch != nil; ch = ch.NextSibling {
		if err := html.Render(&b, ch); err != nil {
			return nil, false, err
		}
	}
	cleaned := policy.Sanitize(b.String())
	out, err = parseBody(cleaned)
	if err != nil {
		return nil, false, err
	}
	before, err := parseBody(b.String())
	if err != nil {
		return nil, false, err
	}
	drift = shape(before) != shape(out)
	sentinel := regexp.MustCompile(regexp.QuoteMeta(prefix) + `(\d{4})A*`)
	eachElement(out, func(n *html.Node) {
		for i := range n.Attr {
			n.Attr[i].Val = sentinel.ReplaceAllStringFunc(n.Attr[i].Val, func(m string) string {
				var k int
				fmt.Sscanf(m[len(prefix):len(prefix)+4], "%d", &k)
				if k < len(originals) {
					return originals[k]
				}
				return m
			})
		}
	})
	return out, drift, nil
}

// shape lists a tree's elements and attribute names, to compare two trees.
func shape(root *html.Node) string {
	var b strings.Builder
	eachElement(root, func(n *html.Node) {
		b.WriteString(n.Data)
		for _, a := range n.Attr {
			b.WriteString(" " + a.Key)
		}
		b.WriteByte(';')
	})
	return b.String()
}

func eachElement(n *html.Node, f func(*html.Node)) {
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		if ch.Type == html.ElementNode {
			f(ch)
		}
		eachElement(ch, f)
	}
}
