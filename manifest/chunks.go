package manifest

import (
	"encoding/json"
	"iter"
	"sync"
)

// chunkSize is how many elements one chunk of a Chunks holds: replacing an
// element copies its chunk and the list of chunks, so both stay small at a
// million elements (1,024 and 977).
const chunkSize = 1024

// Chunks is an immutable list kept in chunks of a fixed size. A version
// with a few elements replaced (With) shares every other chunk with the
// version before, so it costs the chunks it touches, not the list; and two
// versions are compared chunk by chunk (Changed), skipping the shared ones.
// This is what keeps a change to one file of a million from costing a
// million: the records of a source, and the long lists the incremental
// evaluation keeps, are Chunks.
//
// The nil *Chunks is an empty list. A Chunks is safe for concurrent use.
type Chunks[T any] struct {
	chunks [][]T
	n      int

	flatOnce sync.Once
	flat     []T
}

// NewChunks returns the list of the elements of s (copied: s may change
// after).
func NewChunks[T any](s []T) *Chunks[T] {
	c := &Chunks[T]{n: len(s), chunks: make([][]T, 0, (len(s)+chunkSize-1)/chunkSize)}
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
	return c.chunks[i/chunkSize][i%chunkSize]
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
		for k, ch := range c.chunks {
			for j, v := range ch {
				if !yield(k*chunkSize+j, v) {
					return
				}
			}
		}
	}
}

// With returns a new version of the list with element idx[k] replaced by
// vals[k] for every k; c is not modified.
func (c *Chunks[T]) With(idx []int, vals []T) *Chunks[T] {
	out := &Chunks[T]{n: c.n, chunks: append(make([][]T, 0, len(c.chunks)), c.chunks...)}
	copied := map[int]bool{}
	for k, i := range idx {
		ch := i / chunkSize
		if !copied[ch] {
			copied[ch] = true
			out.chunks[ch] = append(make([]T, 0, len(c.chunks[ch])), c.chunks[ch]...)
		}
		out.chunks[ch][i%chunkSize] = vals[k]
	}
	return out
}

// Changed lists, in order, the indices whose elements differ (by same)
// between old and c, when both have the same length; ok is false when they
// do not. Chunks the two versions share are not compared.
func (c *Chunks[T]) Changed(old *Chunks[T], same func(a, b T) bool) (idx []int, ok bool) {
	if c.Len() != old.Len() {
		return nil, false
	}
	if c == old || c.Len() == 0 {
		return nil, true
	}
	for k, ch := range c.chunks {
		was := old.chunks[k]
		if &ch[0] == &was[0] {
			continue
		}
		for j := range ch {
			if !same(was[j], ch[j]) {
				idx = append(idx, k*chunkSize+j)
			}
		}
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
