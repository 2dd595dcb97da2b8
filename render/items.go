package render

import (
	"fmt"
	"hash/maphash"
	"math"
	"reflect"
	"slices"
	"time"
	"unsafe"
)

// A change to one row of a long list should cost one row's drawing, not
// the list's: Body keeps the HTML of the items of the body's data-each lists
// from one call to the next, keyed by the items' identity. Published values
// are never modified, so an item that is the same map (or slice, or
// pointer, or equal scalar) as last time draws the same HTML, as long as
// the fields it may read through its parent scope are the same too and it
// shows no time relative to now. An item that is a new value is looked up
// by its content too: an engine may make a row again for a record that did
// not change.

// itemBlock is what the items of one data-each list of the body depend on
// besides themselves.
type itemBlock struct {
	names []string // the fields its placeholders may fall back to
	clock bool     // it shows time relative to now: never reused
}

// blockOf describes the block whose placeholders are phs.
func blockOf(phs []placeholder) itemBlock {
	var b itemBlock
	for _, p := range phs {
		if p.format == "ago" {
			b.clock = true
		}
		if p.path != nil && !slices.Contains(b.names, p.path[0]) {
			b.names = append(b.names, p.path[0])
		}
	}
	return b
}

// itemCache holds the items drawn by one Body call, by list.
type itemCache struct {
	lists []drawnList // by index in Template.each
}

type drawnList struct {
	deps      []any // the values of the block's names, as drawn
	items     map[itemKey]drawnItem
	byContent map[uint64]drawnItem // items that were not the same as last time, by contentHash
}

// drawnItem is one item's HTML. It holds the item so that, while the entry
// lives, the item's memory (whose address is its key) is not reused.
type drawnItem struct {
	item any
	html string
}

// bodyRun is one Body call: the cache of the last call it reads and the one
// it fills for the next.
type bodyRun struct {
	w      *limitWriter
	values map[string]any
	prev   *itemCache
	next   *itemCache
	marks  []int       // see markField
	spans  []drawnSpan // the items drawn, where they stand
}

// drawnSpan is a list's items as Body wrote them, from start.
type drawnSpan struct {
	start int
	items []string
}

func (t *Template) startRun(values map[string]any, w *limitWriter) *bodyRun {
	// Concurrent calls do not share: each takes the cache, or draws afresh.
	next := t.spare.Swap(nil)
	if next == nil {
		next = &itemCache{lists: make([]drawnList, len(t.each))}
	}
	return &bodyRun{w: w, values: values, prev: t.items.Swap(nil), next: next, marks: make([]int, 0, 4*len(t.fields))}
}

// endRun keeps the items this call drew, and only those: the cache never
// holds more than one version's items. The maps of the last call's are
// emptied for the next call to fill: a change to one row of a list then
// allocates no map of the list's length.
func (t *Template) endRun(r *bodyRun, ok bool) {
	if ok {
		t.items.Store(r.next)
		t.drawn.Store(&drawnBody{out: r.w.b.String(), marks: r.marks, spans: r.spans})
	} else {
		t.drawn.Store(nil)
	}
	if old := r.prev; old != nil {
		for i := range old.lists {
			clear(old.lists[i].items)
			clear(old.lists[i].byContent)
			old.lists[i].deps = nil
		}
		t.spare.Store(old)
	}
}

// drawItems draws the items of the body's data-each list whose placeholder
// is i, reusing those the last call drew. It writes them where Body's
// output stands (the template writes what comes before an action as it
// goes), and returns false: nothing for the template to write.
func (t *Template) drawItems(s *scope, i int) (bool, error) {
	b := slices.IndexFunc(t.each, func(e eachBlock) bool { return e.ph == i })
	blk, info, r := &t.each[b], &t.blocks[b], s.run
	v, _ := s.lookup(&t.ph[i])
	n, at := itemsOf(v, t.listLimit())

	next := &r.next.lists[b]
	if next.items == nil {
		next.items = make(map[itemKey]drawnItem, n)
	}
	next.deps = make([]any, len(info.names))
	for k, name := range info.names {
		v, ok := r.values[name]
		if !ok {
			v = absent{} // a field that is not there draws differently from a nil one
		}
		next.deps[k] = v
	}
	var prev map[itemKey]drawnItem
	var prevContent map[uint64]drawnItem
	if r.prev != nil && !info.clock && sameDeps(r.prev.lists[b].deps, next.deps) {
		prev, prevContent = r.prev.lists[b].items, r.prev.lists[b].byContent
	}
	room := r.w.max - r.w.b.Len()
	span := drawnSpan{start: r.w.b.Len(), items: make([]string, 0, n)}
	size := 0
	var fresh scope // an item drawn afresh, one at a time
	for k := range n {
		item := at(k)
		key, keyed := identity(item)
		d, hit := prev[key]
		if !keyed || !hit {
			// A new value may still equal one drawn last time (a row made
			// again from a record that did not change).
			h, hashed := contentHash(item, 0, new(int))
			if c, ok := prevContent[h]; hashed && ok && reflect.DeepEqual(c.item, item) {
				d, hit = drawnItem{item: item, html: c.html}, true
			}
			if !hit {
				w := &limitWriter{max: room - size}
				fresh = scope{now: s.now, item: item, parent: s}
				if err := blk.tmpl.Execute(w, &fresh); err != nil {
					if w.over {
						r.w.over = true
					}
					return false, err
				}
				d = drawnItem{item: item, html: w.b.String()}
			}
			if hashed && !info.clock {
				if next.byContent == nil {
					next.byContent = map[uint64]drawnItem{}
				}
				next.byContent[h] = d
			}
		}
		if size += len(d.html); size > room {
			r.w.over = true
			return false, fmt.Errorf("the list is too long")
		}
		r.w.b.WriteString(d.html)
		span.items = append(span.items, d.html)
		if keyed && !info.clock {
			next.items[key] = d
		}
	}
	r.spans = append(r.spans, span)
	return false, nil
}

// itemKey is the identity of an item: where a map, slice or pointer lives
// (and, for a slice, how long it is), or the value of a scalar.
type itemKey struct {
	kind   reflect.Kind
	p      unsafe.Pointer
	n      int
	scalar any
}

type absent struct{}

// identity is the key under which an item's HTML is kept: its address
// for maps, slices and pointers, its value for scalars; false for values
// that have neither.
func identity(v any) (itemKey, bool) {
	switch x := v.(type) {
	case nil, bool, string, int, int64, uint64, float64, absent:
		return itemKey{scalar: v}, true
	case map[string]any:
		return itemKey{kind: reflect.Map, p: reflect.ValueOf(x).UnsafePointer()}, true
	case []any:
		return itemKey{kind: reflect.Slice, p: unsafe.Pointer(unsafe.SliceData(x)), n: len(x)}, true
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
		return itemKey{kind: reflect.Pointer, p: rv.UnsafePointer()}, true
	}
	return itemKey{}, false
}

// sameDeps reports whether two snapshots of a block's fields are the same
// values (by identity for maps, slices and pointers).
func sameDeps(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		ka, ok := identity(a[i])
		kb, ok2 := identity(b[i])
		if !ok || !ok2 || ka != kb {
			return false
		}
	}
	return true
}

// contentSeed seeds contentHash; one per process.
var contentSeed = maphash.MakeSeed()

// maxHashed bounds the values contentHash reads in one item: a big item
// is not worth comparing.
const maxHashed = 256

// contentHash hashes a plain value by its content (maps whatever their
// order); false when it holds something else or too much. Equal hashes
// are confirmed with reflect.DeepEqual.
func contentHash(v any, depth int, seen *int) (uint64, bool) {
	if *seen++; *seen > maxHashed || depth > maxDepth {
		return 0, false
	}
	mix := func(tag, x uint64) uint64 { return (tag+1)*0x9e3779b97f4a7c15 ^ x*0xbf58476d1ce4e5b9 }
	switch x := v.(type) {
	case nil:
		return mix(0, 0), true
	case bool:
		if x {
			return mix(1, 1), true
		}
		return mix(1, 0), true
	case string:
		return mix(2, maphash.String(contentSeed, x)), true
	case int:
		return mix(3, uint64(x)), true
	case int64:
		return mix(4, uint64(x)), true
	case uint64:
		return mix(5, x), true
	case float64:
		return mix(6, math.Float64bits(x)), true
	case time.Time:
		return mix(7, uint64(x.UnixNano())), true
	case map[string]any:
		sum := mix(8, uint64(len(x)))
		for k, e := range x {
			h, ok := contentHash(e, depth+1, seen)
			if !ok {
				return 0, false
			}
			sum += mix(maphash.String(contentSeed, k), h) // + does not depend on the order
		}
		return sum, true
	case []any:
		acc := mix(9, uint64(len(x)))
		for _, e := range x {
			h, ok := contentHash(e, depth+1, seen)
			if !ok {
				return 0, false
			}
			acc = mix(acc, h)
		}
		return acc, true
	}
	return 0, false
}
