package manifest

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestChunksWithSharesWhatItDoesNotReplace(t *testing.T) {
	s := make([]int, 3*chunkSize+5)
	for i := range s {
		s[i] = i
	}
	a := NewChunks(s)
	s[0] = -1 // a copied s
	b := a.With([]int{7, 2*chunkSize + 1}, []int{70, 700})
	if a.At(7) != 7 || b.At(7) != 70 || b.At(2*chunkSize+1) != 700 || b.Len() != a.Len() {
		t.Fatalf("With: a[7]=%d b[7]=%d", a.At(7), b.At(7))
	}
	if &a.chunks[1][0] != &b.chunks[1][0] || &a.chunks[0][0] == &b.chunks[0][0] {
		t.Fatal("With copies only the chunks it touches")
	}
	idx, ok := b.Changed(a, func(x, y int) bool { return x == y })
	if !ok || !slices.Equal(idx, []int{7, 2*chunkSize + 1}) {
		t.Fatalf("Changed = %v %v", idx, ok)
	}
	if _, ok := NewChunks(s[:5]).Changed(a, func(x, y int) bool { return x == y }); ok {
		t.Fatal("Changed of lists of different lengths must say so")
	}
	flat := b.Slice()
	if len(flat) != b.Len() || flat[7] != 70 || flat[len(flat)-1] != len(flat)-1 {
		t.Fatal("Slice is not the elements in order")
	}
	n := 0
	for i, v := range b.All() {
		if v != flat[i] {
			t.Fatalf("All: %d at %d, want %d", v, i, flat[i])
		}
		n++
	}
	if n != b.Len() {
		t.Fatalf("All yielded %d of %d", n, b.Len())
	}
}

func TestChunksNilIsEmpty(t *testing.T) {
	var c *Chunks[any]
	if c.Len() != 0 || c.Slice() != nil {
		t.Fatal("the nil Chunks is not empty")
	}
	for range c.All() {
		t.Fatal("the nil Chunks yields nothing")
	}
	b, err := json.Marshal(c)
	if err != nil || string(b) != "null" {
		t.Fatalf("%s %v", b, err)
	}
	b, _ = json.Marshal(NewChunks([]any{1, "a"}))
	if string(b) != `[1,"a"]` {
		t.Fatalf("%s", b)
	}
}
