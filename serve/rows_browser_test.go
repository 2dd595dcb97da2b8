package serve

import (
	"fmt"
	"testing"
)

// A table of 1,000 rows shows 200 at a time: the pager walks the pages,
// a sort and the filter act on every row (on the server), and a file that
// changes updates the page in view without leaving its page, sort or
// filter.
func TestALongTablePagesSortsAndFiltersOnTheServerAndKeepsItsViewAcrossUpdates(t *testing.T) {
	longTable(t, "  <div>{rows}</div>\n")
}

// The same for a data-each table, which shows its first list_limit rows
// and pages beyond them.
func TestALongDataEachTablePagesSortsAndFiltersOnTheServer(t *testing.T) {
	longTable(t, `  <table class="sw-table"><thead><tr><th data-sort="name">Job</th><th data-sort="size">Size</th><th>State</th></tr></thead>
  <tbody data-field="rows"><template data-each><tr><td>{name}</td><td>{size}</td><td>{state}</td></tr></template></tbody></table>
`)
}

// longTable runs that scenario over a widget of 1,000 jobs (name, size =
// 7i mod 1000, state even/odd) whose template, given as the lines of its
// `template: |` block, draws the field rows with the size in the second
// column.
func longTable(t *testing.T, template string) {
	t.Helper()
	p := newTab(t)
	ts := startTestServer(t, Config{})
	job := func(i int, name string) {
		state := "odd"
		if i%2 == 0 {
			state = "even"
		}
		ts.write(t, fmt.Sprintf("jobs/%04d.json", i), fmt.Sprintf(`{"name": %q, "size": %d, "state": %q}`, name, i*7%1000, state))
	}
	for i := range 1000 {
		job(i, fmt.Sprintf("job-%04d", i))
	}
	m := ts.write(t, "t.yaml", `name: t
sources:
  jobs: "jobs/*.json"
endpoints:
  /x:
    rows: "map(jobs, ({name: .data.name, size: .data.size, state: .data.state}))"
template: |
`+template)
	if err := ts.Load(m); err != nil {
		t.Fatal(err)
	}
	p.navigate(ts.url("w/t/"))
	p.wait("the page to be live", statusIs("live"))
	const at = `document.querySelector('#sw-body .sw-page-at').textContent`
	const first = `(() => { const r = document.querySelector('#sw-body tbody tr:not(.sw-more)'); return r.cells[0].textContent + ' ' + r.cells[1].textContent; })()`
	const rows = `document.querySelectorAll('#sw-body tbody tr:not(.sw-more)').length`
	next := func() { p.str(`document.querySelector('#sw-body button.sw-page[data-go=next]').click()`) }
	view := func(what, pager, row string) {
		t.Helper()
		p.wait(what, `(`+at+`) === `+js(pager)+` && (`+first+`) === `+js(row))
	}

	// Untouched, the table is the server's render: its first 200 rows and
	// "… and 800 more", which a click turns into the pager.
	p.wait("the first rows", `document.querySelector('#sw-body .sw-more').textContent === '… and 800 more' && (`+rows+`) === 200`)
	p.str(`document.querySelector('#sw-body .sw-more').click()`)
	view("the first page", "rows 1–200 of 1,000", "job-0000 0")
	next()
	view("page 2", "rows 201–400 of 1,000", "job-0200 400")
	next()
	view("page 3", "rows 401–600 of 1,000", "job-0400 800")
	if got := p.str(rows); got != "200" {
		t.Errorf("page 3 holds %s rows", got)
	}

	// Sorted by size over all 1,000 rows (sizes 0..999, once each): page 3
	// starts at size 400, in job 200 (7 * 200 = 1400).
	p.str(`document.querySelectorAll('#sw-body th')[1].click()`)
	view("page 3 sorted by size", "rows 401–600 of 1,000", "job-0200 400")

	// The filter keeps the even jobs, 500 of them (even sizes): it starts
	// again at page 1, and the sort stays.
	p.str(`(() => { const b = document.getElementById('sw-filter'); b.value = 'even'; b.dispatchEvent(new Event('input')); return true; })()`)
	view("the even jobs", "rows 1–200 of 500 matching (1,000 in all)", "job-0000 0")
	next()
	view("page 2 of the even jobs", "rows 201–400 of 500 matching (1,000 in all)", "job-0200 400")

	// A file changes: the page in view shows it, on the same page, sort
	// and filter.
	job(200, "job-0200 renamed")
	view("the renamed job in place", "rows 201–400 of 500 matching (1,000 in all)", "job-0200 renamed 400")
	if got := p.str(`document.querySelectorAll('#sw-body th')[1].getAttribute('aria-sort')`); got != "ascending" {
		t.Errorf("aria-sort of the size column: %s", got)
	}
	if got := p.str(`document.getElementById('sw-filter').value`); got != "even" {
		t.Errorf("the filter box holds %q", got)
	}
	// A new row lands in the sorted, filtered view: size 401 is odd, so a
	// new even job of size 400.5 comes right after job 200.
	ts.write(t, "jobs/1000.json", `{"name": "newcomer", "size": 400.5, "state": "even"}`)
	p.wait("the newcomer on page 2", `(`+at+`) === 'rows 201–400 of 501 matching (1,001 in all)' && document.querySelectorAll('#sw-body tbody tr:not(.sw-more)')[1].cells[0].textContent === 'newcomer'`)
}
