package widget

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestColumnIsAList checks a column against a slice through random
// insertions, removals and sets at both ends and in the middle, with
// blocks of four entries so that moves cross many blocks.
func TestColumnIsAList(t *testing.T) {
	defer func(s int) { colShift = s }(colShift)
	colShift = 2
	rnd := rand.New(rand.NewPCG(1, 2))
	var c column[int]
	var want []int
	for step := range 20000 {
		switch op := rnd.IntN(10); {
		case op < 4 || len(want) == 0:
			i := rnd.IntN(len(want) + 1)
			switch rnd.IntN(3) {
			case 0:
				i = 0
			case 1:
				i = len(want)
			}
			c.insert(i, step)
			want = slices.Insert(want, i, step)
		case op < 8:
			i := rnd.IntN(len(want))
			switch rnd.IntN(3) {
			case 0:
				i = 0
			case 1:
				i = len(want) - 1
			}
			c.remove(i)
			want = slices.Delete(want, i, i+1)
		default:
			i := rnd.IntN(len(want))
			c.set(i, -step)
			want[i] = -step
		}
		if c.len() != len(want) {
			t.Fatalf("step %d: len %d, want %d", step, c.len(), len(want))
		}
		for i, w := range want {
			if c.at(i) != w {
				t.Fatalf("step %d: entry %d is %d, want %d", step, i, c.at(i), w)
			}
		}
		if free := len(c.blocks)<<colShift - c.n; free >= 4<<colShift {
			t.Fatalf("step %d: %d places free for %d entries", step, free, c.n)
		}
	}
}

// TestValuesKeepNumbersExactly checks that packed values read back as the
// values put in, kind and bits (ints beyond 2^53, -0, NaN), and that a
// value that is not a number boxes them all.
func TestValuesKeepNumbersExactly(t *testing.T) {
	in := []any{nil, 1, 1<<53 + 1, -1 << 62, 2.0, math.Copysign(0, -1), math.NaN(), math.Inf(-1), 0}
	var v values
	for _, x := range in {
		v.push(x)
	}
	check := func(boxed bool) {
		t.Helper()
		if v.boxed != boxed {
			t.Fatalf("boxed is %v, want %v", v.boxed, boxed)
		}
		for i, x := range in {
			got := v.at(i)
			switch w := x.(type) {
			case float64:
				if g, ok := got.(float64); !ok || math.Float64bits(g) != math.Float64bits(w) {
					t.Errorf("entry %d is %#v, want %#v", i, got, x)
				}
			default:
				if got != x {
					t.Errorf("entry %d is %#v, want %#v", i, got, x)
				}
			}
		}
	}
	check(false)
	v.insert(3, "three")
	in = slices.Insert(in, 3, any("three"))
	check(true)
}
