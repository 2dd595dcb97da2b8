package render

import (
	"cmp"
	"errors"
	"fmt"
	"html"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PageRows is how many rows a paged list shows at once in the live page:
// as many as the rendered body holds (MaxAutoRows), so that its first page
// is the body's own rows. One constant, to be tied to the manifest's
// list_limit when that exists.
const PageRows = MaxAutoRows

// MaxPageRows bounds the rows one Rows call draws.
const MaxPageRows = 1000

// RowQuery asks for one page of a list drawn as a table (or a list): the
// rows whose text contains Text (case-insensitively), ordered by the
// column Sort (the list's own order when ""), Limit of them from Offset.
// For a list of scalars, any Sort orders by the items themselves.
type RowQuery struct {
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
	var p *placeholder
	for i := range t.ph {
		if t.ph[i].field && strings.Join(t.ph[i].path, ".") == path {
			p = &t.ph[i]
			break
		}
	}
	if p == nil {
		return Rows{}, ErrNoList
	}
	v, _ := (&scope{vals: values}).lookup(p)
	list, ok := norm(v).([]any)
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
	idx := make([]int, 0, len(list))
	needle := strings.ToLower(strings.TrimSpace(q.Text))
	for i := range list {
		if needle == "" || strings.Contains(strings.ToLower(rowText(cell, i, keys, isTable)), needle) {
			idx = append(idx, i)
		}
	}
	out.Matched = len(idx)
	if q.Sort != "" {
		slices.SortStableFunc(idx, func(a, b int) int {
			r := compareCells(cell(a, q.Sort), cell(b, q.Sort))
			if q.Desc {
				return -r
			}
			return r
		})
	}
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

// compareCells orders cells as the page's own sort does: numbers (and text
// that reads as one) by value and before text; times by time; the rest by
// their text, case-insensitively; empty cells last.
func compareCells(a, b any) int {
	rank := func(v any) (int, float64, time.Time, string) {
		v = norm(v)
		if v == nil {
			return 3, 0, time.Time{}, ""
		}
		if t, ok := v.(time.Time); ok {
			return 1, 0, t, ""
		}
		if n, ok := number(v); ok {
			return 0, n, time.Time{}, ""
		}
		s := strings.ToLower(scalarText(v))
		if s == "" {
			return 3, 0, time.Time{}, ""
		}
		return 2, 0, time.Time{}, s
	}
	ra, na, ta, sa := rank(a)
	rb, nb, tb, sb := rank(b)
	if ra != rb {
		return ra - rb
	}
	switch ra {
	case 0:
		return cmp.Compare(na, nb)
	case 1:
		return ta.Compare(tb)
	}
	return strings.Compare(sa, sb)
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
	list, ok := norm(v).([]any)
	if !ok || len(list) <= MaxAutoRows {
		return out
	}
	for _, open := range pagedOpenings {
		if rest, found := strings.CutPrefix(string(h), open); found {
			return template.HTML(open + ` data-sw-rows="` + html.EscapeString(strings.Join(p.path, ".")) +
				`" data-sw-total="` + strconv.Itoa(len(list)) + `" data-sw-page="` + strconv.Itoa(PageRows) + `"` + rest)
		}
	}
	return out
}
