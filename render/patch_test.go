package render

import (
	"encoding/json"
	"testing"
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
