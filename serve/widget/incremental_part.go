package widget

import (
	"maps"
	"math"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	exprrt "github.com/expr-lang/expr/vm/runtime"

	"github.com/syft-widget/syft-widget/manifest"
)

// aggKind is what a part computes from the elements of its chain.
type aggKind int

const (
	aggList    aggKind = iota // the elements themselves (filter, map)
	aggLen                    // len
	aggCount                  // count, with or without a predicate
	aggSum                    // sum, with or without a function
	aggAny                    // any
	aggAll                    // all
	aggNone                   // none
	aggOne                    // one
	aggFind                   // find
	aggGroupBy                // groupBy
	aggSort                   // sortBy, and sort (no closure)
	aggCall                   // mean, median, min, max, uniq: expr's own function over the elements
)

// predicate reports whether the aggregate's closure (or the element, with
// none) must give a bool.
func (k aggKind) predicate() bool {
	switch k {
	case aggCount, aggAny, aggAll, aggNone, aggOne, aggFind:
		return true
	}
	return false
}

// stage is one filter or map of a chain.
type stage struct {
	filter bool
	fn     *manifest.Field
}

// part is one recognised piece of an expression: a chain of filter and map
// stages over a glob source, and an aggregate of the chain's elements. It
// keeps one item per record, in the source's order (by path).
type part struct {
	src    string
	stages []stage
	agg    aggKind
	fn     *manifest.Field // the aggregate's closure; nil when it has none
	desc   bool            // sortBy, sort: descending
	// plainElements: the part is a whole field that lists its elements
	// (filter, map, sort): they are kept in their plain form, as the field
	// shows them.
	plainElements bool
	call          func(...any) (any, error)
	callName      string

	recs  *manifest.Chunks[*manifest.Record] // the records items were computed from
	items itemColumns
	// list is the last list of elements a whole-field list gave, while it
	// held every item (one per record, in order); listDirty are the items
	// replaced since. The next list is a patched copy, not a new walk.
	list      []any
	listDirty []int
	ce        closureEnv

	// Kept by difference as records come and go.
	groups  groupIndex
	nIn     int   // items that passed every filter
	size    int64 // their output sizes, when plainElements
	nTrue   int   // of those, whose predicate is true
	nBad    int   // items whose closures failed
	nNonInt int   // of the items in, those whose sum term is not an int
	nFloat  int   // of those, the float64 ones
	sums    sumTerms
	intSum  int // sum of the int terms (wrapping, as expr's does)
	sorted  sortIndex

	out   any // the value, until the records change
	outOK bool
	plain any // its plain form, once asked for
	// checked: checkErr says whether out is over the output limit.
	checked  bool
	checkErr error
	fresh    bool
}

// item is what the closures gave for one record. A part keeps one per
// record (about fifteen parts over 100,000 records in the benchmark
// dashboards), so the item is kept small: whether the record is in, is
// bad, and its output size share one word.
type item struct {
	val any // the element after the map stages
	key any // the aggregate's closure result
	// state is itemOut (the zero value: filtered out), itemBad (a
	// closure failed, or a predicate gave no bool), or, for an item that
	// passed every filter, 1 + what val counts toward the output limit
	// (when plainElements; else 0).
	state int64
}

const (
	itemOut int64 = 0
	itemBad int64 = -1
)

// badItem is the item of a record whose closures failed.
var badItem = item{state: itemBad}

// itemColumns holds a part's items, one per record, column by column, and
// only the columns the part's aggregate reads (see part.newItems): a count
// keeps its predicates' results and one byte of state per record, not
// each record's element.
type itemColumns struct {
	state []int8  // itemOut, itemBad, or 1 (in)
	size  []int64 // when the items count toward the output limit
	val   []any   // when the aggregate reads the elements
	key   []any   // when the aggregate has a closure, or sorts

	// Which of size, val and key the part keeps.
	sized, vals, keys bool
}

// newItems is an empty itemColumns with room for n items, keeping the
// columns p reads.
func (p *part) newItems(n int) itemColumns {
	c := itemColumns{sized: p.plainElements, vals: p.keepsVal(), keys: p.fn != nil || p.agg == aggSort}
	c.state = make([]int8, 0, n)
	if c.sized {
		c.size = make([]int64, 0, n)
	}
	if c.vals {
		c.val = make([]any, 0, n)
	}
	if c.keys {
		c.key = make([]any, 0, n)
	}
	return c
}

// keepsVal reports whether the part's value reads the elements, and not
// only whether they passed the filters and their closures' results.
func (p *part) keepsVal() bool {
	switch p.agg {
	case aggLen:
		return false
	case aggCount, aggAny, aggAll, aggNone, aggOne, aggSum:
		return p.fn == nil // else the aggregate reads only its closure's results
	}
	return true
}

// trim drops what the part does not keep of an item, so that an item
// computed afresh compares with a kept one.
func (c *itemColumns) trim(it item) item {
	if !c.vals {
		it.val = nil
	}
	if !c.keys {
		it.key = nil
	}
	return it
}

func (c *itemColumns) len() int { return len(c.state) }

func (c *itemColumns) at(i int) item {
	it := item{state: int64(c.state[i])}
	if c.sized && it.state > itemOut {
		it.state = 1 + c.size[i]
	}
	if c.vals {
		it.val = c.val[i]
	}
	if c.keys {
		it.key = c.key[i]
	}
	return it
}

func (c *itemColumns) set(i int, it item) {
	c.state[i] = int8(min(it.state, 1))
	if c.sized {
		c.size[i] = it.size()
	}
	if c.vals {
		c.val[i] = it.val
	}
	if c.keys {
		c.key[i] = it.key
	}
}

func (c *itemColumns) push(it item) {
	c.state = append(c.state, 0)
	if c.sized {
		c.size = append(c.size, 0)
	}
	if c.vals {
		c.val = append(c.val, nil)
	}
	if c.keys {
		c.key = append(c.key, nil)
	}
	c.set(len(c.state)-1, it)
}

func (it item) in() bool    { return it.state > itemOut }
func (it item) bad() bool   { return it.state == itemBad }
func (it item) size() int64 { return max(it.state-1, 0) }

func (p *part) clone() *part {
	return &part{src: p.src, stages: slices.Clone(p.stages), agg: p.agg}
}

func (p *part) aggregate(k aggKind, fn *manifest.Field) *part {
	q := p.clone()
	q.agg, q.fn = k, fn
	return q
}

// mapped reports whether the chain's elements are no longer the records.
func (p *part) mapped() bool {
	return slices.ContainsFunc(p.stages, func(s stage) bool { return !s.filter })
}

// closureEnv is where a part's closures run: their environment and machine.
type closureEnv struct {
	env map[string]any
	vm  manifest.Runner
}

// run evaluates a closure for one element.
func (c *closureEnv) run(f *manifest.Field, v any) (any, error) {
	c.env["__it"] = v
	return c.vm.Run(f, c.env)
}

// compute runs the closures for one record.
func (p *part) compute(r *manifest.Record) item { return p.items.trim(p.computeIn(&p.ce, r)) }

// parallelFrom is the number of records from which computeAll spreads
// the closures' runs over the machine's cores (a variable for tests, whose
// trees are small).
var parallelFrom = 4096

// computeAll runs the closures of every record, as a first evaluation
// does: on every core for many records (closures read only their record
// and the title, and each worker has an environment and machine of its
// own).
func (p *part) computeAll(recs []*manifest.Record) itemColumns {
	items := p.newItems(len(recs))
	for range recs {
		items.push(item{})
	}
	workers := min(runtime.GOMAXPROCS(0), len(recs)/parallelFrom+1)
	chunk := (len(recs) + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		ce := &p.ce
		if w > 0 {
			ce = &closureEnv{env: maps.Clone(p.ce.env)}
		}
		lo, hi := w*chunk, min((w+1)*chunk, len(recs))
		wg.Go(func() {
			for j := lo; j < hi; j++ {
				items.set(j, p.computeIn(ce, recs[j]))
			}
		})
	}
	wg.Wait()
	return items
}

// computeIn runs the closures for one record in ce.
func (p *part) computeIn(ce *closureEnv, r *manifest.Record) item {
	var v any = r
	for _, s := range p.stages {
		out, err := ce.run(s.fn, v)
		if err != nil {
			return badItem
		}
		if s.filter {
			b, ok := out.(bool)
			if !ok {
				return badItem
			}
			if !b {
				return item{}
			}
			continue
		}
		v = out
	}
	it := item{val: v, state: 1}
	if p.fn != nil {
		k, err := ce.run(p.fn, v)
		if err != nil {
			return badItem
		}
		it.key = k
	} else if p.agg == aggSort {
		it.key = v // sort compares the elements themselves
	}
	if p.plainElements {
		it.state = 1 + manifest.OutputSize(v) // of expr's value, as a field's check sees it
		it.val = plainElement(v)
	}
	if p.agg.predicate() {
		if _, ok := p.term(it).(bool); !ok {
			return badItem
		}
	}
	return it
}

// term is what the aggregate takes of an item: its closure's result, or
// the element itself when the aggregate has no closure.
func (p *part) term(it item) any {
	if p.fn != nil || p.agg == aggSort {
		return it.key
	}
	return it.val
}

// account adds (sign 1) or removes (sign -1) an item's share of the
// aggregates kept by difference.
func (p *part) account(it item, path string, sign int) {
	if it.bad() {
		p.nBad += sign
		return
	}
	if !it.in() {
		return
	}
	p.nIn += sign
	p.size += int64(sign) * it.size()
	t := p.term(it)
	switch p.agg {
	case aggSum:
		if n, ok := t.(int); ok {
			p.intSum += sign * n
		} else {
			p.nNonInt += sign
			if _, ok := t.(float64); ok {
				p.nFloat += sign
			}
		}
	case aggSort:
		if sign > 0 {
			p.sorted.insert(t, it.val, p.desc)
		} else {
			p.sorted.remove(t, p.desc)
		}
	case aggGroupBy:
		p.groups.account(t, path, it.val, sign)
	default:
		if b, _ := t.(bool); b && p.agg.predicate() {
			p.nTrue += sign
		}
	}
}

// sync brings the items up to date with recs, the source's records sorted
// by path: only records that are new or replaced (a changed file is a new
// record) have their closures run.
func (p *part) sync(recs *manifest.Chunks[*manifest.Record], title string, in *Incremental) {
	if p.ce.env == nil {
		p.ce.env = map[string]any{"title": title}
	}
	old := p.recs
	if p.fresh && old == recs {
		return
	}
	if p.fresh {
		if d := in.diffOf(p.src, old, recs); d.ok {
			// The common case: files changed in place. Records that give
			// the same item as before (filtered out before and after, or
			// rewritten with what the closures see unchanged) leave the
			// value as it was: the same list, not walked again later.
			touched := false
			for _, i := range d.changed {
				was, now := p.items.at(i), p.compute(recs.At(i))
				if !changedItem(was, now) {
					continue // an equal item: the old one stays, in every index
				}
				if p.agg == aggSort && was.in() && now.in() && !was.bad() && !now.bad() {
					// One move of the entries between the two places,
					// not a removal and an insertion that each move half.
					p.size += now.size() - was.size()
					p.sorted.replace(p.term(was), p.term(now), now.val, p.desc)
				} else {
					p.account(was, recs.At(i).Path, -1)
					p.account(now, recs.At(i).Path, 1)
				}
				p.items.set(i, now)
				if p.list != nil {
					p.listDirty = append(p.listDirty, i)
				}
				if p.agg == aggSum {
					kind, bits := p.sumTerm(now)
					p.sums.set(i, kind, bits)
				}
				touched = true
			}
			p.recs = recs
			if touched {
				p.out, p.outOK, p.plain, p.checked = nil, false, nil, false
			}
			return
		}
	}
	p.out, p.outOK, p.plain, p.checked = nil, false, nil, false
	p.fresh = true
	p.list, p.listDirty = nil, p.listDirty[:0]
	if old.Len() == 0 {
		items := p.computeAll(recs.Slice())
		for j := range items.len() {
			p.account(items.at(j), recs.At(j).Path, 1)
		}
		p.recs, p.items = recs, items
		p.sums.valid = false
		return
	}
	items := p.newItems(recs.Len())
	i, j := 0, 0
	for i < old.Len() || j < recs.Len() {
		switch {
		case j == recs.Len() || (i < old.Len() && old.At(i).Path < recs.At(j).Path):
			p.account(p.items.at(i), old.At(i).Path, -1)
			i++
		case i == old.Len() || recs.At(j).Path < old.At(i).Path:
			it := p.compute(recs.At(j))
			p.account(it, recs.At(j).Path, 1)
			items.push(it)
			j++
		default:
			it := p.items.at(i)
			if old.At(i) != recs.At(j) {
				p.account(it, old.At(i).Path, -1)
				it = p.compute(recs.At(j))
				p.account(it, recs.At(j).Path, 1)
			}
			items.push(it)
			i++
			j++
		}
	}
	p.recs, p.items = recs, items
	p.sums.valid = false
}

// changedItem reports whether a record's new item can change the part's
// value.
func changedItem(was, now item) bool {
	if was.bad() || now.bad() {
		return true
	}
	if !was.in() && !now.in() {
		return false
	}
	return was.in() != now.in() || !reflect.DeepEqual(was.val, now.val) || !reflect.DeepEqual(was.key, now.key)
}

// plainValue is manifest.Plain of the value (which must be known), kept
// while the records do not change.
func (p *part) plainValue() any {
	if p.plain == nil {
		if p.plainElements {
			p.plain = p.out // plain already, and a new list
		} else {
			p.plain = manifest.Plain(p.out)
		}
	}
	return p.plain
}

// plainElement is Plain(v), but v itself when it is an object of scalars
// (as a map to rows gives): such objects are shared, never modified.
func plainElement(v any) any {
	if isPlainObject(v) {
		return v
	}
	return manifest.Plain(v)
}

// isPlainObject reports whether v is a map whose values Plain keeps as
// they are.
func isPlainObject(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for _, e := range m {
		switch x := e.(type) {
		case nil, bool, int, string, time.Time:
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// value is the part's value; ok is false when a closure failed for some
// record or the aggregate failed: then only a fresh evaluation of the whole
// field says what expr says.
func (p *part) value() (v any, ok bool) {
	if p.outOK {
		return p.out, true
	}
	if p.nBad > 0 {
		return nil, false
	}
	defer func() {
		// expr's comparisons and arithmetic panic on values they cannot
		// take; expr reports those as errors.
		if r := recover(); r != nil {
			v, ok = nil, false
		}
	}()
	switch p.agg {
	case aggList:
		v = p.elementList()
	case aggLen:
		v = p.nIn
	case aggCount:
		v = p.nTrue
	case aggAny:
		v = p.nTrue > 0
	case aggAll:
		v = p.nTrue == p.nIn
	case aggNone:
		v = p.nTrue == 0
	case aggOne:
		v = p.nTrue == 1
	case aggFind:
		for i := range p.items.len() {
			it := p.items.at(i)
			if b, _ := p.term(it).(bool); it.in() && b {
				v = it.val
				break
			}
		}
	case aggSum:
		if p.nNonInt == 0 {
			v = p.intSum
			break
		}
		// Floats do not add exactly: add the terms in expr's order, as it does.
		if p.nFloat == p.nNonInt {
			v = p.sums.sum(p)
			break
		}
		var acc any = 0
		for i := range p.items.len() {
			it := p.items.at(i)
			if it.in() {
				acc = exprrt.Add(p.term(it), acc)
			}
		}
		v = acc
	case aggGroupBy:
		v = p.groups.value()
	case aggSort:
		v = p.sortedElements()
	case aggCall:
		if p.callName == "uniq" {
			if u, done := p.uniqStrings(); done {
				v = u
				break
			}
		}
		out, err := p.call(p.elements())
		if err != nil {
			return nil, false
		}
		v = out
	}
	p.out, p.outOK = v, true
	return v, true
}

// sumTerm is what an item adds to a sum of ints and floats: nothing, an
// int, or a float (its bits).
func (p *part) sumTerm(it item) (kind uint8, bits uint64) {
	if it.bad() || !it.in() {
		return termNone, 0
	}
	switch t := p.term(it).(type) {
	case int:
		return termInt, uint64(t)
	case float64:
		return termFloat, math.Float64bits(t)
	}
	return termNone, 0 // not a number: the sum is not kept (see value)
}

const (
	termNone uint8 = iota
	termInt
	termFloat
)

// sumTerms keeps a sum of int and float terms (one per item) as expr adds
// them, left to right and by its rules (ints add as wrapping ints until
// the first float, then everything adds as floats: t + sum), so that a change re-adds only from
// the block of the first changed item: at holds the running sum at the
// start of every block, and a term that changed invalidates the blocks
// after it.
type sumTerms struct {
	kinds []uint8
	bits  []uint64
	at    []runningSum // at[k] is the running sum before item k*sumBlock
	dirty int          // the first item whose term changed since the last sum
	valid bool         // kinds and bits are the items' (and at, up to dirty's block)
}

// runningSum is expr's sum so far: an int until the first float.
type runningSum struct {
	n       int
	f       float64
	isFloat bool
}

// sumBlock is a variable so that tests can make blocks small enough for
// their small trees to span many.
var sumBlock = 1024

func (s *sumTerms) set(i int, kind uint8, bits uint64) {
	if !s.valid {
		return
	}
	if s.kinds[i] != kind || s.bits[i] != bits {
		s.kinds[i], s.bits[i] = kind, bits
		s.dirty = min(s.dirty, i)
	}
}

// sum is expr's sum of p's terms, re-added from the first changed block.
func (s *sumTerms) sum(p *part) any {
	if !s.valid {
		n := p.items.len()
		s.kinds = slices.Grow(s.kinds[:0], n)[:n]
		s.bits = slices.Grow(s.bits[:0], n)[:n]
		for i := range n {
			s.kinds[i], s.bits[i] = p.sumTerm(p.items.at(i))
		}
		s.at, s.dirty, s.valid = s.at[:0], 0, true
	}
	if len(s.at) == 0 {
		s.at = append(s.at, runningSum{})
	}
	k := min(s.dirty/sumBlock, len(s.at)-1)
	s.at = s.at[:k+1]
	r := s.at[k]
	for i := k * sumBlock; i < len(s.kinds); i++ {
		if i%sumBlock == 0 && i/sumBlock == len(s.at) {
			s.at = append(s.at, r)
		}
		switch s.kinds[i] {
		case termInt:
			t := int(s.bits[i])
			if r.isFloat {
				r.f = float64(t) + r.f
			} else {
				r.n = t + r.n
			}
		case termFloat:
			t := math.Float64frombits(s.bits[i])
			if r.isFloat {
				r.f = t + r.f
			} else {
				r.f, r.isFloat = t+float64(r.n), true
			}
		}
	}
	s.dirty = len(s.kinds)
	if r.isFloat {
		return r.f
	}
	return r.n
}

// elementList is elements(), from the last list and the items replaced
// since when that list held every item: a copy of it, not a walk over the
// items. The list is not modified after: the value of the field holds it.
func (p *part) elementList() []any {
	var out []any
	if p.list != nil && p.nIn == p.items.len() {
		out = slices.Clone(p.list)
		for _, i := range p.listDirty {
			out[i] = p.items.val[i]
		}
	} else {
		out = p.elements()
	}
	p.list, p.listDirty = nil, p.listDirty[:0]
	if p.plainElements && p.nIn == p.items.len() {
		p.list = out
	}
	return out
}

// elements lists the elements that passed the filters, in order.
func (p *part) elements() []any {
	out := make([]any, 0, p.nIn)
	for i := range p.items.len() {
		it := p.items.at(i)
		if it.in() {
			out = append(out, it.val)
		}
	}
	return out
}

// uniqStrings is uniq for elements that are all strings, with a set
// instead of expr's comparison of each element with every one kept.
func (p *part) uniqStrings() ([]any, bool) {
	seen := map[string]bool{}
	out := []any{}
	for i := range p.items.len() {
		it := p.items.at(i)
		if !it.in() {
			continue
		}
		s, ok := it.val.(string)
		if !ok {
			return nil, false
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out, true
}

// sortedElements sorts the elements as sortBy and sort do (expr's
// comparison, Go's unstable sort.Sort over the elements in order). When
// every key differs from its neighbours the order is the only one any
// sort gives, and the index kept by difference is used instead.
func (p *part) sortedElements() []any {
	if p.sorted.ok {
		// Not copied: a part's value is used within one evaluation, and
		// what outlives it is its plain form, a copy.
		if p.plainElements {
			return slices.Clone(p.sorted.vals)
		}
		return p.sorted.vals[:len(p.sorted.vals):len(p.sorted.vals)]
	}
	vals := p.elements()
	keys := make([]any, 0, len(vals))
	for i := range p.items.len() {
		it := p.items.at(i)
		if it.in() {
			keys = append(keys, p.term(it))
		}
	}
	sort.Sort(&exprrt.SortBy{Desc: p.desc, Array: vals, Values: keys})
	p.sorted.rebuild(keys, vals, p.desc)
	return vals
}

// sortIndex keeps the elements of a sort in order as they come and go,
// while the order is strict (no two keys equal under expr's comparison)
// and the keys are all of one kind whose comparison is a total order.
type sortIndex struct {
	keys, vals []any
	kind       int
	ok         bool
}

const (
	kindNone = iota
	kindInt
	kindFloat
	kindString
	kindTime
)

func keyKind(k any) int {
	switch x := k.(type) {
	case int:
		return kindInt
	case float64:
		if math.IsNaN(x) {
			return kindNone
		}
		return kindFloat
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

// rebuild takes a freshly sorted order as the index, if it is strict.
func (s *sortIndex) rebuild(keys, vals []any, desc bool) {
	s.ok = false
	kind := kindNone
	for i, k := range keys {
		kk := keyKind(k)
		if kk == kindNone || (i > 0 && kk != kind) {
			return
		}
		kind = kk
		if i > 0 && !before(keys[i-1], k, desc) {
			return
		}
	}
	s.keys, s.vals, s.kind, s.ok = slices.Clone(keys), slices.Clone(vals), kind, true
	if len(keys) == 0 {
		s.kind = kindNone
	}
}

// search returns the first position whose key is not before k.
func (s *sortIndex) search(k any, desc bool) int {
	return sort.Search(len(s.keys), func(i int) bool { return !before(s.keys[i], k, desc) })
}

func (s *sortIndex) insert(k, v any, desc bool) {
	if !s.ok {
		return
	}
	kk := keyKind(k)
	if kk == kindNone || (len(s.keys) > 0 && kk != s.kind) {
		s.ok = false
		return
	}
	s.kind = kk
	i := s.search(k, desc)
	if i < len(s.keys) && !before(k, s.keys[i], desc) {
		s.ok = false // a tie: the order depends on the sort
		return
	}
	s.keys = slices.Insert(s.keys, i, k)
	s.vals = slices.Insert(s.vals, i, v)
}

// replace is remove(old) and then insert(k, v), with one move of the
// entries between the two places.
func (s *sortIndex) replace(old, k, v any, desc bool) {
	if !s.ok {
		return
	}
	if keyKind(old) != s.kind || keyKind(k) != s.kind {
		s.remove(old, desc)
		s.insert(k, v, desc)
		return
	}
	i := s.search(old, desc)
	if i == len(s.keys) || before(old, s.keys[i], desc) {
		s.ok = false // not there: the index is not what it should be
		return
	}
	if !before(old, k, desc) && !before(k, old, desc) {
		s.keys[i], s.vals[i] = k, v // the same place
		return
	}
	j := s.search(k, desc) // where k goes, with old still at i
	if j < len(s.keys) && j != i && !before(k, s.keys[j], desc) {
		s.ok = false // a tie: the order depends on the sort
		return
	}
	switch {
	case j > i: // later: the entries between move up one
		copy(s.keys[i:j-1], s.keys[i+1:j])
		copy(s.vals[i:j-1], s.vals[i+1:j])
		j--
	case j < i: // earlier: they move down one
		copy(s.keys[j+1:i+1], s.keys[j:i])
		copy(s.vals[j+1:i+1], s.vals[j:i])
	}
	s.keys[j], s.vals[j] = k, v
}

func (s *sortIndex) remove(k any, desc bool) {
	if !s.ok {
		return
	}
	if keyKind(k) != s.kind {
		s.ok = false
		return
	}
	i := s.search(k, desc)
	if i == len(s.keys) || before(k, s.keys[i], desc) {
		s.ok = false // not there: the index is not what it should be
		return
	}
	s.keys = slices.Delete(s.keys, i, i+1)
	s.vals = slices.Delete(s.vals, i, i+1)
}

// groupIndex keeps groupBy's groups as records come and go: each group's
// elements in the order of their records' paths.
type groupIndex struct {
	groups map[any]*group
	bad    bool // a key groupBy cannot take (not comparable): expr fails
}

type group struct {
	paths []string
	vals  []any
}

func (g *groupIndex) account(key any, path string, val any, sign int) {
	defer func() {
		if recover() != nil {
			g.bad = true // an unhashable key
		}
	}()
	if f, ok := key.(float64); ok && math.IsNaN(f) {
		g.bad = true // every NaN is a group of its own: not worth keeping
		return
	}
	if g.groups == nil {
		g.groups = map[any]*group{}
	}
	gr := g.groups[key]
	if gr == nil {
		gr = &group{}
		g.groups[key] = gr
	}
	i, found := slices.BinarySearch(gr.paths, path)
	if sign > 0 {
		gr.paths = slices.Insert(gr.paths, i, path)
		gr.vals = slices.Insert(gr.vals, i, val)
		return
	}
	if found {
		gr.paths = slices.Delete(gr.paths, i, i+1)
		gr.vals = slices.Delete(gr.vals, i, i+1)
	}
	if len(gr.paths) == 0 {
		delete(g.groups, key)
	}
}

// value is the groups as groupBy gives them. The lists are not copied: the
// value is used within one evaluation (see sortedElements).
func (g *groupIndex) value() any {
	if g.bad {
		panic("groupBy: a key cannot be compared")
	}
	out := make(map[any][]any, len(g.groups))
	for k, gr := range g.groups {
		out[k] = gr.vals[:len(gr.vals):len(gr.vals)]
	}
	return out
}
