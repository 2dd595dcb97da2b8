package manifest

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
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

// TestChunksInsertDeleteKeepTheListAndSayWhatTheyDid applies random
// insertions, removals and replacements to a Chunks and to a plain slice,
// and checks after each that both hold the same elements and that Since
// gives the edits made, in order.
func TestChunksInsertDeleteKeepTheListAndSayWhatTheyDid(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	model := make([]int, 3*chunkSize)
	for i := range model {
		model[i] = i
	}
	c := NewChunks(model)
	next := len(model)
	for step := range 6000 {
		old := c
		var want Edit[int]
		switch op := rnd.IntN(10); {
		case op < 4: // near one place, so that a chunk grows past twice its size
			i := min(len(model), chunkSize+rnd.IntN(8))
			c, model, want = c.Insert(i, next), slices.Insert(model, i, next), Edit[int]{EditInsert, []int{i}, []int{next}, nil}
		case op < 6:
			i := len(model)
			c, model, want = c.Insert(i, next), append(model, next), Edit[int]{EditInsert, []int{i}, []int{next}, nil}
		case op < 9 && len(model) > 0:
			i := rnd.IntN(len(model))
			want = Edit[int]{EditDelete, []int{i}, nil, []int{model[i]}}
			c, model = c.Delete(i), slices.Delete(model, i, i+1)
		default:
			if len(model) == 0 {
				continue
			}
			i := rnd.IntN(len(model))
			c, want = c.With([]int{i}, []int{next}), Edit[int]{EditReplace, []int{i}, []int{next}, []int{model[i]}}
			model[i] = next
			if idx, ok := c.Changed(old, func(a, b int) bool { return a == b }); !ok || !slices.Equal(idx, []int{i}) {
				t.Fatalf("step %d: Changed after With(%d) = %v %v", step, i, idx, ok)
			}
		}
		next++
		if c.Len() != len(model) {
			t.Fatalf("step %d: Len %d, want %d", step, c.Len(), len(model))
		}
		edits, ok := c.Since(old)
		if !ok || len(edits) != 1 || !reflect.DeepEqual(edits[0], want) {
			t.Fatalf("step %d: Since = %+v %v, want %+v", step, edits, ok, want)
		}
		for range 5 {
			if i := rnd.IntN(len(model) + 1); i < len(model) && c.At(i) != model[i] {
				t.Fatalf("step %d: At(%d) = %d, want %d", step, i, c.At(i), model[i])
			}
		}
		if step%500 == 0 && !slices.Equal(c.Slice(), model) {
			t.Fatalf("step %d: Slice differs from the model", step)
		}
	}
	for i, v := range c.All() {
		if v != model[i] {
			t.Fatalf("All: %d at %d, want %d", v, i, model[i])
		}
	}
	if len(c.chunks) < 4 || c.offs == nil {
		t.Fatalf("the chunks were never split (%d chunks)", len(c.chunks))
	}
}

func TestChunksSinceChainsEditsAndForgetsOldVersions(t *testing.T) {
	a := NewChunks([]int{1, 2, 3})
	b := a.Insert(3, 4).Delete(0).With([]int{1}, []int{30})
	edits, ok := b.Since(a)
	want := []Edit[int]{{EditInsert, []int{3}, []int{4}, nil}, {EditDelete, []int{0}, nil, []int{1}}, {EditReplace, []int{1}, []int{30}, []int{3}}}
	if !ok || !reflect.DeepEqual(edits, want) {
		t.Fatalf("Since = %+v %v", edits, ok)
	}
	if !slices.Equal(b.Slice(), []int{2, 30, 4}) {
		t.Fatalf("b = %v", b.Slice())
	}
	if _, ok := a.Since(b); ok {
		t.Fatal("a was not made from b")
	}
	if _, ok := NewChunks([]int{1}).Since(a); ok {
		t.Fatal("NewChunks makes a version made from nothing")
	}
	if _, ok := NewChunks([]int{1}).Insert(1, 2).Since(NewChunks([]int{1})); ok {
		t.Fatal("a version is not made from another made by NewChunks")
	}
	first := a.Insert(0, 0)
	second := first.Insert(0, 0)
	c := second
	for range keepSteps - 1 {
		c = c.Insert(0, 0)
	}
	if _, ok := c.Since(a); ok {
		t.Fatal("a version more than keepSteps edits back is still remembered")
	}
	if edits, ok := c.Since(first); !ok || len(edits) != keepSteps {
		t.Fatalf("a version keepSteps edits back is forgotten (%d edits, %v)", len(edits), ok)
	}
	if c = c.Insert(0, 0); second.log.prev.Load() != nil || c.Len() != 3+keepSteps+2 {
		t.Fatal("the record of the edits is not cut")
	}
}

func TestChunksForgetEditsThatHoldManyElements(t *testing.T) {
	a := NewChunks(make([]int, 3*keepElements))
	all := make([]int, keepElements+1)
	for i := range all {
		all[i] = i
	}
	big := a.With(all, all)
	if _, ok := big.Since(a); ok {
		t.Fatal("an edit of more than keepElements elements is remembered: it keeps what it replaced alive")
	}
	b := big.With(all[:keepElements/2], all[:keepElements/2])
	c := b.With(all[:keepElements/2], all[:keepElements/2])
	if edits, ok := c.Since(big); !ok || len(edits) != 2 {
		t.Fatalf("edits of keepElements elements in all are forgotten (%d edits, %v)", len(edits), ok)
	}
	d := c.Insert(0, 1)
	if _, ok := c.Since(big); ok {
		t.Fatal("edits past keepElements elements are still remembered")
	}
	if edits, ok := d.Since(b); !ok || len(edits) != 2 {
		t.Fatalf("the last edits are forgotten (%d edits, %v)", len(edits), ok)
	}
}
