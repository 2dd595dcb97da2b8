package widget

import (
	"encoding/json"
	"fmt"
	"path/filepath"
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

// TestAFilteredListThatKeepsEveryRecordIsPatched: a whole-field list whose
// filter passes every record is a version of the last one with the
// replaced elements, and equals a fresh evaluation after every step.
func TestAFilteredListThatKeepsEveryRecordIsPatched(t *testing.T) {
	smallBlocks(t)
	src := "sources:\n  jobs: \"jobs/**/*.json\"\nendpoints:\n  /e:\n" +
		"    all: 'filter(jobs, .path != \"\")'\n" +
		"    names: 'map(filter(jobs, .path != \"\"), .data.name ?? \"\")'\n"
	m, err := manifest.Parse(filepath.Join(t.TempDir(), "w.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	in := NewIncremental(m)
	tr := newTree(t, m, 5, 150)
	sameAsFresh(t, m, in, tr.cache.Snapshot(), "first evaluation")
	for i := range 80 {
		did := tr.step()
		sameAsFresh(t, m, in, tr.cache.Snapshot(), fmt.Sprintf("step %d (%s)", i, did))
	}
	mostlyIncremental(t, in, 81)
}
