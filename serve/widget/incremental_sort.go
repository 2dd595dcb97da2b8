package widget

import (
	"math"
	"slices"
	"sort"
	"time"

	exprrt "github.com/expr-lang/expr/vm/runtime"
)

// sortedElements sorts the elements as sortBy and sort do (expr's
// comparison, Go's unstable sort.Sort over the elements in order). When
// every key differs from its neighbours the order is the only one any
// sort gives, and the index kept by difference is used instead.
func (p *part) sortedElements() []any {
	if p.sorted.ok && !p.sorted.partial {
		return p.sorted.slice(0, p.sorted.n)
	}
	vals := p.elements()
	keys := make([]any, 0, len(vals))
	for i, r := range p.recs.All() {
		if it := p.items.at(i, r); it.in() {
			keys = append(keys, p.term(it))
		}
	}
	sort.Sort(&exprrt.SortBy{Desc: p.desc, Array: vals, Values: keys})
	p.sorted.rebuild(keys, vals, p.desc)
	return vals
}

// sortIndex keeps the elements of a sort in order as they come and go,
// while the order is strict (no two keys equal under expr's comparison)
// and the keys are all of one kind whose comparison is a total order. It
// keeps them in blocks of up to 2*sortBlock entries, so that an insertion
// or a removal moves the entries of a block, not of the whole order (a
// million at 1M files). A sort cut to its first places keeps only the
// best keep entries (partial once some are left out): an entry left out is
// after every one kept, so the first places are known while enough are
// kept, and a full sort makes the index again when too few are.
type sortIndex struct {
	blocks  [][]sortEntry
	n       int
	kind    int
	desc    bool
	ok      bool
	keep    int  // the most entries kept; 0 for all
	partial bool // some entries are left out (all after the last kept)
}

// topExtra is how many entries a sort cut to its first places keeps past
// them: that many can leave the top before the index is made again. A
// variable so that tests can make it small.
var topExtra = 1024

type sortEntry struct{ key, val any }

// sortBlock is a variable so that tests can make blocks small enough for
// their small trees to span many.
var sortBlock = 512

const (
	kindNone = iota
	kindNumber
	kindInt
	kindString
	kindTime
)

// keyKind is the kind of a sort key, among which expr's comparison is a
// total order: numbers (JSON's whole numbers are ints, the others floats,
// so a key such as CPU seconds has both), ints too large for a float to
// tell apart, strings, times.
func keyKind(k any) int {
	switch x := k.(type) {
	case int:
		if x >= -1<<53 && x <= 1<<53 {
			return kindNumber
		}
		return kindInt
	case float64:
		if math.IsNaN(x) {
			return kindNone
		}
		return kindNumber
	case string:
		return kindString
	case time.Time:
		return kindTime
	}
	return kindNone
}

func before(a, b any, desc bool) bool {
	if desc {
		return exprrt.Less(b, a)
	}
	return exprrt.Less(a, b)
}

// rebuild takes a freshly sorted order as the index (its first keep
// entries), if it is strict there.
func (s *sortIndex) rebuild(keys, vals []any, desc bool) {
	*s = sortIndex{desc: desc, keep: s.keep}
	m := len(keys)
	if s.keep > 0 && m > s.keep {
		m = s.keep
	}
	kind := kindNone
	for i, k := range keys[:min(m+1, len(keys))] { // the kept, and the first left out
		kk := keyKind(k)
		if kk == kindNone || (i > 0 && kk != kind) {
			return
		}
		kind = kk
		if i > 0 && !before(keys[i-1], k, desc) {
			return
		}
	}
	for lo := 0; lo < m; lo += sortBlock {
		hi := min(lo+sortBlock, m)
		b := make([]sortEntry, 0, hi-lo) // grown by the insertions that come
		for i := lo; i < hi; i++ {
			b = append(b, sortEntry{keys[i], vals[i]})
		}
		s.blocks = append(s.blocks, b)
	}
	s.n, s.kind, s.ok, s.partial = m, kind, true, m < len(keys)
}

// last is the key of the last entry kept, which must exist.
func (s *sortIndex) last() any {
	b := s.blocks[len(s.blocks)-1]
	return b[len(b)-1].key
}

// leftOut reports whether k belongs to an entry left out: after the last
// kept (a key equal to it is the last kept one's, or a tie).
func (s *sortIndex) leftOut(k any) bool {
	if !s.partial {
		return false
	}
	if s.n == 0 {
		s.ok = false // nothing kept to place k by: made again
		return true
	}
	return before(s.last(), k, s.desc)
}

// search returns the place of the first entry whose key is not before k:
// block b, entry i (b == len(blocks) past the last).
func (s *sortIndex) search(k any) (b, i int) {
	b = sort.Search(len(s.blocks), func(j int) bool {
		blk := s.blocks[j]
		return !before(blk[len(blk)-1].key, k, s.desc)
	})
	if b == len(s.blocks) {
		return b, 0
	}
	blk := s.blocks[b]
	return b, sort.Search(len(blk), func(j int) bool { return !before(blk[j].key, k, s.desc) })
}

// at reports whether the entry at (b, i) has key k.
func (s *sortIndex) at(b, i int, k any) bool {
	return b < len(s.blocks) && !before(k, s.blocks[b][i].key, s.desc)
}

// fits reports whether k can go into the index: a key of its kind.
func (s *sortIndex) fits(k any) bool {
	kk := keyKind(k)
	if kk == kindNone || (s.n > 0 && kk != s.kind) {
		return false
	}
	s.kind = kk
	return true
}

func (s *sortIndex) insert(k, v any) {
	if !s.ok {
		return
	}
	if !s.fits(k) {
		s.ok = false
		return
	}
	if s.leftOut(k) {
		return
	}
	b, i := s.search(k)
	if s.at(b, i, k) {
		s.ok = false // a tie: the order depends on the sort
		return
	}
	if b == len(s.blocks) { // after every entry: at the end of the last block
		if b == 0 {
			s.blocks = append(s.blocks, nil)
		}
		b = len(s.blocks) - 1
		i = len(s.blocks[b])
	}
	blk := slices.Insert(s.blocks[b], i, sortEntry{k, v})
	if len(blk) > 2*sortBlock { // split in two halves
		rest := slices.Clone(blk[sortBlock:])
		blk = blk[:sortBlock:sortBlock]
		s.blocks = slices.Insert(s.blocks, b+1, rest)
	}
	s.blocks[b] = blk
	s.n++
	if s.keep > 0 && s.n > s.keep { // the last is left out
		last := len(s.blocks) - 1
		s.blocks[last] = s.blocks[last][:len(s.blocks[last])-1]
		if len(s.blocks[last]) == 0 {
			s.blocks = s.blocks[:last]
		}
		s.n--
		s.partial = true
	}
}

func (s *sortIndex) remove(k any) {
	if !s.ok {
		return
	}
	if keyKind(k) != s.kind {
		s.ok = false
		return
	}
	if s.leftOut(k) {
		return
	}
	b, i := s.search(k)
	if !s.at(b, i, k) {
		s.ok = false // not there: the index is not what it should be
		return
	}
	s.blocks[b] = slices.Delete(s.blocks[b], i, i+1)
	if len(s.blocks[b]) == 0 {
		s.blocks = slices.Delete(s.blocks, b, b+1)
	}
	s.n--
}

// replace is remove(old) and then insert(k, v).
func (s *sortIndex) replace(old, k, v any) {
	s.remove(old)
	s.insert(k, v)
}

// slice lists the values of entries lo to hi (at most n) in order.
func (s *sortIndex) slice(lo, hi int) []any {
	hi = min(hi, s.n)
	lo = min(lo, hi)
	out := make([]any, 0, hi-lo)
	at := 0
	for _, blk := range s.blocks {
		if at >= hi {
			break
		}
		if at+len(blk) > lo {
			for _, e := range blk[max(lo-at, 0):min(hi-at, len(blk))] {
				out = append(out, e.val)
			}
		}
		at += len(blk)
	}
	return out
}
