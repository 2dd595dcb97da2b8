package widget

import (
	"encoding/json"
	"reflect"
	"runtime"
	"slices"
	"sync"

	"github.com/syft-widget/syft-widget/manifest"
)

// A whole field that maps every record of a source to an element (rows:
// map(jobs, ({id: .stem, ...}))) is a row per file: kept, its elements
// would cost more than the records (a map of four keys is over 300 bytes).
// Its items keep their records instead, and its value is a mappedList,
// which makes an element when it is read: the page draws only its first
// rows, kept; the endpoint's JSON and the pager make the rest. Closures are
// pure functions of their record and the title, so an element made again
// is the element the field would have held.

// headSize is how many of a mapped list's first elements are kept: more
// than a page shows (list_limit, 200 by default), so that drawing the page
// makes none, and a drawn row stays the same value while its record does.
// A variable so that tests can make the head smaller than their trees.
var headSize = 1024

// mapsRows reports whether the part is such a field: a whole-field list of
// a map, with no filter (so that element i is record i's).
func (p *part) mapsRows() bool {
	return p.plainElements && p.agg == aggList && p.mapped() &&
		!slices.ContainsFunc(p.stages, func(s stage) bool { return s.filter })
}

// mappedElements is the value of a part that mapsRows: its records, with
// the first headSize elements kept from the last value where their records
// are the same (at the same place, or moved by a creation or a removal).
func (p *part) mappedElements() (*mappedList, bool) {
	n := min(headSize, recordsLen(p.recs))
	var idx []int
	var vals []any
	var was map[*manifest.Record]int // the last head's places, once needed
	for i := range n {
		r := recordAt(p.recs, i)
		if i < len(p.headRecs) && p.headRecs[i] == r {
			continue
		}
		// A file edited in place had its last record here, nowhere else:
		// no map of the head's places for it (a 1,024-entry map a change).
		if was == nil && (i >= len(p.headRecs) || p.headRecs[i].Path != r.Path) {
			was = make(map[*manifest.Record]int, len(p.headRecs))
			for j, old := range p.headRecs {
				was[old] = j
			}
		}
		if j, ok := was[r]; ok {
			idx, vals = append(idx, i), append(vals, p.head.At(j))
			continue
		}
		v, ok := p.elementOf(&p.ce, r)
		if !ok {
			return nil, false
		}
		idx, vals = append(idx, i), append(vals, v)
	}
	switch {
	case p.head.Len() == n && len(idx) == 0:
	case p.head.Len() == n:
		p.head = p.head.With(idx, vals)
	default:
		head := make([]any, n)
		for i := range n {
			if i < len(p.headRecs) && p.headRecs[i] == recordAt(p.recs, i) {
				head[i] = p.head.At(i) // the places not in idx
			}
		}
		for k, i := range idx {
			head[i] = vals[k]
		}
		p.head = manifest.NewChunks(head)
	}
	p.headRecs = p.headRecs[:0]
	for i := range n {
		p.headRecs = append(p.headRecs, recordAt(p.recs, i))
	}
	return &mappedList{recs: p.recs, head: p.head, stages: p.stages, title: p.ce.env["title"]}, true
}

// elementOf makes the element of record r in ce, as the field shows it.
func (p *part) elementOf(ce *closureEnv, r *manifest.Record) (any, bool) {
	v, in, err := runChain(ce, p.stages, r)
	if err != nil || !in {
		return nil, false // cannot be: the closures gave it before
	}
	return plainElement(v), true
}

// mappedList is the value of a whole field that maps every record (see
// mapsRows): a render.List. It is immutable, and safe for concurrent use:
// each read that makes elements runs the closures on a machine of its own.
type mappedList struct {
	recs   records // a source's snapshot: never modified
	head   *manifest.Chunks[any]
	stages []stage
	title  any

	flatOnce sync.Once
	flat     []any
	envs     sync.Pool // of *closureEnv: At is called element by element
}

func (l *mappedList) Len() int { return recordsLen(l.recs) }

// At returns element i, made afresh past the head.
func (l *mappedList) At(i int) any {
	if i < l.head.Len() {
		return l.head.At(i)
	}
	ce, _ := l.envs.Get().(*closureEnv)
	if ce == nil {
		ce = l.env()
	}
	defer l.envs.Put(ce)
	return l.make(ce, i)
}

func (l *mappedList) env() *closureEnv {
	return &closureEnv{env: map[string]any{"title": l.title}}
}

func (l *mappedList) make(ce *closureEnv, i int) any {
	v, _, _ := runChain(ce, l.stages, recordAt(l.recs, i))
	return plainElement(v)
}

// Slice returns every element, made on the first call and shared after
// (the pager sorts and filters all rows): it must not be modified.
func (l *mappedList) Slice() []any {
	l.flatOnce.Do(func() { l.flat = l.elements() })
	return l.flat
}

// elements makes every element, on every core for many (as a first
// evaluation does: the JSON of /data follows it).
func (l *mappedList) elements() []any {
	out := make([]any, recordsLen(l.recs))
	workers := min(runtime.GOMAXPROCS(0), len(out)/parallelFrom+1)
	chunk := (len(out) + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, len(out))
		wg.Go(func() {
			ce := l.env()
			for i := lo; i < hi; i++ {
				if i < l.head.Len() {
					out[i] = l.head.At(i)
				} else {
					out[i] = l.make(ce, i)
				}
			}
		})
	}
	wg.Wait()
	return out
}

// MarshalJSON writes the list as a JSON array, making the elements for
// the encoding only: a list of a row per file is not kept whole for it.
func (l *mappedList) MarshalJSON() ([]byte, error) {
	return json.Marshal(l.elements())
}

// same reports whether m holds the same elements as l, comparing the
// elements of the records that differ.
func (l *mappedList) same(m *mappedList) bool {
	if l == m {
		return true
	}
	changed, ok := changedRecords(l.recs, m.recs)
	if !ok {
		return false
	}
	for _, i := range changed {
		if !reflect.DeepEqual(l.At(i), m.At(i)) {
			return false
		}
	}
	return true
}
