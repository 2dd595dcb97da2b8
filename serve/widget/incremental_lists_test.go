package widget

import (
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
