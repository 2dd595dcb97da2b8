package widget

import (
	"math"
	"slices"
	"sort"
	"strings"
)

// callIndex keeps mean, median, min, max, uniq and find by difference, with
// the results of expr's own functions (builtin's mean, median, minMax,
// uniq): the elements as floats in order for median, min and max, and the
// first element with the extreme value; per value its count and first
// element (by record order) for uniq and find; mean is expr's float sum in
// order, kept by sumTerms. An element these cannot keep exactly (not a
// number, a string, a bool or nil; a NaN; an int a float cannot tell apart
// from its neighbours; -0 in a median) makes the part call expr's function
// over every element instead.
type callIndex struct {
	odd    int // elements not kept exactly
	bag    floatBag
	win    firstOf // min, max: the first element with the extreme value
	firsts map[any]*firstOf
	order  []*firstOf // uniq: the values by their first element's path
	stale  []*firstOf // uniq: values whose first element left while others remain
	out    []any      // uniq's last value, while no first element moved
}

// firstOf is one value's count and first element.
type firstOf struct {
	key   any
	n     int
	path  string // the first element's record; a lower bound while stale
	val   any
	stale bool
}

// nilKey is the key of nil elements in uniq (expr's Equal(nil, nil)).
type nilKey struct{}

// exactInt is the largest int a float64 holds exactly, with all below it:
// ints within it compare with floats as their floats do.
const exactInt = 1 << 53

// callKey is the key an element of p's aggregate is kept by, and its
// float; ok is false when the element is not kept exactly.
func (p *part) callKey(v any) (key any, f float64, ok bool) {
	if p.agg == aggFind {
		return true, 0, true
	}
	name := p.callName
	switch x := v.(type) {
	case int:
		f = float64(x)
		if name != "mean" && name != "median" && (x > exactInt || x < -exactInt) {
			return nil, 0, false
		}
		return f, f, true
	case float64:
		if math.IsNaN(x) && name != "mean" || x == 0 && math.Signbit(x) && name == "median" {
			// NaN is equal to nothing; -0 and 0 are equal, so which a
			// median shows depends on where sort leaves them.
			return nil, 0, false
		}
		return x, x, true
	}
	if name != "uniq" {
		return nil, 0, false
	}
	switch v.(type) {
	case string, bool:
		return v, 0, true
	case nil:
		return nilKey{}, 0, true
	}
	return nil, 0, false
}

// account adds (sign 1) or removes (sign -1) the item of the record at
// path, which is in.
func (c *callIndex) account(p *part, it item, path string, sign int) {
	if b, _ := p.term(it).(bool); p.agg == aggFind && !b {
		return
	}
	v := it.val
	key, f, ok := p.callKey(v)
	if !ok {
		c.odd += sign
		return
	}
	switch p.callName {
	case "mean":
		return // p.sums and p.nIn
	case "median":
		c.bag.add(f, sign)
		return
	case "min", "max":
		if c.bag.keep == 0 {
			c.bag.keep, c.bag.high = max(topExtra, 1), p.callName == "max"
		}
		c.bag.add(f, sign)
		c.extreme(p.callName == "max", f, v, path, sign)
		return
	}
	c.first(p, key, v, path, sign)
}

// extreme keeps min's or max's first element with the extreme value (expr
// keeps the first, replacing it only by one strictly beyond): win.n is 1
// while it is known; once it leaves (stale), one at least as far beyond
// and not after it takes its place, else value walks to find it.
func (c *callIndex) extreme(isMax bool, f float64, v any, path string, sign int) {
	w := &c.win
	if sign < 0 {
		if w.n == 1 && path == w.path {
			w.stale = true
		}
		return
	}
	if w.n == 0 {
		return // not known: found when asked for
	}
	beyond := f > w.key.(float64)
	if !isMax {
		beyond = f < w.key.(float64)
	}
	if beyond || f == w.key.(float64) && (path < w.path || w.stale && path == w.path) {
		*w = firstOf{key: f, n: 1, path: path, val: v}
	}
}

// extremeValue is min's or max's value: the first element whose float is
// the bag's extreme f, found by a walk when not known (from the one that
// left, when it had the same value: nothing before it has).
func (c *callIndex) extremeValue(p *part, f float64) any {
	w := &c.win
	if w.n == 1 && !w.stale && w.key.(float64) == f {
		return w.val
	}
	from := 0
	if w.n == 1 && w.key.(float64) == f {
		from = sort.Search(p.recs.Len(), func(i int) bool { return p.recs.At(i).Path >= w.path })
	}
	for i := from; i < p.items.len(); i++ {
		r := p.recs.At(i)
		it := p.items.at(i, r)
		if _, g, ok := p.callKey(it.val); it.in() && !it.bad() && ok && g == f {
			*w = firstOf{key: f, n: 1, path: r.Path, val: it.val}
			return it.val
		}
	}
	*w = firstOf{}
	return nil // a lost element: a wrong value the differential test sees, not a fallback that hides it
}

// first keeps the count and first element of key's value.
func (c *callIndex) first(p *part, key, v any, path string, sign int) {
	if c.firsts == nil {
		c.firsts = map[any]*firstOf{}
	}
	e := c.firsts[key]
	if sign > 0 {
		if e == nil {
			e = &firstOf{key: key, n: 1, path: path, val: v}
			c.firsts[key] = e
			c.place(p, e)
			return
		}
		e.n++
		if path < e.path || e.stale && path == e.path {
			// Before the old first (or in its place): nothing between.
			c.unplace(p, e)
			e.path, e.val, e.stale = path, v, false
			c.place(p, e)
		}
		return
	}
	if e == nil {
		return // not kept: the differential test sees a wrong value
	}
	e.n--
	if e.n == 0 {
		c.unplace(p, e)
		delete(c.firsts, key)
		return
	}
	if path == e.path && !e.stale {
		e.stale = true
		if p.callName == "uniq" {
			c.stale = append(c.stale, e)
			c.out = nil
		}
	}
}

// place puts e in uniq's order by its path.
func (c *callIndex) place(p *part, e *firstOf) {
	if p.callName != "uniq" {
		return
	}
	i, _ := slices.BinarySearchFunc(c.order, e.path, func(x *firstOf, path string) int { return strings.Compare(x.path, path) })
	c.order = slices.Insert(c.order, i, e)
	c.out = nil
}

func (c *callIndex) unplace(p *part, e *firstOf) {
	if p.callName != "uniq" {
		return
	}
	i, _ := slices.BinarySearchFunc(c.order, e.path, func(x *firstOf, path string) int { return strings.Compare(x.path, path) })
	for i < len(c.order) && c.order[i] != e {
		i++ // another value's first at the same path (e is stale)
	}
	if i < len(c.order) {
		c.order = slices.Delete(c.order, i, i+1)
	}
	c.out = nil
}

// resolve finds the first element of a stale value: the first after its
// old first (nothing before it has the value), found by a walk from there.
func (c *callIndex) resolve(p *part, e *firstOf) {
	if !e.stale || e.n == 0 {
		return
	}
	from := sort.Search(p.recs.Len(), func(i int) bool { return p.recs.At(i).Path >= e.path })
	for i := from; i < p.items.len(); i++ {
		r := p.recs.At(i)
		it := p.items.at(i, r)
		if !it.in() || it.bad() {
			continue
		}
		if p.agg == aggFind {
			if b, _ := p.term(it).(bool); !b {
				continue
			}
		} else if k, _, ok := p.callKey(it.val); !ok || k != e.key {
			continue
		}
		c.unplace(p, e)
		e.path, e.val, e.stale = r.Path, it.val, false
		c.place(p, e)
		return
	}
}

// find is find's value: the first element whose predicate is true.
func (c *callIndex) find(p *part) any {
	e := c.firsts[true]
	if e == nil {
		return nil
	}
	c.resolve(p, e)
	return e.val
}

// value is the aggregate's value as expr's function gives it; ok is false
// when some element is not kept exactly.
func (c *callIndex) value(p *part) (any, bool) {
	if c.odd > 0 {
		return nil, false
	}
	n := p.nIn
	switch p.callName {
	case "mean":
		if n == 0 {
			return 0.0, true
		}
		total, _ := p.sums.sum(p).(float64)
		return total / float64(n), true
	case "median":
		switch {
		case n == 0:
			return 0.0, true
		case n%2 == 1:
			return c.bag.at(n / 2), true
		}
		return (c.bag.at(n/2-1) + c.bag.at(n/2)) / 2, true
	case "min", "max":
		if n == 0 {
			return nil, true
		}
		if c.bag.n == 0 {
			c.bag.rebuild(c.floats(p))
		}
		f := c.bag.at(0)
		if p.callName == "max" {
			f = c.bag.at(c.bag.n - 1)
		}
		return c.extremeValue(p, f), true
	case "uniq":
		for _, e := range c.stale {
			c.resolve(p, e)
		}
		c.stale = c.stale[:0]
		if c.out == nil {
			c.out = make([]any, len(c.order))
			for i, e := range c.order {
				c.out[i] = e.val
			}
		}
		return c.out, true
	}
	return nil, false
}

// floats lists the floats of the elements in, in order.
func (c *callIndex) floats(p *part) []float64 {
	out := make([]float64, 0, p.nIn)
	for i, r := range p.recs.All() {
		if it := p.items.at(i, r); it.in() && !it.bad() {
			if _, f, ok := p.callKey(it.val); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

// floatBag is a sorted multiset of floats, in blocks of up to 2*sortBlock
// so that an insertion or a removal moves a block, not all of them. For
// min and max it keeps only the keep floats nearest its extreme (the high
// end, or the low one): a float left out is beyond every one kept on the
// other side, so the extreme is known while one is kept, and made again
// from the elements (rebuild) once none is.
type floatBag struct {
	blocks  [][]float64
	n       int
	keep    int  // the most floats kept; 0 for all
	high    bool // keep the highest, not the lowest
	partial bool // some floats are left out
}

func (b *floatBag) add(f float64, sign int) {
	if b.partial && b.n == 0 {
		return // nothing kept to place f by: made again when asked for
	}
	if b.partial && b.leftOut(f) {
		return
	}
	if sign < 0 {
		b.remove(f)
		return
	}
	b.insert(f)
	if b.keep > 0 && b.n > b.keep { // the farthest from the extreme is left out
		if b.high {
			b.remove(b.at(0))
		} else {
			b.remove(b.at(b.n - 1))
		}
		b.partial = true
	}
}

// leftOut reports whether f is beyond every float kept on the side away
// from the extreme: a float left out, or one to leave out.
func (b *floatBag) leftOut(f float64) bool {
	if b.high {
		return f < b.at(0)
	}
	return f > b.at(b.n-1)
}

// rebuild makes the bag again from every float.
func (b *floatBag) rebuild(fs []float64) {
	slices.Sort(fs)
	partial := b.keep > 0 && len(fs) > b.keep
	if partial && b.high {
		fs = fs[len(fs)-b.keep:]
	} else if partial {
		fs = fs[:b.keep]
	}
	*b = floatBag{keep: b.keep, high: b.high, partial: partial}
	for _, f := range fs {
		b.insert(f)
	}
}

// block is the block f is in or goes in: the first whose last is not
// below f, or the last one.
func (b *floatBag) block(f float64) int {
	k := sort.Search(len(b.blocks), func(k int) bool {
		bl := b.blocks[k]
		return bl[len(bl)-1] >= f
	})
	return min(k, len(b.blocks)-1)
}

func (b *floatBag) insert(f float64) {
	b.n++
	if len(b.blocks) == 0 {
		b.blocks = [][]float64{{f}}
		return
	}
	k := b.block(f)
	bl := b.blocks[k]
	i, _ := slices.BinarySearch(bl, f)
	bl = slices.Insert(bl, i, f)
	if len(bl) > 2*sortBlock {
		half := len(bl) / 2
		b.blocks = slices.Insert(b.blocks, k+1, slices.Clone(bl[half:]))
		bl = bl[:half]
	}
	b.blocks[k] = bl
}

func (b *floatBag) remove(f float64) {
	if len(b.blocks) == 0 {
		return
	}
	k := b.block(f)
	bl := b.blocks[k]
	i, found := slices.BinarySearch(bl, f)
	if !found {
		return // not kept: the differential test sees a wrong value
	}
	b.n--
	if bl = slices.Delete(bl, i, i+1); len(bl) == 0 {
		b.blocks = slices.Delete(b.blocks, k, k+1)
		return
	}
	b.blocks[k] = bl
}

// at is the i-th smallest float, which must exist.
func (b *floatBag) at(i int) float64 {
	for _, bl := range b.blocks {
		if i < len(bl) {
			return bl[i]
		}
		i -= len(bl)
	}
	return math.NaN()
}
