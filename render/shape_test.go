package render

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// shapeTemplates put data-field elements where the parser may move what
// they hold: in a paragraph (a list value closes it), as a table (rows get
// a tbody), in a pre, as a void element, next to a data-each outside any
// field. pieces says whether most of their shapes come from pieces: rows
// put straight in a table never do (the parser adds a tbody).
var shapeTemplates = []struct {
	src    string
	pieces bool
}{
	{itemsTemplate, true},
	{`<p>Total: <span data-field="total">{total}</span> and <b data-field="note">{note}</b></p><div data-field="names">{names}</div>`, true},
	{`<table data-field="rows"><template data-each><tr><td>{id}</td><td>{name}</td></tr></template></table><pre data-field="note">
{note}</pre>`, false},
	{`<pre data-field="note">

{note}</pre><ul><template data-each="names"><li>{.}</li></template></ul><img data-field="total" alt="{total}"><h3 data-field="rows">{rows}</h3>`, true},
	// Items that are text, or have text around them, make one text node
	// with their neighbours.
	{`<ul data-field="names">
  <template data-each>
    <li>{.}</li>
  </template>
</ul><p data-field="rows">Jobs: <template data-each>{name}, </template>.</p>`, true},
	// A list inside an element inside the field: the items are not the
	// field's children.
	{`<div data-field="names"><ul><template data-each="names"><li>{.}</li></template></ul></div>`, true},
}

// TestShapeFromPiecesIsTheShapeOfTheWholeBody renders random versions of
// several templates and checks that Template.Shape, which parses only the
// data-field elements that changed, gives the patches that parsing each
// whole body gives.
func TestShapeFromPiecesIsTheShapeOfTheWholeBody(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 2))
	fields := []string{"total", "note", "rows", "names", "groups", "events"}
	for ti, st := range shapeTemplates {
		tm, _, err := Compile(st.src, fields)
		if err != nil {
			t.Fatal(err)
		}
		tm.ListLimit = 5
		values := map[string]any{"title": "Jobs", "total": int64(1), "note": "n", "rows": []any{}, "names": []any{}, "groups": map[string]any{}, "events": []any{}}
		var prevPieces, prevWhole *Shape
		pieces, patched := 0, 0
		for step := range 200 {
			values = maps.Clone(values)
			rows := slices.Clone(values["rows"].([]any))
			switch op := rng.IntN(9); {
			case op < 3 || len(rows) == 0:
				rows = slices.Insert(rows, rng.IntN(len(rows)+1), any(map[string]any{"id": int64(step), "name": fmt.Sprintf("<job %d>", step)}))
			case op < 4:
				i := rng.IntN(len(rows))
				rows = slices.Delete(rows, i, i+1)
			case op < 5:
				values["total"] = int64(rng.IntN(3))
			case op < 6:
				// A list where a paragraph holds the field: the parser
				// moves it out of the paragraph.
				values["note"] = []any{"n", "m"}[:rng.IntN(3)]
			case op < 7:
				values["note"] = []string{"n", "\nline", "a+b & <c>"}[rng.IntN(3)]
			case op < 8:
				values["names"] = append(slices.Clone(values["names"].([]any)), fmt.Sprint(step))
			default:
				values["title"] = []string{"Jobs", "Other"}[rng.IntN(2)]
			}
			values["rows"] = rows
			var stale map[string]string
			if rng.IntN(5) == 0 {
				stale = map[string]string{"total": "broken"}
			}
			body, err := tm.Body(values, stale)
			if err != nil {
				t.Fatal(err)
			}
			page := body
			if rng.IntN(10) == 0 {
				page = `<div class="sw-notice">a file is half written</div>` + body
			}
			got, want := tm.Shape(page), ShapeOf(page)
			if got != nil && strings.Contains(got.skeleton, "\x00") {
				pieces++
				if want == nil || !sameFields(got.fields, want.fields) {
					t.Fatalf("seed %d, template %d, step %d: the shape from pieces differs from the whole body's\nbody: %s", seed, ti, step, page)
				}
			}
			if prevWhole != nil {
				gotOps, gotOK := prevPieces.Patch(got)
				wantOps, wantOK := prevWhole.Patch(want)
				if gotOK && !wantOK {
					t.Fatalf("seed %d, template %d, step %d: a patch where the whole body must be sent\nbody: %s", seed, ti, step, page)
				}
				if gotOK {
					patched++
					g, _ := json.Marshal(gotOps)
					w, _ := json.Marshal(wantOps)
					if string(g) != string(w) {
						t.Fatalf("seed %d, template %d, step %d: patch\n got %s\nwant %s", seed, ti, step, g, w)
					}
				}
			}
			prevPieces, prevWhole = got, want
		}
		if st.pieces && pieces < 60 || patched < 50 {
			t.Errorf("template %d: %d of 200 shapes were taken from pieces, %d patches made", ti, pieces, patched)
		}
	}
}

// FuzzShapeAndItems renders arbitrary templates through a sequence of
// versions and checks each body against a fresh render with plain ranges,
// and each shape taken from pieces against a parse of the whole body.
func FuzzShapeAndItems(f *testing.F) {
	for _, st := range shapeTemplates {
		f.Add(st.src)
	}
	f.Add(`<p><b data-field="a">{a}</b></p><ul data-field="list"><template data-each><li>{name}<i>{.}</i></li></template></ul>`)
	f.Add(`<table><tr data-field="list"><template data-each><td>{name}</td></template></tr></table><select data-field="obj"><template data-each><option>{key}</option></template></select>`)
	f.Add(`<dl data-field="obj"><template data-each><dt>{key}</dt><dd>{value}</dd></template></dl><div data-field="n"> {n} <a href="{b}">{a}</a></div>`)
	fields := []string{"a", "b", "n", "list", "obj"}
	versions := []map[string]any{
		{"a": "x", "b": "https://x.example/", "n": 1, "list": []any{}, "obj": map[string]any{}},
		{"a": `<b>&"`, "b": "javascript:x", "n": 2.5, "list": []any{map[string]any{"name": "<p>"}, "plain"}, "obj": map[string]any{"k": []any{1, 2}}},
		{"a": []any{"l", "m"}, "b": "", "n": nil, "list": []any{"plain", map[string]any{"name": "n2"}, map[string]any{"name": "<p>"}, []any{"x"}}, "obj": map[string]any{"k": "v", "j": map[string]any{"q": 1}}},
		{"a": "x", "b": "https://x.example/", "n": 1, "list": []any{"plain"}, "obj": map[string]any{}},
	}
	f.Fuzz(func(t *testing.T, src string) {
		tm, _, err := Compile(src, fields)
		if err != nil {
			return
		}
		fresh, _, err := compile(src, fields, true)
		if err != nil {
			t.Fatalf("the template compiles with its lists as pieces but not as ranges: %v", err)
		}
		tm.ListLimit, fresh.ListLimit = 2, 2
		var prevPieces, prevWhole *Shape
		for k, values := range append(versions, versions...) {
			got, err := tm.Body(values, nil)
			if err != nil {
				return
			}
			want, err := fresh.Body(values, nil)
			if err != nil || got != want {
				t.Fatalf("version %d: the body drawn with kept items differs from a fresh one (%v)\n got: %s\nwant: %s", k, err, got, want)
			}
			pieces, whole := tm.Shape(got), ShapeOf(got)
			if pieces != nil && strings.HasPrefix(pieces.skeleton, "\x00") && (whole == nil || !sameFields(pieces.fields, whole.fields)) {
				t.Fatalf("version %d: the shape from pieces differs from the whole body's\nbody: %s", k, got)
			}
			if prevWhole != nil {
				gotOps, gotOK := prevPieces.Patch(pieces)
				wantOps, wantOK := prevWhole.Patch(whole)
				g, _ := json.Marshal(gotOps)
				w, _ := json.Marshal(wantOps)
				if gotOK && (!wantOK || string(g) != string(w)) {
					t.Fatalf("version %d: patch\n got %s\nwant %s (%v)\nbody: %s", k, g, w, wantOK, got)
				}
			}
			prevPieces, prevWhole = pieces, whole
		}
	})
}

// TestPlainTagsReadsAsTheTokenizer: whatever the HTML, the tags counted
// without a tokenizer, when counted so, are the tokenizer's.
func TestPlainTagsReadsAsTheTokenizer(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 4))
	pieces := []string{"<a>", "</a>", "<b>", "</b>", "<br>", "<br/>", "<br />", `<p class="x">`, "</p>", "<td>", "</td>",
		`<tr class="running">`, "</tr>", "text", "1,234", "<", ">", `"`, "'", "/", "=", " ", "\n", "<!-- c -->", "<A>", "</A>",
		"<style>", "</style>", "<title>", `<a href='x>y'>`, `<a href="x>y">`, "<a/b>", "</a x>", "<x-y>", "</x-y>", "<3", "</>",
		`<img alt="">`, `<input disabled>`, `<a x="1"y="2">`, `<a x=1>`, `<a x="1`, "<svg>", "</svg>", "<p:q>", "<a_b>", "&amp;", "<a\tb>"}
	plain := 0
	for range 50000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		gotStarts, gotBalanced, ok := plainTags(s)
		if !ok {
			continue
		}
		plain++
		wantStarts, wantBalanced := tokenTags(s)
		if gotStarts != wantStarts || gotBalanced != wantBalanced {
			t.Fatalf("seed %d: plainTags(%q) = %d, %v; the tokenizer reads %d, %v", seed, s, gotStarts, gotBalanced, wantStarts, wantBalanced)
		}
	}
	if plain < 5000 {
		t.Errorf("only %d of 50,000 strings were read without the tokenizer", plain)
	}
}
