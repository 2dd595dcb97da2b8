package serve

import (
	"fmt"
	"testing"
)

// A table sorts by a click on its header and filters by the box above it,
// and both stay applied while the data changes underneath.
func TestTablesSortAndFilterInTheLivePageAndSurviveUpdates(t *testing.T) {
	p := newTab(t)
	ts := startTestServer(t, Config{})
	for i, s := range []string{"gamma", "alpha", "delta", "beta", "epsilon", "zeta"} {
		ts.write(t, fmt.Sprintf("jobs/%d.json", i), fmt.Sprintf(`{"name": %q, "size": %d}`, s, (i*7)%10))
	}
	m := ts.write(t, "t.yaml", `name: t
sources:
  jobs: "jobs/*.json"
endpoints:
  /x:
    rows: "map(jobs, ({name: .data.name, size: .data.size}))"
template: |
  <div>{rows}</div>
`)
	if err := ts.Load(m); err != nil {
		t.Fatal(err)
	}
	p.navigate(ts.url("w/t/"))
	p.wait("the page to be live", statusIs("live"))
	names := `Array.from(document.querySelectorAll('#sw-body tbody tr')).filter(r => !r.hidden).map(r => r.cells[0].textContent).join()`
	if got := p.str(names); got != "gamma,alpha,delta,beta,epsilon,zeta" {
		t.Fatalf("server order: %s", got)
	}
	p.str(`document.querySelector('#sw-body th').click()`)
	if got := p.str(names); got != "alpha,beta,delta,epsilon,gamma,zeta" {
		t.Errorf("sorted by name: %s", got)
	}
	p.str(`document.querySelector('#sw-body th').click()`)
	if got := p.str(names); got != "zeta,gamma,epsilon,delta,beta,alpha" {
		t.Errorf("sorted by name, descending: %s", got)
	}
	// Numbers sort as numbers: sizes 0,7,4,1,8,5.
	p.str(`document.querySelectorAll('#sw-body th')[1].click()`)
	if got := p.str(names); got != "gamma,beta,delta,zeta,alpha,epsilon" {
		t.Errorf("sorted by size: %s", got)
	}
	p.str(`(() => { const b = document.getElementById('sw-filter'); b.value = 'ta'; b.dispatchEvent(new Event('input')); return true; })()`)
	if got := p.str(names); got != "beta,delta,zeta" {
		t.Errorf("filtered by 'ta': %s", got)
	}
	// A new row arrives: it takes its place in the sorted, filtered view.
	ts.write(t, "jobs/9.json", `{"name": "theta", "size": 3}`)
	p.wait("theta to show", `(`+names+`) === 'beta,theta,delta,zeta'`)
	if got := p.str(`document.querySelectorAll('#sw-body th')[1].getAttribute('aria-sort')`); got != "ascending" {
		t.Errorf("aria-sort of the sorted column: %s", got)
	}
}
