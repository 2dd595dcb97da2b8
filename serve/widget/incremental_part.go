package widget

import (
	"errors"
	"maps"
	"math"
	"reflect"
	"runtime"
	"slices"
	"strings"
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
	// sliced: the value is places from to to of a sort (see
	// incremental_slice.go); items keep their records, not their elements.
	sliced   bool
	from, to int
	call     func(...any) (any, error)
	callName string
	calls    callIndex // mean, median, min, max, uniq, find

	recs  *manifest.Chunks[*manifest.Record] // the records items were computed from
	items itemColumns
	// list is the last list of elements a whole-field list gave, while it
	// held every item (one per record, in order); listDirty are the items
	// replaced since. The next list is a version of it that shares every
	// chunk without a replaced item (see chunkedElements).
	list      *manifest.Chunks[any]
	listDirty []int
	// head and headRecs: the first elements of a part that mapsRows, and
	// their records (see mappedElements).
	head     *manifest.Chunks[any]
	headRecs []*manifest.Record
	ce       closureEnv

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
	// checked: outSize is out's size (manifest.OutputSize), when not
	// kept by difference (plainElements).
	checked  bool
	outSize  int64
	srcBytes int64 // what the records count toward the output limit
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
// each record's element. Columns are typed where the part knows what they
// hold: a predicate's result is a bit of the state, a number is packed
// (see values), and an element that is its record is not kept at all:
// item i is record i of the records the items were computed from, which
// the caller of at passes. Each column is kept in blocks (see column).
type itemColumns struct {
	state states        // itemOut, itemBad, 1 (in), or itemTrue (in, and the predicate is true)
	size  column[int64] // when the items count toward the output limit
	val   values        // when the aggregate reads the elements
	key   values        // when the aggregate has a closure, or sorts

	// Which of size, val and key the part keeps; recVal: val is the
	// record; boolKey: key in state.
	sized, vals, keys, recVal, boolKey bool
}

// itemTrue is the state of an item in whose predicate is true (boolKey).
const itemTrue int8 = 2

// newItems is an empty itemColumns keeping the columns p reads.
func (p *part) newItems() itemColumns {
	c := itemColumns{sized: p.plainElements, vals: p.keepsVal(), keys: p.fn != nil || p.agg == aggSort}
	c.recVal = p.recElements()
	// computeIn makes an item bad whose predicate gives no bool.
	c.boolKey = c.keys && p.fn != nil && p.agg.predicate()
	return c
}

// recElements reports whether the elements the part keeps are its
// records: those of a chain with no map (a sliced sort, or a list of rows,
// keeps its records and maps them when read); a plain list keeps their
// plain form.
func (p *part) recElements() bool {
	return p.keepsVal() && (!p.plainElements && (!p.mapped() || p.sliced) || p.mapsRows())
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

func (c *itemColumns) len() int { return c.state.len() }

// keepsVal and keepsKey report whether val and key are columns of their own.
func (c *itemColumns) keepsVal() bool { return c.vals && !c.recVal }
func (c *itemColumns) keepsKey() bool { return c.keys && !c.boolKey }

// at is item i, whose record is r.
func (c *itemColumns) at(i int, r *manifest.Record) item {
	st := c.state.at(i)
	it := item{state: int64(min(st, 1))}
	if c.sized && it.state > itemOut {
		it.state = 1 + c.size.at(i)
	}
	switch {
	case c.vals && c.recVal:
		if st > 0 {
			it.val = r
		}
	case c.vals:
		it.val = c.val.at(i)
	}
	switch {
	case c.keys && c.boolKey:
		if st > 0 {
			it.key = st == itemTrue
		}
	case c.keys:
		it.key = c.key.at(i)
	}
	return it
}

// stateOf is the state an item is kept with.
func (c *itemColumns) stateOf(it item) int8 {
	st := int8(min(it.state, 1))
	if b, _ := it.key.(bool); c.boolKey && st > 0 && b {
		st = itemTrue
	}
	return st
}

func (c *itemColumns) set(i int, it item) {
	c.state.set(i, c.stateOf(it))
	if c.sized {
		c.size.set(i, it.size())
	}
	if c.keepsVal() {
		c.val.set(i, it.val)
	}
	if c.keepsKey() {
		c.key.set(i, it.key)
	}
}

func (c *itemColumns) push(it item) { c.insert(c.len(), it) }

// insert puts an item at i (a move of every column's entries on the
// shorter side of i).
func (c *itemColumns) insert(i int, it item) {
	c.state.insert(i, c.stateOf(it))
	if c.sized {
		c.size.insert(i, it.size())
	}
	if c.keepsVal() {
		c.val.insert(i, it.val)
	}
	if c.keepsKey() {
		c.key.insert(i, it.key)
	}
}

// remove drops item i.
func (c *itemColumns) remove(i int) {
	c.state.remove(i)
	if c.sized {
		c.size.remove(i)
	}
	if c.keepsVal() {
		c.val.remove(i)
	}
	if c.keepsKey() {
		c.key.remove(i)
	}
}

// appendItems appends d's items to c, whose blocks are full (see
// column.appendColumn).
func (c *itemColumns) appendItems(d *itemColumns) {
	c.state.appendStates(&d.state)
	c.size.appendColumn(&d.size)
	c.val.appendValues(&d.val)
	c.key.appendValues(&d.key)
}

// deleteAt is slices.Delete(s, i, i+1), but moves the entries before i
// when they are fewer: removing the oldest job (the first) moves nothing.
// The slice then starts later in its array, whose first entries are freed
// when an append moves it.
func deleteAt[S ~[]E, E any](s S, i int) S {
	if i >= len(s)/2 {
		return slices.Delete(s, i, i+1)
	}
	copy(s[1:i+1], s[:i])
	clear(s[:1]) // drop what it points to
	return s[1:]
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
func (p *part) computeAll(recs *manifest.Chunks[*manifest.Record]) itemColumns {
	n := recs.Len()
	workers := min(runtime.GOMAXPROCS(0), n/parallelFrom+1)
	// Each worker fills columns of its own, whole blocks but the last
	// one's, which are then put end to end.
	block := 1 << colShift
	chunk := ((n+workers-1)/workers + block - 1) / block * block
	workers = max(1, (n+chunk-1)/max(chunk, 1))
	cols := make([]itemColumns, workers)
	// Every worker's environment is made before any runs: the first
	// worker's writes to p.ce must not meet the copies being taken of it.
	envs := []*closureEnv{&p.ce}
	for range workers - 1 {
		envs = append(envs, &closureEnv{env: maps.Clone(p.ce.env)})
	}
	var wg sync.WaitGroup
	for w, ce := range envs {
		lo, hi := w*chunk, min((w+1)*chunk, n)
		wg.Go(func() {
			cols[w] = p.newItems()
			for j := lo; j < hi; j++ {
				cols[w].push(p.computeIn(ce, recs.At(j)))
			}
		})
	}
	wg.Wait()
	items := cols[0]
	for w := 1; w < workers; w++ {
		items.appendItems(&cols[w])
	}
	return items
}

// chainValue runs the stages for one record in ce: its element, and
// whether it passed every filter; an error when a closure failed or a
// filter gave no bool.
func (p *part) chainValue(ce *closureEnv, r *manifest.Record) (v any, in bool, err error) {
	return runChain(ce, p.stages, r)
}

// runChain runs stages for one record in ce (see chainValue).
func runChain(ce *closureEnv, stages []stage, r *manifest.Record) (v any, in bool, err error) {
	v = r
	for _, s := range stages {
		out, err := ce.run(s.fn, v)
		if err != nil {
			return nil, false, err
		}
		if s.filter {
			b, ok := out.(bool)
			if !ok {
				return nil, false, errNotBool
			}
			if !b {
				return nil, false, nil
			}
			continue
		}
		v = out
	}
	return v, true, nil
}

var errNotBool = errors.New("a filter gave no bool")

// computeIn runs the closures for one record in ce.
func (p *part) computeIn(ce *closureEnv, r *manifest.Record) item {
	v, in, err := p.chainValue(ce, r)
	if err != nil {
		return badItem
	}
	if !in {
		return item{}
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
	if p.sliced || p.mapsRows() {
		it.val = r // mapped again when read (topElements, mappedList)
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
			p.sorted.insert(t, it.val)
		} else {
			p.sorted.remove(t)
		}
	case aggGroupBy:
		p.groups.account(t, path, it.val, sign, p.recElements())
	default:
		if b, _ := t.(bool); b && p.agg.predicate() {
			p.nTrue += sign
		}
	}
	if p.agg == aggCall || p.agg == aggFind {
		p.calls.account(p, it, path, sign)
	}
}

// sync brings the items up to date with recs, the source's records sorted
// by path: only records that are new or replaced (a changed file is a new
// record) have their closures run. Files changed in place are found by
// comparing the versions (diffOf); files added or removed by the edits
// that made recs from the records last seen (Chunks.Since), applied to the
// items by index; anything else merges the two lists.
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
			// The common case: files changed in place.
			touched := false
			for _, i := range d.changed {
				touched = p.replace(i, old.At(i), recs.At(i)) || touched
			}
			p.recs = recs
			if touched {
				p.out, p.outOK, p.plain, p.checked = nil, false, nil, false
			}
			return
		}
		if edits, ok := recs.Since(old); ok {
			in.edits++
			touched := false
			for _, e := range edits {
				touched = p.apply(e) || touched
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
	p.srcBytes = 0
	for _, r := range recs.All() {
		p.srcBytes += manifest.SourceBytes(r)
	}
	if old.Len() == 0 {
		items := p.computeAll(recs)
		for j, r := range recs.All() {
			p.account(items.at(j, r), r.Path, 1)
		}
		p.recs, p.items = recs, items
		p.sums.valid = false
		return
	}
	in.merges++
	items := p.newItems()
	i, j := 0, 0
	for i < old.Len() || j < recs.Len() {
		switch {
		case j == recs.Len() || (i < old.Len() && old.At(i).Path < recs.At(j).Path):
			p.account(p.items.at(i, old.At(i)), old.At(i).Path, -1)
			i++
		case i == old.Len() || recs.At(j).Path < old.At(i).Path:
			it := p.compute(recs.At(j))
			p.account(it, recs.At(j).Path, 1)
			items.push(it)
			j++
		default:
			it := p.items.at(i, old.At(i))
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

// replace brings item i up to date with its record replaced (was by
// now), and reports whether the part's value may have changed. A record
// that gives the same item as before (filtered out before and after, or
// rewritten with what the closures see unchanged) leaves the value as it
// was: the same list, not walked again later.
func (p *part) replace(i int, was, now *manifest.Record) bool {
	p.srcBytes += manifest.SourceBytes(now) - manifest.SourceBytes(was)
	wasIt, nowIt := p.items.at(i, was), p.compute(now)
	if !changedItem(wasIt, nowIt) {
		return false // an equal item: the old one stays, in every index
	}
	if p.agg == aggSort && wasIt.in() && nowIt.in() && !wasIt.bad() && !nowIt.bad() {
		// One move of the entries between the two places, not a removal
		// and an insertion that each move half.
		p.size += nowIt.size() - wasIt.size()
		p.sorted.replace(p.term(wasIt), p.term(nowIt), nowIt.val)
	} else {
		p.account(wasIt, was.Path, -1)
		p.account(nowIt, now.Path, 1)
	}
	p.items.set(i, nowIt)
	if p.list != nil {
		p.listDirty = append(p.listDirty, i)
	}
	p.sums.touch(i) // whichever aggregate keeps a sum
	return true
}

// apply applies one edit of the records to the items, by index: a record
// inserted has its closures run and its item inserted, one removed has
// its item's share taken out of the aggregates and its item removed. Each
// kept column moves: an insertion the entries after it (at the start, about
// 1 MB for a part at 100,000 records, 10 MB at a million; new jobs come
// last and move nothing), a removal those on its shorter side (deleteAt).
// It reports whether the part's value may have changed.
func (p *part) apply(e manifest.Edit[*manifest.Record]) bool {
	switch e.Op {
	case manifest.EditReplace:
		touched := false
		for k, i := range e.Idx {
			touched = p.replace(i, e.Old[k], e.Vals[k]) || touched
		}
		return touched
	case manifest.EditInsert:
		i, r := e.Idx[0], e.Vals[0]
		p.srcBytes += manifest.SourceBytes(r)
		it := p.compute(r)
		p.account(it, r.Path, 1)
		p.listEdit(i, it, true)
		p.items.insert(i, it)
		p.sums.touch(i)
		return it.in() || it.bad()
	case manifest.EditDelete:
		i, r := e.Idx[0], e.Old[0]
		p.srcBytes -= manifest.SourceBytes(r)
		it := p.items.at(i, r)
		p.account(it, r.Path, -1)
		p.listEdit(i, it, false)
		p.items.remove(i)
		p.sums.touch(i)
		return it.in() || it.bad()
	}
	panic("widget: an unknown edit of the records")
}

// listEdit keeps the last whole list (see chunkedElements) in step with an
// item inserted or removed at i, place for place with the items: the
// replaced items are put in first, so that listDirty stays in the items'
// places.
func (p *part) listEdit(i int, it item, insert bool) {
	if p.list == nil {
		return
	}
	if len(p.listDirty) > 0 {
		vals := make([]any, len(p.listDirty))
		for k, j := range p.listDirty {
			vals[k] = p.items.val.at(j)
		}
		p.list, p.listDirty = p.list.With(p.listDirty, vals), p.listDirty[:0]
	}
	if insert {
		p.list = p.list.Insert(i, it.val) // an item not in is put in when it comes in (replace)
	} else {
		p.list = p.list.Delete(i)
	}
}

// checkOutput is the output check of the part's value as a whole field's:
// a list's size is kept by difference (2 and its elements'), another
// value is sized once; the limit depends on the records' bytes, kept by
// difference too.
func (p *part) checkOutput() error {
	size := 2 + p.size
	if !p.plainElements {
		if !p.checked {
			p.checked, p.outSize = true, manifest.OutputSize(p.out)
		}
		size = p.outSize
	}
	return manifest.CheckOutputSize(size, p.srcBytes)
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
	if r, ok := was.val.(*manifest.Record); ok {
		// An element kept as its record (or a record that is the
		// element): a new record may give a new element.
		return r != now.val || !reflect.DeepEqual(was.key, now.key)
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
		if p.mapsRows() {
			var ok bool
			if v, ok = p.mappedElements(); !ok {
				return nil, false
			}
		} else if p.plainElements {
			v = p.chunkedElements()
		} else {
			v = p.elements()
		}
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
		v = p.calls.find(p)
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
		for i, r := range p.recs.All() {
			if it := p.items.at(i, r); it.in() {
				acc = exprrt.Add(p.term(it), acc)
			}
		}
		v = acc
	case aggGroupBy:
		v = p.groups.value()
	case aggSort:
		if p.sliced {
			var ok bool
			if v, ok = p.topElements(); !ok {
				return nil, false
			}
			break
		}
		v = p.sortedElements()
	case aggCall:
		var kept bool
		if v, kept = p.calls.value(p); kept {
			break
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

// sumColumn is the column of p's sum terms; nil when they are not kept in
// one (records, or a predicate's bools).
func (p *part) sumColumn() *values {
	c := &p.items
	if p.fn != nil || p.agg == aggSort {
		if !c.keepsKey() {
			return nil
		}
		return &c.key
	}
	if !c.keepsVal() {
		return nil
	}
	return &c.val
}

// sumTermAt is what item i adds to a sum of ints and floats: nothing, an
// int, or a float (its bits), read from the packed column where it is one.
func (p *part) sumTermAt(i int) (kind uint8, bits uint64) {
	col := p.sumColumn()
	if col == nil || p.items.state.at(i) <= 0 {
		return termNone, 0 // out, bad, a record or a predicate's bool
	}
	k, b, ok := col.num(i)
	if !ok {
		return p.sumTermOf(col.at(i))
	}
	switch k {
	case numInt:
		if p.agg == aggCall {
			return termFloat, math.Float64bits(float64(int(b))) // mean adds ints as floats
		}
		return termInt, b
	case numFloat:
		return termFloat, b
	}
	return termNone, 0
}

// sumTermOf is sumTermAt of a term t.
func (p *part) sumTermOf(t any) (kind uint8, bits uint64) {
	switch t := t.(type) {
	case int:
		if p.agg == aggCall {
			return termFloat, math.Float64bits(float64(t))
		}
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

// sumTerms keeps a sum of int and float terms (one per item, read from the
// items' columns: see sumTermAt) as expr adds them, left to right and by
// its rules (ints add as wrapping ints until the first float, then
// everything adds as floats: t + sum), so that a change re-adds only from
// the block of the first changed item: at holds the running sum at the
// start of every block, and a term that changed invalidates the blocks
// after it.
type sumTerms struct {
	at    []runningSum // at[k] is the running sum before item k*sumBlock
	dirty int          // the first item whose term changed since the last sum
	valid bool         // at is the items', up to dirty's block
}

// runningSum is expr's sum so far: an int until the first float.
type runningSum struct {
	n       int
	f       float64
	isFloat bool
}

// floatOf is the float of a packed int or float, chosen without a branch:
// a column that mixes them (JSON's whole numbers are ints) would make a
// branch guess wrong at every other term.
func floatOf(kind uint8, bits uint64) float64 {
	var isInt uint64
	if kind == numInt {
		isInt = 1
	}
	sel := -isInt
	return math.Float64frombits(math.Float64bits(float64(int(bits)))&sel | bits&^sel)
}

// add adds a term as expr does.
func (r *runningSum) add(kind uint8, bits uint64) {
	switch kind {
	case termInt:
		t := int(bits)
		if r.isFloat {
			r.f = float64(t) + r.f
		} else {
			r.n = t + r.n
		}
	case termFloat:
		t := math.Float64frombits(bits)
		if r.isFloat {
			r.f = t + r.f
		} else {
			r.f, r.isFloat = t+float64(r.n), true
		}
	}
}

// sumBlock is a variable so that tests can make blocks small enough for
// their small trees to span many.
var sumBlock = 1024

// touch records that the term of item i changed, or that an item was
// inserted or removed at i: the sum is re-added from the block of i (from
// the last block for a new item last).
func (s *sumTerms) touch(i int) {
	if s.valid {
		s.dirty = min(s.dirty, i)
	}
}

// sum is expr's sum of p's terms, re-added from the first changed block.
func (s *sumTerms) sum(p *part) any {
	n := p.items.len()
	if !s.valid {
		s.at, s.dirty, s.valid = s.at[:0], 0, true
	}
	if len(s.at) == 0 {
		s.at = append(s.at, runningSum{})
	}
	k := min(s.dirty/sumBlock, len(s.at)-1)
	s.at = s.at[:k+1]
	r := s.at[k]
	col := p.sumColumn()
	for i := k * sumBlock; i < n; {
		if i%sumBlock == 0 && i/sumBlock == len(s.at) {
			s.at = append(s.at, r)
		}
		end := min(n, (i/sumBlock+1)*sumBlock) // the next block's running sum is kept
		if col == nil || col.boxed {
			for ; i < end; i++ {
				kind, bits := p.sumTermAt(i)
				r.add(kind, bits)
			}
			continue
		}
		// The packed terms (of the items in: ints and floats, as value
		// calls sum only then), a run of the columns' blocks at a time.
		mean := p.agg == aggCall
		for i < end {
			st, kinds, bits := p.items.state.run(i), col.kinds.run(i), col.bits.run(i)
			m := min(len(st), len(kinds), len(bits), end-i)
			j := 0
			for ; j < m && !r.isFloat; j++ {
				switch {
				case st[j] <= 0:
				case kinds[j] == numInt && !mean:
					r.add(termInt, bits[j])
				default: // mean adds ints as floats
					r.add(termFloat, math.Float64bits(floatOf(kinds[j], bits[j])))
				}
			}
			if r.isFloat {
				f := r.f
				for ; j < m; j++ {
					if st[j] > 0 {
						f = floatOf(kinds[j], bits[j]) + f
					}
				}
				r.f = f
			}
			i += m
		}
	}
	s.dirty = n
	if r.isFloat {
		return r.f
	}
	return r.n
}

// chunkedElements is elements() as the value of a whole field: from the
// last list and the items replaced since, when that list held every item,
// a new version sharing the chunks no replaced item is in, so that one
// change costs a chunk, not the list (and unchanged elements stay the same
// values, which the template's cache of drawn items keys on).
func (p *part) chunkedElements() *manifest.Chunks[any] {
	var out *manifest.Chunks[any]
	if p.list != nil && p.nIn == p.items.len() {
		vals := make([]any, len(p.listDirty))
		for k, i := range p.listDirty {
			vals[k] = p.items.val.at(i)
		}
		out = p.list.With(p.listDirty, vals)
	} else {
		out = manifest.NewChunks(p.elements())
	}
	p.list, p.listDirty = nil, p.listDirty[:0]
	if p.nIn == p.items.len() {
		p.list = out
	}
	return out
}

// elements lists the elements that passed the filters, in order.
func (p *part) elements() []any {
	out := make([]any, 0, p.nIn)
	for i, r := range p.recs.All() {
		if it := p.items.at(i, r); it.in() {
			out = append(out, it.val)
		}
	}
	return out
}

// groupIndex keeps groupBy's groups as records come and go: each group's
// elements in the order of their records' paths.
type groupIndex struct {
	groups map[any]*group
	bad    bool // a key groupBy cannot take (not comparable): expr fails
}

type group struct {
	paths []string // the elements' records' paths; nil when the elements are the records
	vals  []any
}

// search finds the place of path among the group's elements.
func (gr *group) search(path string, recs bool) (int, bool) {
	if !recs {
		return slices.BinarySearch(gr.paths, path)
	}
	return slices.BinarySearchFunc(gr.vals, path, func(v any, path string) int {
		return strings.Compare(v.(*manifest.Record).Path, path)
	})
}

// account adds (sign 1) or removes (sign -1) the element val of the record
// at path to the group of key; recs says that the elements are the records
// (whose paths they hold: the group keeps no list of paths).
func (g *groupIndex) account(key any, path string, val any, sign int, recs bool) {
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
	i, found := gr.search(path, recs)
	if sign > 0 {
		if !recs {
			gr.paths = slices.Insert(gr.paths, i, path)
		}
		gr.vals = slices.Insert(gr.vals, i, val)
		return
	}
	if found {
		if !recs {
			gr.paths = deleteAt(gr.paths, i)
		}
		gr.vals = deleteAt(gr.vals, i)
	}
	if len(gr.vals) == 0 {
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
