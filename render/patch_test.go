package render

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestPatchKeepsUnchangedChildrenAndSaysOnlyWhatChanged(t *testing.T) {
	before := ShapeOf(`<h3>Jobs</h3><p><span data-field="n">2</span></p><ul data-field="xs"><li>b</li><li>c</li></ul>`)
	after := ShapeOf(`<h3>Jobs</h3><p><span data-field="n">3</span></p><ul data-field="xs"><li>a</li><li>b</li><li>c</li></ul>`)
	ops, ok := before.Patch(after)
	if !ok {
		t.Fatal("no patch between bodies that differ only inside data-field elements")
	}
	got, _ := json.Marshal(ops)
	want := `[{"i":0,"field":"n","attrs":[["data-field","n"]],"list":["3"]},{"i":1,"field":"xs","attrs":[["data-field","xs"]],"list":["\u003cli\u003ea\u003c/li\u003e",[0,2]]}]`
	if string(got) != want {
		t.Errorf("patch\n got %s\nwant %s", got, want)
	}
	if _, ok := before.Patch(ShapeOf(`<h3>Other</h3><p><span data-field="n">2</span></p><ul data-field="xs"></ul>`)); ok {
		t.Error("a patch for bodies that differ outside their data-field elements")
	}
	if ShapeOf(`<div data-field="a"><b data-field="b">1</b></div>`) != nil {
		t.Error("a data-field element inside another is patched field by field")
	}
}

// TestListPatchOfAFewChangesIsTheWholeListsPatch: the patch made from the
// children that differ (the first and last ones kept in place) is the one
// keying every child gives, for random edits of lists with repeated
// children.
func TestListPatchOfAFewChangesIsTheWholeListsPatch(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 3))
	word := func() string { return []string{"a", "b", "c", "<li>d</li>", "e", "f"}[rng.IntN(6)] }
	for range 20000 {
		old := make([]string, rng.IntN(30))
		for i := range old {
			old[i] = word()
		}
		next := slices.Clone(old)
		for range rng.IntN(4) {
			switch i := rng.IntN(len(next) + 1); {
			case rng.IntN(3) == 0 && i < len(next):
				next = slices.Delete(next, i, i+1)
			case rng.IntN(2) == 0 && i < len(next):
				next[i] = word()
			default:
				next = slices.Insert(next, i, word())
			}
		}
		got, _ := json.Marshal(listPatch(old, next))
		want, _ := json.Marshal(listPatchAll(old, next))
		if string(got) != string(want) {
			t.Fatalf("seed %d: listPatch(%q, %q)\n = %s\nwant %s", seed, old, next, got, want)
		}
	}
}
