package serve

import (
	"fmt"
	"strings"
	"testing"
)

// The index shows a widget's title once (the widget's own heading), wide
// tables scroll inside the widget instead of being cut by the card, and a
// broken manifest's errors are a styled banner.
func TestIndexCardsShowOneTitleAndScrollWideContentInside(t *testing.T) {
	p := newTab(t)
	dir := t.TempDir()
	var cols []string
	for i := range 30 {
		cols = append(cols, fmt.Sprintf("column_number_%02d: %d", i, i))
	}
	writeFile(t, dir, "wide.yaml", `title: Wide table
endpoints:
  /x:
    rows: "[{`+strings.Join(cols, ", ")+`}]"
template: |
  <h3>{title}</h3>
  <div>{rows}</div>
`)
	writeFile(t, dir, "broken.yaml", "endpoints:\n  /x:\n    n: len(nothing)\n")
	ts := startTestServer(t, Config{Name: "folder", ConfineTo: dir})
	mw, err := WatchFolder(ts.Server, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mw.Close() })
	eventually(t, "the widget and the broken manifest", func() bool { return ts.Widget("wide") != nil && len(ts.Widgets()) == 2 })
	p.navigate(ts.url(""))
	frameDoc := `document.querySelector('iframe[data-widget="wide"]').contentDocument`
	p.wait("the wide widget rendered", `(() => { const d = `+frameDoc+`; return !!(d && d.querySelector('.sw-table')); })()`)
	if n := p.str(`String((document.getElementById('card-wide').innerText.match(/Wide table/g) || []).length + (` + frameDoc + `.body.innerText.match(/Wide table/g) || []).length)`); n != "1" {
		t.Errorf("the title shows %s times on the card, want once", n)
	}
	// The table scrolls, the widget's page and the card do not.
	got := p.str(`(() => { const d = ` + frameDoc + `; const tb = d.querySelector('.sw-table'); const card = document.getElementById('card-wide');
		return [tb.scrollWidth > tb.clientWidth, d.documentElement.scrollWidth <= d.documentElement.clientWidth, card.scrollWidth <= card.clientWidth].join(); })()`)
	if got != "true,true,true" {
		t.Errorf("table scrolls, page fits, card fits = %s; want true,true,true", got)
	}
	banner := p.str(`(() => { const e = document.querySelector('.errors'); const s = getComputedStyle(e);
		return [e.getAttribute('role'), s.borderLeftWidth, e.textContent.includes('unknown name nothing')].join(); })()`)
	if banner != "alert,4px,true" {
		t.Errorf("error banner: %s", banner)
	}
}
