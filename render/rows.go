package render

import (
	"cmp"
	"errors"
	"fmt"
	"html"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	nethtml "golang.org/x/net/html"
)

// PageRows is how many rows a paged auto table shows at once in the live
// page: as many as the rendered body holds (MaxAutoRows), so that its first
// page is the body's own rows. A data-each list pages by the manifest's
// list_limit instead (Template.paged).
const PageRows = MaxAutoRows

// MaxPageRows bounds the rows one Rows call draws.
const MaxPageRows = 1000

// RowQuery asks for one page of a list drawn as a table (or a list): the
// rows whose text contains Text (case-insensitively), ordered by the
// column Sort (the list's own order when ""), Limit of them from Offset.
// For a list of scalars, any Sort orders by the items themselves.
type RowQuery struct {
	Each          bool // the data-each list at the path, not a table drawn for it
	Offset, Limit int
	Sort          string
	Desc          bool
	Text          string
}

// Rows is one page of a list: the rows' HTML (<tr> elements for a table,
// <li> for a list), drawn and escaped as the body draws them, how many rows
// the list has and how many of them match the query.
type Rows struct {
	HTML    string `json:"html"`
	Total   int    `json:"total"`
	Matched int    `json:"matched"`
	Offset  int    `json:"offset"`
	Limit   int    `json:"limit"`
}

// ErrNoList is returned by Rows for a path that the template does not draw
// as a list of the widget's fields.
var ErrNoList = errors.New("the template draws no list at that path")

// Rows draws one page of the list at path (a field, or a dotted path into
// one, as a {placeholder} of the template writes it) out of values, as
// Body would draw its rows. It serves the live page's pager: a list longer
// than PageRows is sorted, filtered and paged here, over all its rows,
// while the body (and the checkpoint) hold only the first ones.
func (t *Template) Rows(values map[string]any, path string, q RowQuery) (Rows, error) {
	if q.Limit == 0 {
		q.Limit = PageRows
	}
	if q.Offset < 0 || q.Limit < 0 || q.Limit > MaxPageRows {
		return Rows{}, fmt.Errorf("offset must be 0 or more and limit from 1 to %d", MaxPageRows)
	}
	if q.Each {
		return t.eachRows(values, path, q)
	}
	var p *placeholder
	for i := range t.ph {
		if t.ph[i].field && !t.ph[i].each && strings.Join(t.ph[i].path, ".") == path {
			p = &t.ph[i]
			break
		}
	}
	if p == nil {
		return Rows{}, ErrNoList
	}
	v, _ := (&scope{vals: values}).lookup(p)
	list, ok := flatList(norm(v))
	if !ok {
		return Rows{}, fmt.Errorf("%s is not a list now", path)
	}
	out := Rows{Total: len(list), Offset: q.Offset, Limit: q.Limit}
	objs, isTable := objects(list)
	var keys []string
	if isTable {
		// The columns of the body's table: the keys of its first rows.
		keys = tableKeys(objs[:min(len(objs), MaxAutoRows)], p.order)
	}
	// cell is what a row shows in a column ("." for a list's item).
	cell := func(i int, key string) any {
		if isTable {
			return objs[i][key]
		}
		return list[i]
	}
	idx := pick(len(list), cell, func(i int) string { return rowText(cell, i, keys, isTable) }, q)
	out.Matched = len(idx)
	idx = idx[min(q.Offset, len(idx)):]
	idx = idx[:min(q.Limit, len(idx))]
	var b strings.Builder
	for _, i := range idx {
		if isTable {
			writeRowHTML(&b, objs[i], keys, 0)
			continue
		}
		b.WriteString("<li>")
		writeValueHTML(&b, list[i], 1)
		b.WriteString("</li>")
	}
	out.HTML = b.String()
	return out, nil
}

// pick filters the rows 0..n-1 by their text and sorts them by the cell
// in column q.Sort; ties keep the list's order.
func pick(n int, cell func(int, string) any, text func(int) string, q RowQuery) []int {
	idx := make([]int, 0, n)
	needle := strings.ToLower(strings.TrimSpace(q.Text))
	for i := range n {
		if needle == "" || strings.Contains(strings.ToLower(text(i)), needle) {
			idx = append(idx, i)
		}
	}
	if q.Sort == "" {
		return idx
	}
	// Each cell's key once, not once per comparison.
	keys := make([]cellKey, len(idx))
	for k, i := range idx {
		keys[k] = keyOf(cell(i, q.Sort))
		keys[k].row = i
	}
	slices.SortFunc(keys, func(a, b cellKey) int {
		if ea, eb := a.rank == 3, b.rank == 3; ea != eb {
			return cmp.Compare(a.rank, b.rank) // empty cells last, either way
		}
		r := a.compare(b)
		if q.Desc {
			r = -r
		}
		if r == 0 {
			return a.row - b.row
		}
		return r
	})
	for k := range keys {
		idx[k] = keys[k].row
	}
	return idx
}

// cellKey is what a cell sorts by: numbers (and text that reads as one)
// by value and before text; times by time; the rest by their text,
// case-insensitively; empty cells last.
type cellKey struct {
	rank int // 0 number, 1 time, 2 text, 3 empty
	n    float64
	t    time.Time
	s    string
	row  int
}

func keyOf(v any) cellKey {
	v = norm(v)
	if v == nil {
		return cellKey{rank: 3}
	}
	if t, ok := v.(time.Time); ok {
		return cellKey{rank: 1, t: t}
	}
	if n, ok := number(v); ok {
		return cellKey{rank: 0, n: n}
	}
	s := strings.ToLower(scalarText(v))
	if s == "" {
		return cellKey{rank: 3}
	}
	return cellKey{rank: 2, s: s}
}

func (a cellKey) compare(b cellKey) int {
	if a.rank != b.rank {
		return a.rank - b.rank
	}
	switch a.rank {
	case 0:
		return cmp.Compare(a.n, b.n)
	case 1:
		return a.t.Compare(b.t)
	}
	return strings.Compare(a.s, b.s)
}

// eachRows is Rows for a data-each list: its items drawn by their
// template. A filter looks in an item's values (an object's, by key
// order); a sort orders by the item's value at that key (the item itself
// when it is not an object).
func (t *Template) eachRows(values map[string]any, path string, q RowQuery) (Rows, error) {
	var blk *eachBlock
	for i := range t.each {
		if strings.Join(t.ph[t.each[i].ph].path, ".") == path {
			blk = &t.each[i]
			break
		}
	}
	if blk == nil {
		return Rows{}, ErrNoList
	}
	top := &scope{vals: values, now: time.Now()}
	v, _ := top.lookup(&t.ph[blk.ph])
	items := top.items(v, math.MaxInt)
	cell := func(i int, key string) any {
		if m, ok := norm(items[i].item).(map[string]any); ok {
			return m[key]
		}
		return items[i].item
	}
	text := func(i int) string {
		m, ok := norm(items[i].item).(map[string]any)
		if !ok {
			return scalarText(items[i].item)
		}
		keys := sortedKeys(m)
		parts := make([]string, len(keys))
		for k, key := range keys {
			parts[k] = scalarText(m[key])
		}
		return strings.Join(parts, "\t")
	}
	idx := pick(len(items), cell, text, q)
	out := Rows{Total: len(items), Matched: len(idx), Offset: q.Offset, Limit: q.Limit}
	idx = idx[min(q.Offset, len(idx)):]
	idx = idx[:min(q.Limit, len(idx))]
	w := &limitWriter{max: t.maxBody}
	for _, i := range idx {
		if err := blk.tmpl.Execute(w, items[i]); err != nil {
			return Rows{}, fmt.Errorf("cannot render the rows: %w", err)
		}
	}
	out.HTML = w.b.String()
	return out, nil
}

// rowText is the text a filter looks in: the row's cells as the page
// writes them, tab-separated.
func rowText(cell func(int, string) any, i int, keys []string, isTable bool) string {
	if !isTable {
		return scalarText(cell(i, "."))
	}
	parts := make([]string, len(keys))
	for k, key := range keys {
		parts[k] = scalarText(cell(i, key))
	}
	return strings.Join(parts, "\t")
}

// pagedOpenings are how the body's drawing of a list begins
// (writeValueHTMLOrdered).
var pagedOpenings = []string{`<table class="sw-table"`, `<ul class="sw-list"`}

// markPaged gives the table or list drawn for a field's placeholder, when
// it holds more rows than the body shows, the attributes by which the live
// page pages it through Rows: data-sw-rows (the path), data-sw-total (its
// rows) and data-sw-page (the rows of a page).
// The checkpoint's static layer drops data-* attributes, so it keeps the
// first rows and "… and N more".
func markPaged(p *placeholder, s *scope, v any, out any) any {
	h, ok := out.(template.HTML)
	if !ok || !p.field || s.parent != nil {
		return out
	}
	n, _, ok := asList(norm(v))
	if !ok || n <= MaxAutoRows {
		return out
	}
	for _, open := range pagedOpenings {
		if rest, found := strings.CutPrefix(string(h), open); found {
			return template.HTML(open + ` data-sw-rows="` + html.EscapeString(strings.Join(p.path, ".")) +
				`" data-sw-total="` + strconv.Itoa(n) + `" data-sw-page="` + strconv.Itoa(PageRows) + `"` + rest)
		}
	}
	return out
}

// eachBlock is a data-each template over a field of the body: the
// placeholder of its list and its items' template source, compiled on its
// own so that Rows draws items as Body does.
type eachBlock struct {
	ph   int
	src  string
	tmpl *template.Template
}

func (t *Template) compileEach() error {
	for i := range t.each {
		b := &t.each[i]
		tmpl, err := template.New("each").Delims(leftDelim, rightDelim).Funcs(t.funcs()).Parse(b.src)
		if err != nil {
			return err
		}
		b.tmpl = tmpl
	}
	return nil
}

// pagedEach writes, on an element that holds a data-each list of the
// body's fields, the attributes by which the live page pages the list when
// it is longer than a page (see markPaged); data-sw-kind="each" tells it
// apart from a table drawn for the same field.
func (e *emitter) pagedEach(n *nethtml.Node, inEach bool) {
	if inEach {
		return
	}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		if ch.Type != nethtml.ElementNode || ch.Data != "template" || !hasAttr(ch, "data-each") {
			continue
		}
		path := e.eachPath(ch, false)
		if path == "" || placeholderRE.FindString("{"+path+"}") != "{"+path+"}" || !e.known(path, false) {
			return // each reports it
		}
		i := e.add("{"+path+"}", path, "")
		e.t.ph[i].each = true
		fmt.Fprintf(&e.b, `%swith swPaged . %d%s data-sw-rows="%s.Path%s" data-sw-kind="each" data-sw-total="%s.Total%s" data-sw-page="%s.Page%s"%send%s`,
			leftDelim, i, rightDelim, leftDelim, rightDelim, leftDelim, rightDelim, leftDelim, rightDelim, leftDelim, rightDelim)
		return
	}
}

// pagedList is what pagedEach writes for a list longer than a page.
type pagedList struct {
	Path        string
	Total, Page int
}

// paged says how long the data-each list of placeholder i is, when it is
// longer than a page; nil otherwise.
func (t *Template) paged(s *scope, i int) *pagedList {
	p := &t.ph[i]
	v, _ := s.lookup(p)
	if n := itemCount(v); n > t.listLimit() {
		return &pagedList{Path: strings.Join(p.path, "."), Total: n, Page: t.listLimit()}
	}
	return nil
}
