package serve

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

const listManifest = `name: list
list_limit: 6
sources:
  jobs: "jobs/*.json"
endpoints:
  /api:
    total: len(jobs)
    names: sortBy(map(jobs, .data), .name)
    running: count(jobs, .data.state == "running")
template: |
  <p><span data-field="total">{total}</span> jobs, <b data-field="running">{running}</b> running</p>
  <ul data-field="names"><template data-each><li class="{state}">{name} <small>{state}</small></li></template></ul>
  <table><tbody data-field="names"><template data-each><tr><td>{name}</td><td>{state}</td></tr></template></tbody></table>
`

// TestLivePageAfterRandomUpdatesEqualsAFreshRender drives a page through
// creates, edits, deletes and renames of the files behind a sorted list,
// updated by patches (keyed list changes), and compares its DOM with a
// fresh render of the server's state after every step.
func TestLivePageAfterRandomUpdatesEqualsAFreshRender(t *testing.T) {
	p := newTab(t)
	ts := startTestServer(t, Config{Name: "test"})
	states := []string{"queued", "running", "done", "failed"}
	rnd := rand.New(rand.NewPCG(7, 7))
	live := map[string]bool{}
	job := func(name string) {
		ts.write(t, "jobs/"+name+".json", fmt.Sprintf(`{"name": %q, "state": %q}`, name, states[rnd.IntN(4)]))
		live[name] = true
	}
	for _, n := range []string{"d", "h", "m", "q", "t"} {
		job(n)
	}
	if err := ts.Load(ts.write(t, "list.yaml", listManifest)); err != nil {
		t.Fatal(err)
	}
	p.navigate(ts.url("w/list/"))
	p.wait("the page to be live", statusIs("live"))

	// An insertion at the top keeps the rows below as they are: the same
	// nodes, not rows rewritten in place.
	p.str(`(() => { document.querySelector('#sw-body li').__tag = 'd'; return true; })()`)
	job("a")
	sameAsServer(t, p, ts, "after an insertion at the top")
	if got := p.str(`(() => { const li = [...document.querySelectorAll('#sw-body li')].find((e) => e.__tag === 'd');
		return li ? li.textContent : 'gone'; })()`); got[:1] != "d" {
		t.Errorf("the row of d was replaced or rewritten by an insertion above it: %q", got)
	}

	for step := range 30 {
		var names []string
		for n := range live {
			names = append(names, n)
		}
		pick := names[rnd.IntN(len(names))]
		var did string
		switch rnd.IntN(4) {
		case 0:
			n := string(rune('a'+rnd.IntN(26))) + string(rune('a'+rnd.IntN(26)))
			job(n)
			did = "create " + n
		case 1:
			job(pick)
			did = "edit " + pick
		case 2:
			if len(live) > 1 {
				os.Remove(filepath.Join(ts.dir, "jobs", pick+".json"))
				delete(live, pick)
				did = "delete " + pick
			}
		case 3:
			n := "z" + pick
			if !live[n] {
				os.Rename(filepath.Join(ts.dir, "jobs", pick+".json"), filepath.Join(ts.dir, "jobs", n+".json"))
				delete(live, pick)
				live[n] = true
				did = "rename " + pick
			}
		}
		sameAsServer(t, p, ts, fmt.Sprintf("step %d (%s)", step, did))
	}
}

// sameAsServer waits until the page shows the server's current state and
// fails if it never equals a fresh render of it.
func sameAsServer(t *testing.T, p *tab, ts *testServer, when string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		want := ts.Widget("list").State().HTML
		if p.str(sameBody(want)) == "true" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the page differs from a fresh render\n got: %s\nwant: %s", when, p.str(`document.getElementById('sw-body').innerHTML`), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
