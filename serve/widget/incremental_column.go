package widget

import (
	"math"
	"slices"
)

// colShift sets how many entries one block of a column holds (1 <<
// colShift). A variable so that tests can make blocks small enough for
// their small trees to span many; it must not change while columns exist.
var colShift = 10

// column is a list of one kind of entry, one per record of a part, kept in
// blocks of the same size as a double-ended queue: entry i is at place
// off+i of the blocks. An insertion or a removal moves the entries on its
// shorter side (across blocks; a new last entry or a first one removed
// moves none), and the column never grows by copying: a new block comes
// when one end is full, and a block is let go once two are free at an end.
// So a column of a million entries has room for a million and less than
// four blocks more, where a slice grown by append has room for up to twice as
// many, and no new job costs a copy of every column (250 ms at a million
// records, when a slice grew past its capacity).
type column[T any] struct {
	blocks [][]T
	off    int // the place of entry 0: in [0, 2<<colShift)
	n      int
}

func (c *column[T]) len() int { return c.n }

func (c *column[T]) ptr(i int) *T {
	p := c.off + i
	return &c.blocks[p>>colShift][p&(1<<colShift-1)]
}

func (c *column[T]) at(i int) T { return *c.ptr(i) }

func (c *column[T]) set(i int, v T) { *c.ptr(i) = v }

// run is the entries from i to the end of its block, or of the column: a
// loop over many entries reads them a run at a time.
func (c *column[T]) run(i int) []T {
	p := c.off + i
	mask := 1<<colShift - 1
	return c.blocks[p>>colShift][p&mask : min(mask+1, p&mask+c.n-i)]
}

func (c *column[T]) push(v T) {
	if (c.off+c.n)>>colShift == len(c.blocks) {
		c.blocks = append(c.blocks, make([]T, 1<<colShift))
	}
	c.n++
	c.set(c.n-1, v)
}

// insert puts v at i (0 <= i <= len), moving the entries on the shorter
// side of i.
func (c *column[T]) insert(i int, v T) {
	if i >= c.n/2 {
		var zero T
		c.push(zero)
		c.move(c.off+i+1, c.off+i, c.n-1-i)
	} else {
		if c.off == 0 {
			c.blocks = slices.Insert(c.blocks, 0, make([]T, 1<<colShift))
			c.off = 1 << colShift
		}
		c.off--
		c.n++
		c.move(c.off, c.off+1, i)
	}
	c.set(i, v)
}

// remove drops entry i, moving the entries on its shorter side.
func (c *column[T]) remove(i int) {
	var zero T
	if i >= c.n/2 {
		c.move(c.off+i, c.off+i+1, c.n-1-i)
		c.set(c.n-1, zero) // drop what it points to
		c.n--
		// Let the last block go once the one before it is free too.
		for len(c.blocks) > 1 && (len(c.blocks)-2)<<colShift >= c.off+c.n && c.n > 0 {
			c.blocks[len(c.blocks)-1] = nil
			c.blocks = c.blocks[:len(c.blocks)-1]
		}
	} else {
		c.move(c.off+1, c.off, i)
		c.set(0, zero)
		c.off++
		c.n--
		if c.off == 2<<colShift { // the first two blocks are free: let one go
			c.blocks[0] = nil
			c.blocks = c.blocks[1:]
			c.off -= 1 << colShift
		}
	}
	if c.n == 0 {
		*c = column[T]{}
	}
}

// move copies the n entries at places src.. to places dst.. (the ranges may
// overlap), a block's run at a time.
func (c *column[T]) move(dst, src, n int) {
	mask := 1<<colShift - 1
	if dst > src {
		for n > 0 {
			s, d := src+n-1, dst+n-1 // the last entries left to move
			k := min(s&mask, d&mask) + 1
			k = min(k, n)
			copy(c.blocks[d>>colShift][d&mask-k+1:d&mask+1], c.blocks[s>>colShift][s&mask-k+1:s&mask+1])
			n -= k
		}
		return
	}
	for n > 0 {
		k := min(1<<colShift-src&mask, 1<<colShift-dst&mask, n)
		copy(c.blocks[dst>>colShift][dst&mask:dst&mask+k], c.blocks[src>>colShift][src&mask:src&mask+k])
		src, dst, n = src+k, dst+k, n-k
	}
}

// appendColumn appends the entries of d to c, whose entries must fill its
// blocks (c.off == 0 and c.len() a multiple of the block size): d's blocks
// become c's.
func (c *column[T]) appendColumn(d *column[T]) {
	if d.n == 0 {
		return
	}
	if c.off != 0 || c.n&(1<<colShift-1) != 0 || d.off != 0 {
		panic("widget: a column appended to one whose blocks are not full")
	}
	c.blocks = append(c.blocks[:c.n>>colShift], d.blocks...)
	c.n += d.n
}

// values is a column of elements or closure results. Numbers are packed:
// an int or a float64 as its 8 bytes and a byte for its kind (nil too), 9
// bytes where an interface holding a number is 16 and its box 8 more; so
// are strings and bools while few differ (a state, an owner), as an index
// into the values met. The first value that is none of these, or a string
// past the first maxDict different ones (names, times), boxes every value,
// as an []any would. Ints stay ints and floats floats, bit for bit (-0,
// NaN): a value read back is equal to the value put in, though not always
// the same box.
type values struct {
	boxed  bool
	kinds  column[uint8]
	bits   column[uint64]
	dict   []any          // the strings and bools met (numDict), by index
	index  map[any]uint64 // their indices
	values column[any]    // once boxed
}

// maxDict is how many different strings and bools a column packs.
const maxDict = 1024

const (
	numNil uint8 = iota
	numInt
	numFloat
	numDict
)

// pack is x as a kind and bits; ok is false when x is none of those kept
// packed.
func (v *values) pack(x any) (kind uint8, bits uint64, ok bool) {
	switch y := x.(type) {
	case nil:
		return numNil, 0, true
	case int:
		return numInt, uint64(y), true
	case float64:
		return numFloat, math.Float64bits(y), true
	case string, bool:
		i, ok := v.intern(x)
		return numDict, i, ok
	}
	return 0, 0, false
}

// intern is the index of x (a string or a bool) among the values met;
// ok is false past maxDict of them.
func (v *values) intern(x any) (uint64, bool) {
	if i, ok := v.index[x]; ok {
		return i, true
	}
	if len(v.dict) == maxDict {
		return 0, false
	}
	if v.index == nil {
		v.index = map[any]uint64{}
	}
	i := uint64(len(v.dict))
	v.dict = append(v.dict, x)
	v.index[x] = i
	return i, true
}

func (v *values) unpack(kind uint8, bits uint64) any {
	switch kind {
	case numInt:
		return int(bits)
	case numFloat:
		return math.Float64frombits(bits)
	case numDict:
		return v.dict[bits]
	}
	return nil
}

func (v *values) len() int {
	if v.boxed {
		return v.values.len()
	}
	return v.kinds.len()
}

func (v *values) at(i int) any {
	if v.boxed {
		return v.values.at(i)
	}
	return v.unpack(v.kinds.at(i), v.bits.at(i))
}

// num is entry i packed; ok is false when the column is boxed.
func (v *values) num(i int) (kind uint8, bits uint64, ok bool) {
	if v.boxed {
		return 0, 0, false
	}
	return v.kinds.at(i), v.bits.at(i), true
}

func (v *values) set(i int, x any) {
	if !v.boxed {
		if k, b, ok := v.pack(x); ok {
			v.kinds.set(i, k)
			v.bits.set(i, b)
			return
		}
		v.box()
	}
	v.values.set(i, x)
}

func (v *values) push(x any) { v.insert(v.len(), x) }

func (v *values) insert(i int, x any) {
	if !v.boxed {
		if k, b, ok := v.pack(x); ok {
			v.kinds.insert(i, k)
			v.bits.insert(i, b)
			return
		}
		v.box()
	}
	v.values.insert(i, x)
}

func (v *values) remove(i int) {
	if v.boxed {
		v.values.remove(i)
		return
	}
	v.kinds.remove(i)
	v.bits.remove(i)
}

// box turns the packed values into boxed ones, for good.
func (v *values) box() {
	if v.boxed {
		return
	}
	var out column[any]
	for i := range v.kinds.len() {
		out.push(v.unpack(v.kinds.at(i), v.bits.at(i)))
	}
	*v = values{boxed: true, values: out}
}

// appendValues appends w's entries to v (see column.appendColumn); w is
// not used after.
func (v *values) appendValues(w *values) {
	if !v.boxed && !w.boxed && len(w.dict) > 0 {
		// w's indices become v's.
		to := make([]uint64, len(w.dict))
		for j, x := range w.dict {
			i, ok := v.intern(x)
			if !ok {
				v.box()
				break
			}
			to[j] = i
		}
		if !v.boxed {
			for i := range w.kinds.len() {
				if w.kinds.at(i) == numDict {
					w.bits.set(i, to[w.bits.at(i)])
				}
			}
			w.dict = v.dict
		}
	}
	if v.boxed || w.boxed {
		v.box()
		w.box()
		v.values.appendColumn(&w.values)
		return
	}
	v.kinds.appendColumn(&w.kinds)
	v.bits.appendColumn(&w.bits)
}

// states is the column of the items' states (see itemColumns). While every
// item is in with no predicate's bit (a part with no filter, whose closures
// have not failed: most parts of a dashboard), it is a count and no
// column: the first item with another state makes the column.
type states struct {
	col  column[int8]
	n    int  // the items, while !made
	made bool // col holds the states
}

// allIn is a run of states of items in, for run while no column is made
// (read only).
var allIn = func() (a [1024]int8) {
	for i := range a {
		a[i] = 1
	}
	return a
}()

func (s *states) len() int {
	if s.made {
		return s.col.len()
	}
	return s.n
}

func (s *states) at(i int) int8 {
	if s.made {
		return s.col.at(i)
	}
	return 1
}

// run is the states from i on, as column.run.
func (s *states) run(i int) []int8 {
	if s.made {
		return s.col.run(i)
	}
	return allIn[:min(len(allIn), s.n-i)]
}

func (s *states) set(i int, st int8) {
	if !s.made {
		if st == 1 {
			return
		}
		s.make()
	}
	s.col.set(i, st)
}

func (s *states) insert(i int, st int8) {
	if !s.made {
		if st == 1 {
			s.n++
			return
		}
		s.make()
	}
	s.col.insert(i, st)
}

func (s *states) remove(i int) {
	if !s.made {
		s.n--
		return
	}
	s.col.remove(i)
}

// make makes the column of states, for good.
func (s *states) make() {
	for range s.n {
		s.col.push(1)
	}
	s.made, s.n = true, 0
}

// appendStates appends t's states to s (see column.appendColumn).
func (s *states) appendStates(t *states) {
	if !s.made && !t.made {
		s.n += t.n
		return
	}
	s.make()
	t.make()
	s.col.appendColumn(&t.col)
}
