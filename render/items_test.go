package render

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// itemsTemplate draws lists whose items read their own keys, fields of the
// widget through their parent scope ({total}), formats (ago included),
// nested lists, objects, and stale fields around them.
const itemsTemplate = `<h3>{title}: <span data-field="total" class="n">{total}</span></h3>
<p data-field="note" title="{note}">{note}</p>
<table><tbody data-field="rows"><template data-each><tr class="{state}"><td>{id}</td><td>{name} of {total} in {title}</td>` +
	`<td data-format="bytes">{size}</td><td>{tags}</td>` +
	`<td><ul><template data-each="subs"><li>{.} in {name}</li></template></ul></td></tr></template></tbody></table>
<ol data-field="names"><template data-each><li>{.}</li></template></ol>
<ul data-field="events"><template data-each><li data-format="ago">{when}</li></template></ul>
<ul data-field="groups"><template data-each><li>{key}: {value}</li></template></ul>`

// TestCachedItemsDrawWhatAFreshRenderDraws renders random sequences of
// versions (rows replaced, made again equal, inserted, removed, moved;
// fields that items read changed; fields going stale) through one Template, which reuses the
// items it drew, and compares every body with a fresh render of a template
// whose lists are plain ranges.
func TestCachedItemsDrawWhatAFreshRenderDraws(t *testing.T) {
	fields := []string{"total", "note", "rows", "names", "groups", "events"}
	cached, _, err := Compile(itemsTemplate, fields)
	if err != nil {
		t.Fatal(err)
	}
	cached.ListLimit = 6
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	now := time.Now()
	n := 0
	row := func() any {
		n++
		m := map[string]any{"id": n, "name": fmt.Sprintf("job <%d>", n), "state": []string{"done", "failed", "running"}[rng.IntN(3)],
			"size": float64(rng.IntN(1 << 20))}
		if rng.IntN(3) == 0 {
			m["tags"] = []any{"a", int64(rng.IntN(9))}
		}
		if rng.IntN(2) == 0 {
			m["subs"] = []any{"x", "y"}[:rng.IntN(3)]
		}
		if rng.IntN(5) == 0 {
			delete(m, "name") // {name} falls back to nothing, {total} to the field
			m["total"] = "own"
		}
		return m
	}
	events := []any{map[string]any{"when": now.Add(-50 * time.Hour)}, map[string]any{"when": now.Add(-74 * time.Hour)}}
	values := map[string]any{"title": "Jobs", "total": int64(0), "note": "n", "rows": []any{}, "names": []any{"a", "b"}, "groups": map[string]any{"x": int64(1)}, "events": events}
	var stale map[string]string
	over, stales := 0, 0
	for step := range 300 {
		values = maps.Clone(values) // a new version; the old one stays as published
		rows := slices.Clone(values["rows"].([]any))
		switch op := rng.IntN(10); {
		case op < 3 || len(rows) == 0:
			rows = slices.Insert(rows, rng.IntN(len(rows)+1), row())
		case op < 4 && rng.IntN(2) == 0:
			rows[rng.IntN(len(rows))] = row()
		case op < 4:
			// The same row made again: a new map, equal to the last.
			k := rng.IntN(len(rows))
			rows[k] = maps.Clone(rows[k].(map[string]any))
		case op < 5:
			values["title"] = []string{"Jobs", "Jobs & more"}[rng.IntN(2)]
			rows[rng.IntN(len(rows))] = row()
		case op < 6:
			i := rng.IntN(len(rows))
			rows = slices.Delete(rows, i, i+1)
		case op < 7:
			i, j := rng.IntN(len(rows)), rng.IntN(len(rows))
			rows[i], rows[j] = rows[j], rows[i]
		case op < 8:
			values["total"] = int64(rng.IntN(4))
		case op < 9:
			values["names"] = append(slices.Clone(values["names"].([]any)), fmt.Sprint(step))
		default:
			values["groups"] = map[string]any{"x": int64(rng.IntN(3)), "y": "<b>"}
			delete(values, "note")
		}
		values["rows"] = rows
		stale = nil
		if rng.IntN(4) == 0 {
			stale = map[string]string{[]string{"total", "rows", "note"}[rng.IntN(3)]: "broken <here>"}
		}
		got, err := cached.Body(values, stale)
		if err != nil {
			t.Fatal(err)
		}
		fresh, _, err := compile(itemsTemplate, fields, true)
		if err != nil {
			t.Fatal(err)
		}
		fresh.ListLimit = cached.ListLimit
		want, err := fresh.Body(values, stale)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("seed %d, step %d: the body drawn with kept items differs from a fresh one\n got: %s\nwant: %s", seed, step, got, want)
		}
		if strings.Contains(got, "sw-more") {
			over++
		}
		if strings.Contains(got, "sw-stale") {
			stales++
		}
	}
	if over == 0 || stales == 0 || n < 50 {
		t.Fatalf("the sequence did not test enough: %d bodies over the limit, %d with a stale field, %d rows made", over, stales, n)
	}
}

// TestCachedItemsKeepNoOlderVersion checks that the kept items are those
// of the last body only.
func TestCachedItemsKeepNoOlderVersion(t *testing.T) {
	tm, _, err := Compile(`<ul data-field="xs"><template data-each><li>{a}</li></template></ul>`, []string{"xs"})
	if err != nil {
		t.Fatal(err)
	}
	first := []any{map[string]any{"a": 1}, map[string]any{"a": 2}}
	if _, err := tm.Body(map[string]any{"xs": first}, nil); err != nil {
		t.Fatal(err)
	}
	second := []any{map[string]any{"a": 3}}
	if _, err := tm.Body(map[string]any{"xs": second}, nil); err != nil {
		t.Fatal(err)
	}
	kept := tm.items.Load().lists[0].items
	if len(kept) != 1 {
		t.Fatalf("the cache holds %d items, want the 1 of the last body", len(kept))
	}
}

// TestAnUnchangedItemIsNotDrawnAgain shows the reuse: an item that is the
// same map as last time keeps its HTML (here, against the rule that
// published values are never modified, to see it), while a new map, or a
// change of a field the item reads, draws it again.
func TestAnUnchangedItemIsNotDrawnAgain(t *testing.T) {
	tm, _, err := Compile(`<ul data-field="xs"><template data-each><li>{a} {b}</li></template></ul>`, []string{"xs", "b"})
	if err != nil {
		t.Fatal(err)
	}
	item := map[string]any{"a": "old"}
	body := func(b string) string {
		out, err := tm.Body(map[string]any{"xs": []any{item}, "b": b}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	body("1")
	item["a"] = "new"
	wantContains(t, body("1"), "<li>old 1</li>")
	wantContains(t, body("2"), "<li>new 2</li>")
	item = map[string]any{"a": "newer"}
	wantContains(t, body("2"), "<li>newer 2</li>")
}

// TestItemsThatShowTimeAgoAreDrawnEveryTime: "5 s ago" changes as time
// passes, with the same item.
func TestItemsThatShowTimeAgoAreDrawnEveryTime(t *testing.T) {
	tm, _, err := Compile(`<ul data-field="xs"><template data-each><li data-format="ago">{at}</li></template></ul>`, []string{"xs"})
	if err != nil {
		t.Fatal(err)
	}
	item := map[string]any{"at": time.Now().Add(-50 * time.Hour)}
	if _, err := tm.Body(map[string]any{"xs": []any{item}}, nil); err != nil {
		t.Fatal(err)
	}
	item["at"] = time.Now().Add(-100 * 24 * time.Hour) // stands for time passing
	got, _ := tm.Body(map[string]any{"xs": []any{item}}, nil)
	wantLacks(t, got, ">2 days ago<")
	wantContains(t, got, `class="sw-ago"`)
}

// TestAnItemMadeAgainEqualIsNotDrawnAgain: a row that is a new map with
// the same content as one drawn last time keeps its HTML.
func TestAnItemMadeAgainEqualIsNotDrawnAgain(t *testing.T) {
	tm, _, err := Compile(`<ul data-field="xs"><template data-each><li>{a}</li></template></ul>`, []string{"xs"})
	if err != nil {
		t.Fatal(err)
	}
	first := map[string]any{"a": "x", "n": []any{int64(1)}}
	if _, err := tm.Body(map[string]any{"xs": []any{first}}, nil); err != nil {
		t.Fatal(err)
	}
	again := maps.Clone(first)
	h, _ := contentHash(first, 0, new(int))
	// Read now: the maps of one call are emptied for the call after next.
	was := tm.items.Load().lists[0].byContent[h].html
	if _, err := tm.Body(map[string]any{"xs": []any{again}}, nil); err != nil {
		t.Fatal(err)
	}
	now := tm.items.Load().lists[0].byContent[h].html
	if was == "" || unsafe.StringData(was) != unsafe.StringData(now) {
		t.Fatal("an item equal to one drawn last time was drawn again")
	}
}
