package widget

import (
	"encoding/json"
	"reflect"
	"sync"
	"testing"

	"github.com/syft-widget/syft-widget/manifest"
)

func TestSameValueComparesChunkedListsByWhatChanged(t *testing.T) {
	rows := make([]any, 3000)
	for i := range rows {
		rows[i] = map[string]any{"id": i}
	}
	a := manifest.NewChunks(rows)
	if !sameValue(a, a) {
		t.Error("a list is not the same as itself")
	}
	if !sameValue(a, a.With([]int{2500}, []any{map[string]any{"id": 2500}})) {
		t.Error("a row rewritten with the same content reads as a change")
	}
	if sameValue(a, a.With([]int{2500}, []any{map[string]any{"id": -1}})) {
		t.Error("a changed row reads as no change")
	}
	if sameValue(a, manifest.NewChunks(rows[:2999])) || sameValue(a, rows) {
		t.Error("lists of other lengths or kinds read as the same")
	}
}

// TestARowPerFileIsMadeWhenRead: the rows of a whole-field map are made
// when read past the first ones, encode as the fresh list does, may be
// read while the next evaluation runs, and compare by what they hold.
func TestARowPerFileIsMadeWhenRead(t *testing.T) {
	smallBlocks(t)
	m := loadBench(t, "jobs_dashboard.yaml")
	in := NewIncremental(m)
	var rows *manifest.Field
	for _, ep := range m.Endpoints {
		for _, f := range ep.Fields {
			if f.Name == "rows" {
				rows = f
			}
		}
	}
	tr := newTree(t, m, 3, 200)
	eval := func() (*mappedList, []any) {
		snap := tr.cache.Snapshot()
		got, err := in.EvalField(rows, sourceEnv(m, snap))
		l, ok := got.(*mappedList)
		if err != nil || !ok {
			t.Fatalf("rows = %T, %v; want a list made when read", got, err)
		}
		want, _ := rows.Eval(m.Env(snap))
		return l, want.([]any)
	}
	l, want := eval()
	gotJSON, _ := json.Marshal(l)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) || !reflect.DeepEqual(l.At(150), want[150]) {
		t.Fatalf("the rows encode as %.200s, want %.200s", gotJSON, wantJSON)
	}
	var wg sync.WaitGroup
	first := l
	for range 3 {
		wg.Go(func() {
			json.Marshal(first)
			first.Slice()
			first.At(190)
		})
	}
	for range 10 {
		tr.step()
		next, _ := eval()
		if got, want := sameValue(l, next), reflect.DeepEqual(l.Slice(), next.Slice()); got != want {
			t.Errorf("sameValue = %v for lists whose elements are equal: %v", got, want)
		}
		l = next
	}
	wg.Wait()
	if !sameValue(l, l) {
		t.Error("a list is not the same as itself")
	}
}
