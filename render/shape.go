package render

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// A change should cost what it changes in the patch too: Template.Shape
// takes the shape of a body from the pieces Body wrote (where each
// data-field element starts and ends) and parses only the data-field
// elements whose HTML changed since the last body, each inside its
// ancestors, instead of the whole body.
//
// An element parsed that way has the children it has in the whole body
// when the parser keeps it whole: nothing of it lands outside, and it
// holds one element per start tag it was written with (no element made up
// or dropped). Shape checks both, and parses the whole body instead when
// either fails. The parts outside the data-field elements are compared as
// written; whenever they change, the pieces are checked against a parse of
// the whole body once more.

// fieldElement is a data-field element of the body's template, outside
// data-each.
type fieldElement struct {
	name      string   // its data-field, as written
	tag       string   // its element
	ancestors []string // the elements around it, outermost first
	foreign   bool     // it or an ancestor is SVG or MathML
}

func (e *emitter) fieldElement(n *nethtml.Node) {
	name, _ := attr(n, "data-field")
	f := fieldElement{name: name, tag: n.Data, foreign: n.Namespace != ""}
	for p := n.Parent; p != nil && p != e.root; p = p.Parent {
		if p.Type != nethtml.ElementNode {
			continue
		}
		if p.Namespace != "" {
			f.foreign = true
		}
		if _, ok := attr(p, "data-field"); ok {
			f.foreign = true // a field inside a field: never patched by parts
		}
		f.ancestors = append(f.ancestors, p.Data)
	}
	slices.Reverse(f.ancestors)
	e.t.fields = append(e.t.fields, f)
}

// markField notes where Body's output stands: at the start and the end of
// the start tag of a data-field element.
func markField(s *scope) bool {
	if r := s.run; r != nil {
		r.marks = append(r.marks, r.w.b.Len())
	}
	return false
}

// markEnd notes where the end tag of a data-field element, n bytes that
// follow as written, starts and ends.
func markEnd(s *scope, n int) bool {
	if r := s.run; r != nil {
		r.marks = append(r.marks, r.w.b.Len(), r.w.b.Len()+n)
	}
	return false
}

// drawnBody is the output of the last Body call and its marks.
type drawnBody struct {
	out   string
	marks []int
	spans []drawnSpan
}

// shapeCache is what Shape keeps from the last body it read.
type shapeCache struct {
	mu      sync.Mutex
	off     bool                  // the pieces disagreed with a whole parse once: always parse whole
	checked string                // the parts outside the fields, as written, last checked
	raw     []string              // each field element's HTML, as written
	fields  []shapeField          // and its shape
	pieces  []map[string][]string // by field: the children of the pieces of its content
	spare   []map[string][]string // by field: an emptied map of pieces, to fill next
	starts  []string              // each field element's start tag, as written
}

// Shape is ShapeOf(html) for an html that ends with the output of the last
// Body call (a banner may come before it), costing what changed since the
// last call.
func (t *Template) Shape(html string) *Shape {
	d := t.drawn.Load()
	if d == nil || len(d.marks) != 4*len(t.fields) || t.fieldsInItems || !strings.HasSuffix(html, d.out) {
		return ShapeOf(html)
	}
	c := &t.shapes
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.off {
		return ShapeOf(html)
	}
	if len(c.spare) != len(t.fields) {
		c.spare = make([]map[string][]string, len(t.fields))
	}
	prefix := html[:len(html)-len(d.out)]
	var skel strings.Builder
	// A skeleton as written starts with NUL, which none that ShapeOf
	// renders from a parse holds: the two kinds never compare equal.
	skel.WriteString("\x00")
	skel.WriteString(prefix)
	s := &Shape{fields: make([]shapeField, len(t.fields))}
	raw := make([]string, len(t.fields))
	starts := make([]string, len(t.fields))
	pieces := make([]map[string][]string, len(t.fields))
	last := 0
	for i, f := range t.fields {
		if f.foreign {
			return ShapeOf(html)
		}
		m := d.marks[4*i : 4*i+4]
		skel.WriteString(d.out[last:m[0]])
		// Outside the fields, a field reads as its place.
		skel.WriteString("\x00" + strconv.Itoa(i) + "\x00")
		last = m[3]
		raw[i], starts[i] = d.out[m[0]:m[3]], d.out[m[0]:m[1]]
		if i < len(c.raw) && c.raw[i] == raw[i] && c.fields[i].name == f.name {
			s.fields[i] = c.fields[i]
			continue
		}
		sf, ok := c.textField(f, i, d.out, m)
		if span, found := spanIn(d.spans, m[1], m[2]); !ok && found && byPieces(f.tag) {
			sf, ok = c.fieldByPieces(f, i, d.out, m, span, pieces)
		}
		if !ok {
			sf, ok = parseField(f, raw[i])
		}
		if !ok {
			return ShapeOf(html)
		}
		s.fields[i] = sf
	}
	skel.WriteString(d.out[last:])
	s.skeleton = skel.String()
	if s.skeleton != c.checked {
		whole := ShapeOf(html)
		if whole == nil || !sameFields(whole.fields, s.fields) {
			c.off = true
			return whole
		}
		c.checked = s.skeleton
	}
	for i := range pieces {
		if i >= len(c.pieces) || c.pieces[i] == nil {
			continue
		}
		switch {
		case pieces[i] == nil && c.raw[i] == raw[i]:
			pieces[i] = c.pieces[i] // the field did not change: nor did its pieces
		case pieces[i] != nil:
			// The last pieces are no longer read: their map is filled
			// next time, not made again with the list's length.
			clear(c.pieces[i])
			c.spare[i] = c.pieces[i]
		}
	}
	c.raw, c.fields, c.pieces, c.starts = raw, s.fields, pieces, starts
	return s
}

// parseField parses one data-field element's HTML inside its ancestors,
// and reports whether the parser kept it whole.
func parseField(f fieldElement, raw string) (shapeField, bool) {
	n, ok := parseInside(f, raw)
	if !ok {
		return shapeField{}, false
	}
	// One element per start tag written, no data-field inside.
	if starts, _ := tags(raw); elements(n) != starts {
		return shapeField{}, false
	}
	if name, ok := attr(n, "data-field"); !ok || name != f.name {
		return shapeField{}, false
	}
	return elementShape(f.name, n), true
}

// parseInside parses an element's HTML inside f's ancestors and returns
// the element, when nothing of it landed outside and the ancestors hold
// one element each, down to it.
func parseInside(f fieldElement, raw string) (*nethtml.Node, bool) {
	var doc strings.Builder
	for _, a := range f.ancestors {
		doc.WriteString("<" + a + ">")
	}
	doc.WriteString(raw)
	for _, a := range slices.Backward(f.ancestors) {
		doc.WriteString("</" + a + ">")
	}
	ctx := &nethtml.Node{Type: nethtml.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := nethtml.ParseFragment(strings.NewReader(doc.String()), ctx)
	if err != nil || len(nodes) != 1 {
		return nil, false
	}
	n := nodes[0]
	for _, a := range f.ancestors {
		if n.Type != nethtml.ElementNode || n.Data != a || n.FirstChild == nil || n.FirstChild != n.LastChild {
			return nil, false
		}
		n = n.FirstChild
	}
	if n.Type != nethtml.ElementNode || n.Data != f.tag {
		return nil, false
	}
	return n, true
}

// elements counts the elements of n's tree, n included; -1 when one of
// them below n is a data-field element.
func elements(n *nethtml.Node) int {
	count := 1
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != nethtml.ElementNode {
			continue
		}
		if _, ok := attr(c, "data-field"); ok {
			return -1
		}
		k := elements(c)
		if k < 0 {
			return -1
		}
		count += k
	}
	return count
}

// tags counts the start tags in s, and reports whether each element it
// opens (but a void one) it also closes, in order.
func tags(s string) (starts int, balanced bool) {
	if starts, balanced, ok := plainTags(s); ok {
		return starts, balanced
	}
	return tokenTags(s)
}

// tokenTags is tags for any HTML, read by the tokenizer.
func tokenTags(s string) (starts int, balanced bool) {
	z := nethtml.NewTokenizer(strings.NewReader(s))
	var open []string
	for {
		switch z.Next() {
		case nethtml.ErrorToken:
			return starts, len(open) == 0
		case nethtml.StartTagToken:
			starts++
			if name, _ := z.TagName(); !isVoid(string(name)) {
				open = append(open, string(name))
			}
		case nethtml.SelfClosingTagToken:
			starts++
		case nethtml.EndTagToken:
			name, _ := z.TagName()
			if len(open) == 0 || open[len(open)-1] != string(name) {
				return starts, false
			}
			open = open[:len(open)-1]
		}
	}
}

func sameFields(a, b []shapeField) bool {
	return slices.EqualFunc(a, b, func(x, y shapeField) bool {
		return x.name == y.name && slices.Equal(x.attrs, y.attrs) && slices.Equal(x.children, y.children)
	})
}

// byPieces reports whether a field element of this tag may be parsed piece
// by piece: not one whose content is text, nor one after whose start tag
// the parser drops a newline.
func byPieces(tag string) bool {
	switch tag {
	case "pre", "listing", "textarea", "title", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext", "script":
		return false
	}
	return true
}

// spanIn finds the one list of items drawn within [from, to).
func spanIn(spans []drawnSpan, from, to int) (drawnSpan, bool) {
	var found drawnSpan
	n := 0
	for _, sp := range spans {
		if sp.start >= from && sp.start <= to {
			found = sp
			n++
		}
	}
	return found, n == 1
}

// fieldByPieces is the shape of a field element whose content holds the
// items of a list: the content before them, each item and the content
// after them (the "… and N more") are parsed on their own, or taken from
// the last body when the same. Text that ends a piece and text that
// starts the next are one text node, as the parser makes them.
func (c *shapeCache) fieldByPieces(f fieldElement, i int, out string, m []int, span drawnSpan, kept []map[string][]string) (shapeField, bool) {
	var prev map[string][]string
	if i < len(c.pieces) {
		prev = c.pieces[i]
	}
	next := c.spare[i]
	if next == nil {
		next = make(map[string][]string, len(span.items)+2)
	}
	c.spare[i] = nil
	end := span.start
	for _, it := range span.items {
		end += len(it)
	}
	if end > m[2] {
		return shapeField{}, false
	}
	// The field's attributes: from its start tag, with no content.
	start := out[m[0]:m[1]]
	sf := shapeField{name: f.name, children: make([]string, 0, len(span.items)+2)}
	if i < len(c.starts) && c.starts[i] == start {
		sf.attrs = c.fields[i].attrs
	} else {
		empty, ok := parseField(f, start+out[m[2]:m[3]])
		if !ok {
			return shapeField{}, false
		}
		sf.attrs = empty.attrs
	}
	add := func(piece string) bool {
		if piece == "" {
			return true
		}
		children, ok := next[piece]
		if !ok {
			if children, ok = prev[piece]; !ok {
				if children, ok = parsePiece(f, piece); !ok {
					return false
				}
			}
			next[piece] = children
		}
		for k, ch := range children {
			if last := len(sf.children) - 1; k == 0 && last >= 0 && isText(ch) && isText(sf.children[last]) {
				sf.children[last] += ch
				continue
			}
			sf.children = append(sf.children, ch)
		}
		return true
	}
	if !add(out[m[1]:span.start]) {
		return shapeField{}, false
	}
	for _, it := range span.items {
		if !add(it) {
			return shapeField{}, false
		}
	}
	if !add(out[end:m[2]]) {
		return shapeField{}, false
	}
	kept[i] = next
	return sf, true
}

// isText reports whether a child rendered by nethtml.Render is a text
// node: every other node starts with "<", which text escapes.
func isText(child string) bool { return !strings.HasPrefix(child, "<") }

// parsePiece parses a piece of a field element's content inside the
// field's element and ancestors, and returns its nodes rendered, when the
// parser kept it whole (see parseField).
func parsePiece(f fieldElement, piece string) ([]string, bool) {
	// A piece that opens an element another closes (the items of a list
	// inside an element of the field) is not a run of the field's children.
	starts, balanced := tags(piece)
	if !balanced {
		return nil, false
	}
	n, ok := parseInside(f, "<"+f.tag+">"+piece+"</"+f.tag+">")
	if !ok || elements(n)-1 != starts {
		return nil, false
	}
	var children []string
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		var b strings.Builder
		nethtml.Render(&b, c)
		children = append(children, b.String())
	}
	return children, true
}

// textField is the shape of a field element that holds plain text only,
// as a number or a word renders, without parsing it: its start tag is the
// one parsed last time, so its attributes and its place are those parsed
// then, and in an element whose text the parser keeps as written, text
// without markup, character references, quotes, carriage returns or NUL
// is one text node that renders as written (none for no text).
func (c *shapeCache) textField(f fieldElement, i int, out string, m []int) (shapeField, bool) {
	if i >= len(c.starts) || c.starts[i] != out[m[0]:m[1]] || c.fields[i].name != f.name || !keepsText(f.tag) {
		return shapeField{}, false
	}
	text := out[m[1]:m[2]]
	if strings.ContainsAny(text, "<>&\"'\r\x00") {
		return shapeField{}, false
	}
	sf := shapeField{name: f.name, attrs: c.fields[i].attrs}
	if text != "" {
		sf.children = []string{text}
	}
	return sf, true
}

// keepsText reports whether the parser puts the text an element of this
// tag holds in it as written, as it does in the body (not in a table, a
// select, or the elements whose text is raw or drops a first newline).
func keepsText(tag string) bool {
	switch tag {
	case "span", "div", "p", "b", "strong", "em", "i", "small", "code", "td", "th", "li", "dd", "dt",
		"h1", "h2", "h3", "h4", "h5", "h6", "label", "output", "data", "time", "mark", "s", "u",
		"sub", "sup", "abbr", "cite", "q", "kbd", "samp", "var", "bdi", "bdo", "figcaption", "summary":
		return true
	}
	return false
}

// plainTags is tags without a tokenizer (whose buffer alone is 4 KiB), for
// HTML as Body writes it: every "<" starts a start or end tag of lowercase
// name, attributes are separated by spaces and their values quoted, and
// no element holds raw text. ok is false for anything else (a comment, a
// stray "<", an unquoted value, a script or a style...): the tokenizer
// reads that.
func plainTags(s string) (starts int, balanced, ok bool) {
	var stack [16]string
	open := stack[:0]
	i := 0
	name := func() string {
		k := i
		for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= '0' && s[i] <= '9' || s[i] == '-') {
			i++
		}
		return s[k:i]
	}
	for {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 {
			return starts, len(open) == 0, true
		}
		i += j + 1
		end := i < len(s) && s[i] == '/'
		if end {
			i++
		}
		if i >= len(s) || s[i] < 'a' || s[i] > 'z' {
			return 0, false, false
		}
		tag := name()
		if end {
			if i >= len(s) || s[i] != '>' {
				return 0, false, false
			}
			i++
			if len(open) == 0 || open[len(open)-1] != tag {
				return starts, false, true
			}
			open = open[:len(open)-1]
			continue
		}
		self := false
	attrs:
		for {
			switch {
			case i >= len(s):
				return 0, false, false
			case s[i] == '>':
				i++
				break attrs
			case s[i] == '/' && i+1 < len(s) && s[i+1] == '>':
				self = true
				i += 2
				break attrs
			case s[i] == ' ':
				i++
			case s[i] >= 'a' && s[i] <= 'z':
				name()
				if i < len(s) && s[i] == '=' {
					i++
					if i >= len(s) || s[i] != '"' && s[i] != '\'' {
						return 0, false, false
					}
					q := strings.IndexByte(s[i+1:], s[i])
					if q < 0 {
						return 0, false, false
					}
					i += q + 2
				}
				if i < len(s) && s[i] != ' ' && s[i] != '>' && s[i] != '/' {
					return 0, false, false
				}
			default:
				return 0, false, false
			}
		}
		switch tag {
		case "iframe", "noembed", "noframes", "noscript", "plaintext", "script", "style", "textarea", "title", "xmp":
			return 0, false, false // raw text follows
		}
		starts++
		if !self && !isVoid(tag) {
			open = append(open, tag)
		}
	}
}
