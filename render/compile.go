package render

import (
	"fmt"
	"html"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	nethtml "golang.org/x/net/html"

	"github.com/syft-widget/syft-widget/manifest"
)

// placeholderRE matches a brace group that may be a placeholder: {name},
// {a.b.0.c} or {.}. Whether it is one depends on the known fields; the
// manifest's loader has checked that every one outside <style> names a
// field or an item's key.
var placeholderRE = manifest.PlaceholderRE

// The html/template delimiters of generated template source. "<{" cannot
// occur in the literal parts, where every "<" starts a tag name or is escaped.
const (
	leftDelim  = "<{"
	rightDelim = "}>"
)

// Template is a compiled, cleaned widget template. It is safe for
// concurrent use.
type Template struct {
	// ListLimit is how many items a data-each list shows before a last
	// "… and N more"; 0 means DefaultListLimit. Set it before use.
	ListLimit int

	tmpl    *template.Template
	ph      []placeholder
	each    []eachBlock // the data-each templates of the body's own fields
	stale   []string    // field names that data-field elements name, by index
	maxBody int         // defaultMaxBody; tests lower it

	blocks []itemBlock               // what the items of each[i] depend on
	items  atomic.Pointer[itemCache] // the items of the last Body, to reuse
	spare  atomic.Pointer[itemCache] // emptied maps of the Body before, to fill

	fields        []fieldElement // the body's data-field elements, in order
	fieldsInItems bool           // some data-field element is drawn by a data-each
	drawn         atomic.Pointer[drawnBody]
	shapes        shapeCache
}

// placeholder is one {path} in the template.
type placeholder struct {
	raw    string   // as written, "{a.b}"
	path   []string // nil for {.}
	format string   // data-format of the element holding it (text positions)
	field  bool     // its first name is a field of the widget
	each   bool     // the list of a data-each, not a value drawn
	order  []string // keys of the tables drawn for it, in order (see OrderKeys)
}

// scope is what the generated template executes against: the field
// values, or one item of a data-each list within its parent scope.
type scope struct {
	vals   map[string]any
	stale  map[string]string
	now    time.Time
	item   any
	parent *scope
	run    *bodyRun // the Body call, in the top scope only
}

// Compile cleans src with an allow-list and compiles its {field}
// placeholders into html/template actions, so every value is escaped for
// where it stands. fields are the known field names; a brace group that is
// not a known field, nor a dotted path starting with one, nor "title", is
// left as written (CSS like `a{color:red}` stays). removed says, as
// sentences, what the cleaner took out.
func Compile(src string, fields []string) (t *Template, removed []string, err error) {
	return compile(src, fields, false)
}

// compile is Compile; inline keeps the body's data-each lists as ranges in
// the body's template (uncached), which tests compare with.
func compile(src string, fields []string, inline bool) (t *Template, removed []string, err error) {
	known := map[string]bool{"title": true}
	for _, f := range fields {
		known[f] = true
	}
	isKnown := func(path string, inEach bool) bool {
		if inEach {
			return true // an item's keys are not known in advance
		}
		return path != "." && known[strings.SplitN(path, ".", 2)[0]]
	}
	root, err := parseBody(src)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot parse the template: %w", err)
	}
	c := &cleaner{known: isKnown}
	c.clean(root, false)
	cleaned, drift, err := sanitize(root, src)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot clean the template: %w", err)
	}
	if drift {
		c.report("removed markup the allow-list does not permit")
	}
	removed = c.messages()

	t = &Template{maxBody: defaultMaxBody}
	e := &emitter{t: t, known: isKnown, staleIdx: map[string]int{}, inline: inline, root: cleaned}
	for ch := cleaned.FirstChild; ch != nil; ch = ch.NextSibling {
		e.node(ch, false)
	}
	if e.err != nil {
		return nil, removed, e.err
	}
	tmpl, err := template.New("body").Delims(leftDelim, rightDelim).Funcs(t.funcs()).Parse(e.b.String())
	if err != nil {
		return nil, removed, fmt.Errorf("cannot compile the template: %w", err)
	}
	t.tmpl = tmpl
	if err := t.compileEach(); err != nil {
		return nil, removed, fmt.Errorf("cannot compile the template: %w", err)
	}
	// html/template escapes on the first execution; do it now so that an
	// error shows at load, not at the first render.
	top := &scope{now: time.Now()}
	top.run = t.startRun(nil, &limitWriter{max: t.maxBody})
	if err := tmpl.Execute(io.Discard, top); err != nil {
		return nil, removed, fmt.Errorf("cannot compile the template: %w", err)
	}
	for _, b := range t.each {
		if err := b.tmpl.Execute(io.Discard, &scope{now: top.now, parent: top}); err != nil {
			return nil, removed, fmt.Errorf("cannot compile the template: %w", err)
		}
	}
	return t, removed, nil
}

// Body renders the template. values maps field names to values ("title"
// included by the caller). stale holds fields whose evaluation failed this
// time, with the message; their value in values is the last good one.
// Every element whose data-field names a stale field gets the class
// "sw-stale" and the message as its title. A body larger than 64 MiB is an
// error.
func (t *Template) Body(values map[string]any, stale map[string]string) (string, error) {
	w := &limitWriter{max: t.maxBody}
	if d := t.drawn.Load(); d != nil {
		w.b.Grow(len(d.out) + len(d.out)/64 + 512) // bodies of one widget are alike in size, and kept whole
	}
	run := t.startRun(values, w)
	err := t.tmpl.Execute(w, &scope{vals: values, stale: stale, now: time.Now(), run: run})
	t.endRun(run, err == nil)
	if err != nil {
		if w.over {
			return "", fmt.Errorf("the rendered widget is larger than %s: show less data", manifest.FormatSize(float64(t.maxBody)))
		}
		return "", fmt.Errorf("cannot render the template: %w", err)
	}
	return w.b.String(), nil
}

// defaultMaxBody bounds a rendered body, so that nested lists cannot make
// a render run away.
const defaultMaxBody = 64 << 20

// maxEachDepth bounds how deep data-each templates nest.
const maxEachDepth = 8

type limitWriter struct {
	b    strings.Builder
	max  int
	over bool
}

func (w *limitWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > w.max {
		w.over = true
		return 0, io.ErrShortWrite
	}
	return w.b.Write(p)
}

// ReadsClock reports whether the template shows time relative to now
// (data-format="ago"): its rendering changes as time passes, with no change
// in its values.
func (t *Template) ReadsClock() bool {
	for _, p := range t.ph {
		if p.format == "ago" {
			return true
		}
	}
	return false
}

func (t *Template) funcs() template.FuncMap {
	return template.FuncMap{
		"swT": func(s *scope, i int) any {
			p := &t.ph[i]
			v, ok := s.lookup(p)
			if !ok {
				return p.raw
			}
			return markPaged(p, s, v, textValueOrdered(v, p.format, s.now, p.order))
		},
		"swA": func(s *scope, i int) string {
			p := &t.ph[i]
			v, ok := s.lookup(p)
			if !ok {
				return p.raw
			}
			return attrText(v)
		},
		"swSrc": func(s *scope, i int) any {
			p := &t.ph[i]
			v, ok := s.lookup(p)
			if !ok {
				return p.raw
			}
			return srcValue(v)
		},
		"swEach": func(s *scope, i int) []*scope {
			v, _ := s.lookup(&t.ph[i])
			return s.items(v, t.listLimit())
		},
		"swMore": func(s *scope, i int) string {
			v, _ := s.lookup(&t.ph[i])
			return leftOut(itemCount(v), t.listLimit())
		},
		"swItems": t.drawItems,
		"swMark":  markField,
		"swEnd":   markEnd,
		"swPaged": t.paged,
		"swStale": func(s *scope, i int) bool {
			_, ok := s.stale[t.stale[i]]
			return ok
		},
		"swStaleMsg": func(s *scope, i int) string {
			return s.stale[t.stale[i]]
		},
	}
}

// lookup resolves a placeholder: in the item first (inside data-each),
// then in the enclosing scopes. A known field without a value, or a key
// missing from an item that is an object, reads as empty; a path that
// resolves nowhere reports !ok, and the placeholder stays as written.
func (s *scope) lookup(p *placeholder) (any, bool) {
	if s.parent == nil {
		if p.path == nil {
			return nil, false
		}
		v, ok := s.vals[p.path[0]]
		if !ok {
			return nil, p.field
		}
		return walk(v, p.path[1:])
	}
	if p.path == nil {
		return s.item, true
	}
	m, isMap := norm(s.item).(map[string]any)
	if isMap {
		if v, ok := m[p.path[0]]; ok {
			return walk(v, p.path[1:])
		}
	}
	if v, ok := s.parent.lookup(p); ok {
		return v, true
	}
	return nil, isMap
}

// walk follows keys into maps and indexes into lists.
func walk(v any, path []string) (any, bool) {
	for _, k := range path {
		switch x := norm(v).(type) {
		case map[string]any:
			v = x[k]
		case []any, List:
			n, at, _ := asList(x)
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= n {
				return nil, true
			}
			v = at(i)
		default:
			return nil, true
		}
	}
	return v, true
}

// items is what data-each repeats over, up to max items: a list's items;
// an object's entries as {key, value} sorted by key; nothing for null; else
// the value. Each in a scope of its own, within s.
func (s *scope) items(v any, max int) []*scope {
	n, at := itemsOf(v, max)
	out := make([]*scope, n)
	block := make([]scope, n)
	for i := range n {
		block[i] = scope{now: s.now, item: at(i), parent: s}
		out[i] = &block[i]
	}
	return out
}

// itemsOf is what data-each repeats over (see items): how many items, up
// to max, and the one at each index; a long list is read only as far as
// shown.
func itemsOf(v any, max int) (n int, at func(int) any) {
	switch x := norm(v).(type) {
	case nil:
		return 0, nil
	case []any:
		return min(len(x), max), func(i int) any { return x[i] }
	case List:
		return min(x.Len(), max), x.At
	case map[string]any:
		var list []any
		for _, k := range sortedKeys(x) {
			list = append(list, map[string]any{"key": k, "value": x[k]})
		}
		return min(len(list), max), func(i int) any { return list[i] }
	default:
		return min(1, max), func(int) any { return x }
	}
}

// markAction notes where Body's output stands (markField). It is the test
// of an empty if: an action that writes goes through html/template's
// escaper too, a second call.
const markAction = leftDelim + "if swMark ." + rightDelim + leftDelim + "end" + rightDelim

// emitter writes html/template source for a cleaned tree.
type emitter struct {
	t        *Template
	known    func(path string, inEach bool) bool
	b        strings.Builder
	inline   bool          // see compile
	root     *nethtml.Node // the cleaned template's container
	staleIdx map[string]int
	depth    int // data-each nesting
	err      error
}

func (e *emitter) fail(format string, args ...any) {
	if e.err == nil {
		e.err = fmt.Errorf(format, args...)
	}
}

func (e *emitter) add(raw, path, format string) int {
	p := placeholder{raw: raw, format: format, field: e.known(path, false)}
	if path != "." {
		p.path = strings.Split(path, ".")
	}
	e.t.ph = append(e.t.ph, p)
	return len(e.t.ph) - 1
}

func (e *emitter) action(fn string, i int) {
	fmt.Fprintf(&e.b, "%s%s . %d%s", leftDelim, fn, i, rightDelim)
}

// pieces writes s with its placeholders as actions of fn; literal text is
// escaped for HTML.
func (e *emitter) pieces(s, fn, format string, inEach bool) {
	last := 0
	for _, l := range placeholderRE.FindAllStringSubmatchIndex(s, -1) {
		path := s[l[2]:l[3]]
		if !e.known(path, inEach) {
			continue
		}
		e.b.WriteString(html.EscapeString(s[last:l[0]]))
		e.action(fn, e.add(s[l[0]:l[1]], path, format))
		last = l[1]
	}
	e.b.WriteString(html.EscapeString(s[last:]))
}

func (e *emitter) node(n *nethtml.Node, inEach bool) {
	switch n.Type {
	case nethtml.TextNode:
		format := ""
		if n.Parent != nil {
			format, _ = attr(n.Parent, "data-format")
		}
		e.pieces(n.Data, "swT", format, inEach)
	case nethtml.ElementNode:
		if n.Data == "template" {
			e.each(n, inEach)
			return
		}
		e.element(n, inEach)
	}
}

// each writes a <template data-each> as a range over its list; the
// <template> element itself is not in the output.
func (e *emitter) each(n *nethtml.Node, inEach bool) {
	if _, ok := attr(n, "data-each"); !ok {
		return // a plain <template> is inert: nothing to show
	}
	path := e.eachPath(n, inEach)
	switch {
	case path == "":
		e.fail("a <template data-each> needs a list: give its parent element a data-field, or write data-each=\"field\"")
		return
	case placeholderRE.FindString("{"+path+"}") != "{"+path+"}":
		e.fail("data-each names %q, which is not a field name or a dotted path", path)
		return
	case !e.known(path, inEach):
		e.fail("data-each names %q, which is not a field of this widget", path)
		return
	}
	if e.depth == maxEachDepth {
		e.fail("data-each templates nest deeper than %d levels", maxEachDepth)
		return
	}
	i := e.add("{"+path+"}", path, "")
	e.t.ph[i].each = true
	e.depth++
	start, firstPh := e.b.Len(), len(e.t.ph)
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		e.node(ch, true)
	}
	all := e.b.String()
	src := all[start:]
	e.b.Reset()
	e.b.WriteString(all[:start])
	e.depth--
	if inEach || e.inline {
		fmt.Fprintf(&e.b, "%srange swEach . %d%s%s%send%s", leftDelim, i, rightDelim, src, leftDelim, rightDelim)
	} else {
		// The body's own lists: each item is drawn by its own template, so
		// that an item drawn for the last version is not drawn again. It
		// writes them itself (see drawItems), in the test of an empty if.
		fmt.Fprintf(&e.b, "%sif swItems . %d%s%send%s", leftDelim, i, rightDelim, leftDelim, rightDelim)
	}
	if !inEach {
		e.t.each = append(e.t.each, eachBlock{ph: i, src: src})
		e.t.blocks = append(e.t.blocks, blockOf(e.t.ph[firstPh:]))
	}
	open, close := moreElement(n)
	fmt.Fprintf(&e.b, "%swith swMore . %d%s%s%s.%s%s%send%s", leftDelim, i, rightDelim, open, leftDelim, rightDelim, close, leftDelim, rightDelim)
}

// eachPath is the list a <template data-each> repeats over: its own
// data-each, else its parent's data-field, else the one placeholder of its
// parent; "" when there is none.
func (e *emitter) eachPath(n *nethtml.Node, inEach bool) string {
	spec, _ := attr(n, "data-each")
	path := strings.TrimSpace(spec)
	if path == "" && n.Parent != nil {
		if f, ok := attr(n.Parent, "data-field"); ok {
			path = strings.TrimSpace(f)
		} else {
			path = e.onlyPlaceholder(n.Parent, inEach)
		}
	}
	return path
}

// onlyPlaceholder is the one distinct placeholder among an element's
// attributes and its own text, if there is exactly one.
func (e *emitter) onlyPlaceholder(n *nethtml.Node, inEach bool) string {
	var found []string
	note := func(s string) {
		for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
			if e.known(m[1], inEach) && !slices.Contains(found, m[1]) {
				found = append(found, m[1])
			}
		}
	}
	for _, a := range n.Attr {
		note(a.Val)
	}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		if ch.Type == nethtml.TextNode {
			note(ch.Data)
		}
	}
	if len(found) == 1 {
		return found[0]
	}
	return ""
}

func (e *emitter) element(n *nethtml.Node, inEach bool) {
	name := n.Data
	e.checkFormat(n)
	staleI := e.staleIndex(n, inEach)
	isField := staleI >= 0
	if isField {
		e.fieldElement(n)
		e.b.WriteString(markAction)
	}
	e.startTag(n, staleI, inEach)
	if isField {
		e.b.WriteString(markAction)
	}
	// The end tag's start and end in one call: it is written as is.
	endMarks := func(n int) {
		if isField {
			fmt.Fprintf(&e.b, "%sif swEnd . %d%s%send%s", leftDelim, n, rightDelim, leftDelim, rightDelim)
		}
	}
	if isVoid(name) {
		endMarks(0) // no children, no end tag
		return
	}
	if name == "pre" && n.FirstChild != nil && n.FirstChild.Type == nethtml.TextNode &&
		strings.HasPrefix(n.FirstChild.Data, "\n") {
		e.b.WriteString("\n") // the parser drops one newline after <pre>
	}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		e.node(ch, inEach)
	}
	endMarks(len("</" + name + ">"))
	e.b.WriteString("</" + name + ">")
}

// checkFormat fails the template when n names a data-format there is none of.
func (e *emitter) checkFormat(n *nethtml.Node) {
	format, hasFormat := attr(n, "data-format")
	if hasFormat && !knownFormat(format) {
		hint := ""
		if s := manifest.Closest(format, formatNames); s != "" {
			hint = "did you mean " + s + "? "
		}
		e.fail("unknown data-format %q on <%s>: %suse %s", format, n.Data, hint, formatList)
	}
}

// staleIndex is the index of the field n shows among the template's stale
// tests, or -1 when n is no field's element (or is inside a data-each item).
func (e *emitter) staleIndex(n *nethtml.Node, inEach bool) int {
	f, ok := attr(n, "data-field")
	if !ok {
		return -1
	}
	if inEach {
		e.t.fieldsInItems = true
		return -1
	}
	f = strings.SplitN(strings.TrimSpace(f), ".", 2)[0]
	i, seen := e.staleIdx[f]
	if !seen {
		i = len(e.t.stale)
		e.t.stale = append(e.t.stale, f)
		e.staleIdx[f] = i
	}
	return i
}

// startTag writes n's start tag: its attributes, with data in them, and for
// a field's element the class and title that mark it stale.
func (e *emitter) startTag(n *nethtml.Node, staleI int, inEach bool) {
	name := n.Data
	ifStale := fmt.Sprintf("%sif swStale . %d%s", leftDelim, staleI, rightDelim)
	staleMsg := fmt.Sprintf("%sswStaleMsg . %d%s", leftDelim, staleI, rightDelim)
	end := leftDelim + "end" + rightDelim
	e.b.WriteString("<" + name)
	hasClass, hasTitle := false, false
	for _, a := range n.Attr {
		e.b.WriteString(" " + a.Key + `="`)
		switch {
		case a.Key == "data-field" || a.Key == "data-each" || a.Key == "data-format":
			// The template's own settings, never data.
			e.b.WriteString(html.EscapeString(a.Val))
		case a.Key == "src" && name == "img":
			e.pieces(a.Val, "swSrc", "", inEach)
		case a.Key == "title" && staleI >= 0:
			hasTitle = true
			e.b.WriteString(ifStale + staleMsg + leftDelim + "else" + rightDelim)
			e.pieces(a.Val, "swA", "", inEach)
			e.b.WriteString(end)
		default:
			e.pieces(a.Val, "swA", "", inEach)
			if a.Key == "class" && staleI >= 0 {
				hasClass = true
				e.b.WriteString(ifStale + " sw-stale" + end)
			}
		}
		e.b.WriteString(`"`)
	}
	// One test for both, where neither is written: each is a call.
	switch {
	case staleI >= 0 && !hasClass && !hasTitle:
		e.b.WriteString(ifStale + ` class="sw-stale" title="` + staleMsg + `"` + end)
	case staleI >= 0 && !hasClass:
		e.b.WriteString(ifStale + ` class="sw-stale"` + end)
	case staleI >= 0 && !hasTitle:
		e.b.WriteString(ifStale + ` title="` + staleMsg + `"` + end)
	}
	e.pagedEach(n, inEach)
	if name == "a" && hasAttr(n, "href") {
		// A link may lead outside, but the page it opens gets neither a
		// handle on this one nor its address.
		e.b.WriteString(` rel="noopener noreferrer"`)
	}
	e.b.WriteString(">")
}
