package manifest

import (
	"encoding/json"
	"iter"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
)

// chunkSize is how many elements one chunk of a Chunks holds when it is
// made: replacing an element copies its chunk and the list of chunks, so
// both stay small at a million elements (1,024 and 977). Insertions and
// removals make chunks of other sizes (up to twice as many, or fewer).
const chunkSize = 1024

// keepSteps is how many edits back a version remembers how it was made
// (see Since): enough for the edits of a few refreshes, and a bound on
// what the record of the edits keeps.
const keepSteps = 128

// versions numbers the versions made by edits, so that the record of the
// edits names the versions it went through without keeping them (an old
// version may hold a flat copy of every element: see Slice).
var versions atomic.Uint64

// Chunks is an immutable list kept in chunks. A version with a few
// elements replaced (With), inserted (Insert) or removed (Delete) shares
// every other chunk with the version before, so it costs the chunks it
// touches (and the list of chunks), not the list; two versions are
// compared chunk by chunk (Changed), skipping the shared ones; and a
// version says which edits made it from an earlier one (Since). This is
// what keeps a change to one file of a million from costing a million: the
// records of a source, and the long lists the incremental evaluation
// keeps, are Chunks.
//
// The nil *Chunks is an empty list. A Chunks is safe for concurrent use.
type Chunks[T any] struct {
	chunks [][]T
	n      int
	// offs is where each chunk starts, once some chunk is not chunkSize
	// long (but a short last one); nil while At can divide.
	offs []int

	id  uint64       // this version's number
	log *editNode[T] // the edit that made this version; nil for NewChunks

	flatOnce sync.Once
	flat     []T
}

// EditOp is the kind of an Edit.
type EditOp uint8

const (
	EditReplace EditOp = iota + 1 // With: the elements at Idx replaced
	EditInsert                    // Insert: an element inserted at Idx[0]
	EditDelete                    // Delete: the element at Idx[0] of the version before removed
)

// Edit is how a version was made from the one before it: the places, the
// elements put in (Insert's, With's) and those taken out (Delete's, those
// With replaced), in the order of Idx.
type Edit[T any] struct {
	Op        EditOp
	Idx       []int
	Vals, Old []T
}

// editNode is one edit in the record of how a version was made: the
// version it was made from, by number, and the edit that made that one.
type editNode[T any] struct {
	edit Edit[T]
	from uint64
	prev atomic.Pointer[editNode[T]]
}

// NewChunks returns the list of the elements of s (copied: s may change
// after).
func NewChunks[T any](s []T) *Chunks[T] {
	c := &Chunks[T]{n: len(s), chunks: make([][]T, 0, (len(s)+chunkSize-1)/chunkSize), id: versions.Add(1)}
	for lo := 0; lo < len(s); lo += chunkSize {
		hi := min(lo+chunkSize, len(s))
		c.chunks = append(c.chunks, append(make([]T, 0, hi-lo), s[lo:hi]...))
	}
	return c
}

// Len is the number of elements.
func (c *Chunks[T]) Len() int {
	if c == nil {
		return 0
	}
	return c.n
}

// At returns element i, which must be in range.
func (c *Chunks[T]) At(i int) T {
	k, j := c.locate(i)
	return c.chunks[k][j]
}

// locate returns the chunk of element i and its place there.
func (c *Chunks[T]) locate(i int) (k, j int) {
	if c.offs == nil {
		return i / chunkSize, i % chunkSize
	}
	k = sort.Search(len(c.offs), func(k int) bool { return c.offs[k] > i }) - 1
	return k, i - c.offs[k]
}

// Slice returns the elements as one slice, made on the first call and
// shared by every caller after: it must not be modified.
func (c *Chunks[T]) Slice() []T {
	if c == nil {
		return nil
	}
	c.flatOnce.Do(func() {
		if len(c.chunks) == 1 {
			c.flat = c.chunks[0][:c.n:c.n]
			return
		}
		c.flat = make([]T, 0, c.n)
		for _, ch := range c.chunks {
			c.flat = append(c.flat, ch...)
		}
	})
	return c.flat
}

// All yields the elements with their indices, in order.
func (c *Chunks[T]) All() iter.Seq2[int, T] {
	return func(yield func(int, T) bool) {
		if c == nil {
			return
		}
		i := 0
		for _, ch := range c.chunks {
			for _, v := range ch {
				if !yield(i, v) {
					return
				}
				i++
			}
		}
	}
}

// With returns a new version of the list with element idx[k] replaced by
// vals[k] for every k; c is not modified.
func (c *Chunks[T]) With(idx []int, vals []T) *Chunks[T] {
	out := &Chunks[T]{n: c.n, chunks: append(make([][]T, 0, len(c.chunks)), c.chunks...), offs: c.offs}
	copied := map[int]bool{}
	e := Edit[T]{Op: EditReplace, Idx: append([]int(nil), idx...), Vals: append([]T(nil), vals...), Old: make([]T, len(idx))}
	for k, i := range idx {
		ch, j := c.locate(i)
		if !copied[ch] {
			copied[ch] = true
			out.chunks[ch] = append(make([]T, 0, len(c.chunks[ch])), c.chunks[ch]...)
		}
		e.Old[k] = out.chunks[ch][j]
		out.chunks[ch][j] = vals[k]
	}
	out.from(c, e)
	return out
}

// Insert returns a new version of the list with v inserted at i (0 <= i <=
// Len); c is not modified.
func (c *Chunks[T]) Insert(i int, v T) *Chunks[T] {
	if c == nil {
		return NewChunks([]T{v})
	}
	chunks := append(make([][]T, 0, len(c.chunks)+1), c.chunks...)
	switch k, j := c.locate(i); {
	case i == c.Len() && (len(chunks) == 0 || len(chunks[len(chunks)-1]) >= chunkSize):
		chunks = append(chunks, []T{v}) // a new last chunk: the others stay full
	case i == c.Len():
		last := chunks[len(chunks)-1]
		chunks[len(chunks)-1] = append(append(make([]T, 0, len(last)+1), last...), v)
	default:
		ch := chunks[k]
		grown := make([]T, 0, len(ch)+1)
		grown = append(append(append(grown, ch[:j]...), v), ch[j:]...)
		if len(grown) <= 2*chunkSize {
			chunks[k] = grown
			break
		}
		half := len(grown) / 2 // split, each half a chunk of its own
		chunks[k] = grown[:half:half]
		chunks = append(chunks[:k+1], append([][]T{append([]T(nil), grown[half:]...)}, chunks[k+1:]...)...)
	}
	return c.edited(chunks, c.Len()+1, Edit[T]{Op: EditInsert, Idx: []int{i}, Vals: []T{v}})
}

// Delete returns a new version of the list without element i; c is not
// modified.
func (c *Chunks[T]) Delete(i int) *Chunks[T] {
	chunks := append(make([][]T, 0, len(c.chunks)), c.chunks...)
	k, j := c.locate(i)
	e := Edit[T]{Op: EditDelete, Idx: []int{i}, Old: []T{chunks[k][j]}}
	if ch := chunks[k]; len(ch) == 1 {
		chunks = append(chunks[:k], chunks[k+1:]...)
	} else {
		chunks[k] = append(append(make([]T, 0, len(ch)-1), ch[:j]...), ch[j+1:]...)
	}
	return c.edited(chunks, c.Len()-1, e)
}

// edited is the version of n elements in chunks made from c by e.
func (c *Chunks[T]) edited(chunks [][]T, n int, e Edit[T]) *Chunks[T] {
	out := &Chunks[T]{chunks: chunks, n: n}
	for k, ch := range chunks {
		if len(ch) > chunkSize || (len(ch) < chunkSize && k < len(chunks)-1) {
			// At can no longer divide: it searches where the chunks start.
			out.offs = make([]int, len(chunks))
			at := 0
			for k, ch := range chunks {
				out.offs[k], at = at, at+len(ch)
			}
			break
		}
	}
	out.from(c, e)
	return out
}

// keepElements bounds the elements the remembered edits hold (each holds
// those it put in and took out): a rewrite of every file must not keep
// every old record alive until keepSteps more edits come.
const keepElements = 4096

// from records that c was made from base by e, and forgets the edits
// more than keepSteps back or past keepElements elements; an edit larger
// than that is not remembered at all (Since says so, and its users
// compare the versions instead).
func (c *Chunks[T]) from(base *Chunks[T], e Edit[T]) {
	c.id = versions.Add(1)
	if base == nil || len(e.Idx) > keepElements {
		return
	}
	c.log = &editNode[T]{edit: e, from: base.id}
	c.log.prev.Store(base.log)
	steps, elems := 1, len(e.Idx)
	for x := c.log; ; steps++ {
		next := x.prev.Load()
		if next == nil {
			return
		}
		if elems += len(next.edit.Idx); steps == keepSteps || elems > keepElements {
			x.prev.Store(nil)
			return
		}
		x = next
	}
}

// Since lists, oldest first, the edits that made c from old; ok is false
// when c was not made from old by edits still remembered (NewChunks makes
// a version made from nothing). c == old gives no edits.
func (c *Chunks[T]) Since(old *Chunks[T]) (edits []Edit[T], ok bool) {
	if c == old {
		return nil, true
	}
	if c == nil || old == nil {
		return nil, false
	}
	for id, x := c.id, c.log; id != old.id; x = x.prev.Load() {
		if x == nil || len(edits) == keepSteps {
			return nil, false
		}
		edits = append(edits, x.edit)
		id = x.from
	}
	slices.Reverse(edits)
	return edits, true
}

// Changed lists, in order, the indices whose elements differ (by same)
// between old and c, when both have the same length and the same chunk
// sizes (as With keeps them); ok is false when they do not. Chunks the two
// versions share are not compared.
func (c *Chunks[T]) Changed(old *Chunks[T], same func(a, b T) bool) (idx []int, ok bool) {
	if c.Len() != old.Len() {
		return nil, false
	}
	if c == old || c.Len() == 0 {
		return nil, true
	}
	if len(c.chunks) != len(old.chunks) {
		return nil, false
	}
	for k, ch := range c.chunks {
		if len(ch) != len(old.chunks[k]) {
			return nil, false
		}
	}
	at := 0
	for k, ch := range c.chunks {
		was := old.chunks[k]
		if &ch[0] != &was[0] {
			for j := range ch {
				if !same(was[j], ch[j]) {
					idx = append(idx, at+j)
				}
			}
		}
		at += len(ch)
	}
	return idx, true
}

// MarshalJSON writes the list as a JSON array.
func (c *Chunks[T]) MarshalJSON() ([]byte, error) {
	s := c.Slice()
	if s == nil {
		s = []T{}
	}
	return json.Marshal(s)
}
