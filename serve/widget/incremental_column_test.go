package widget

import (
	"fmt"
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

// TestValuesKeepValuesExactly checks that packed values read back as the
// values put in, kind and bits (ints beyond 2^53, -0, NaN), strings and
// bools among few too, and that a value that is none of these, or one
// string too many, boxes them all.
func TestValuesKeepValuesExactly(t *testing.T) {
	defer func(s int) { colShift = s }(colShift)
	colShift = 2
	in := []any{nil, 1, 1<<53 + 1, -1 << 62, 2.0, math.Copysign(0, -1), math.NaN(), math.Inf(-1), 0, "a", true, "a", false, ""}
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
	// Two halves filled apart and put end to end, as a first evaluation
	// on two cores does: the second's strings take the first's indices.
	var a, b values
	for i := range 8 {
		a.push(fmt.Sprint(i % 3))
		b.push(fmt.Sprint(i % 5))
	}
	a.appendValues(&b)
	for i := range 16 {
		if want := fmt.Sprint(i % 3); i >= 8 {
			want = fmt.Sprint((i - 8) % 5)
			if a.at(i) != want {
				t.Fatalf("appended entry %d is %v, want %v", i, a.at(i), want)
			}
		} else if a.at(i) != want {
			t.Fatalf("entry %d is %v, want %v", i, a.at(i), want)
		}
	}
	if a.boxed {
		t.Fatal("five strings boxed the column")
	}
	for i := range maxDict {
		v.push(fmt.Sprint("s", i))
		in = append(in, fmt.Sprint("s", i))
	}
	check(true) // the strings met with "a" and "" are maxDict + 2
	v = values{}
	for _, x := range in[:14] {
		v.push(x)
	}
	v.insert(3, []any{})
	in = slices.Insert(in[:14], 3, any(nil))
	v.set(3, nil)
	check(true)
}

// TestStatesAreACountUntilOneDiffers checks the states of items against a
// slice: a count while every item is in, a column from the first that is
// not, and two halves put end to end as a first evaluation does.
func TestStatesAreACountUntilOneDiffers(t *testing.T) {
	defer func(s int) { colShift = s }(colShift)
	colShift = 2
	rnd := rand.New(rand.NewPCG(3, 4))
	var s states
	var want []int8
	check := func(step int) {
		t.Helper()
		if s.len() != len(want) {
			t.Fatalf("step %d: len %d, want %d", step, s.len(), len(want))
		}
		for i, w := range want {
			if s.at(i) != w {
				t.Fatalf("step %d: state %d is %d, want %d", step, i, s.at(i), w)
			}
		}
		for i := 0; i < len(want); {
			run := s.run(i)
			if len(run) == 0 || !slices.Equal(run, want[i:i+len(run)]) {
				t.Fatalf("step %d: run at %d is %v, want a prefix of %v", step, i, run, want[i:])
			}
			i += len(run)
		}
	}
	for step := range 3000 {
		st := int8(1)
		if step > 1000 && rnd.IntN(5) == 0 {
			st = int8(rnd.IntN(4) - 1)
		}
		switch op := rnd.IntN(10); {
		case op < 5 || len(want) == 0:
			i := rnd.IntN(len(want) + 1)
			s.insert(i, st)
			want = slices.Insert(want, i, st)
		case op < 8:
			i := rnd.IntN(len(want))
			s.remove(i)
			want = slices.Delete(want, i, i+1)
		default:
			i := rnd.IntN(len(want))
			s.set(i, st)
			want[i] = st
		}
		check(step)
		if step == 1000 && s.made {
			t.Fatal("states of items all in made a column")
		}
	}
	var a, b states
	for range 8 {
		a.insert(a.len(), 1)
		b.insert(b.len(), 1)
	}
	b.set(3, 2)
	a.appendStates(&b)
	s, want = a, slices.Repeat([]int8{1}, 16)
	want[11] = 2
	check(-1)
}
