package render

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/syft-widget/syft-widget/manifest"
)

// TestAChunkedListDrawsAndEncodesAsTheSameSlice: a long list kept in
// chunks (as the incremental evaluation keeps a field's rows) renders,
// pages and encodes exactly as the []any of the same elements.
func TestAChunkedListDrawsAndEncodesAsTheSameSlice(t *testing.T) {
	rows := longList(2500) // spans three chunks
	tags := make([]any, 1500)
	nums := make([]any, 30)
	for i := range tags {
		tags[i] = fmt.Sprintf("t%04d", 1499-i)
	}
	for i := range nums {
		nums[i] = int64(i * i % 17)
	}
	mixed := []any{map[string]any{"name": "a"}, "b", int64(3), 2.5, time.Unix(0, 0).UTC(), nil, []any{"x"}}
	srcs := []string{
		`<table><tbody data-field="jobs"><template data-each><tr><td>{name}</td><td title="{name}">{size}</td></tr></template></tbody></table>`,
		`<div>{jobs}</div><p>{jobs.3.name} {jobs.2499.size} {jobs.2500.name}</p><p title="{nums}">{nums}</p>`,
		`<div>{tags}</div><ol><template data-each="tags"><li>{.}</li></template></ol>`,
		`<div data-format="json">{mixed}</div><div>{mixed}</div><span data-format="sparkline">{nums}</span><span data-format="bar">{nums}</span>`,
		`<div>{empty}</div><ul><template data-each="empty"><li>{.}</li></template></ul>`,
	}
	plain := map[string]any{"jobs": rows, "tags": tags, "nums": nums, "mixed": mixed, "empty": []any{}}
	chunked := map[string]any{}
	for k, v := range plain {
		chunked[k] = manifest.NewChunks(v.([]any))
	}
	for _, src := range srcs {
		tmpl, _, err := Compile(src, []string{"jobs", "tags", "nums", "mixed", "empty"})
		if err != nil {
			t.Fatal(err)
		}
		tmpl.ListLimit = 300
		want, err := tmpl.Body(plain, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tmpl.Body(chunked, nil)
		if err != nil || got != want {
			t.Errorf("%s:\nchunked: %.400s (%v)\nslice:   %.400s", src, got, err, want)
		}
	}
	for _, q := range []struct {
		path string
		q    RowQuery
	}{
		{"jobs", RowQuery{Each: true, Sort: "size", Limit: 3, Offset: 1}},
		{"jobs", RowQuery{Each: true, Text: "n24"}},
		{"jobs", RowQuery{Sort: "name", Desc: true, Limit: 5}},
		{"tags", RowQuery{Sort: ".", Limit: 4}},
		{"tags", RowQuery{Each: true, Text: "t14", Limit: 7}},
	} {
		tmpl, _, _ := Compile(`<div>{jobs}</div><table><tbody data-field="jobs"><template data-each><tr><td>{name}</td></tr></template></tbody></table><div>{tags}</div><ol><template data-each="tags"><li>{.}</li></template></ol>`, []string{"jobs", "tags"})
		want, werr := tmpl.Rows(plain, q.path, q.q)
		got, gerr := tmpl.Rows(chunked, q.path, q.q)
		if got != want || fmt.Sprint(gerr) != fmt.Sprint(werr) {
			t.Errorf("rows %s %+v:\nchunked: %+v (%v)\nslice:   %+v (%v)", q.path, q.q, got, gerr, want, werr)
		}
	}
	for k := range plain {
		want, _ := json.Marshal(plain[k])
		got, err := json.Marshal(chunked[k])
		if err != nil || string(got) != string(want) {
			t.Errorf("JSON of %s: %.200s (%v), want %.200s", k, got, err, want)
		}
		if got, want := jsonText(chunked[k], true), jsonText(plain[k], true); got != want {
			t.Errorf("jsonText of %s: %.200s, want %.200s", k, got, want)
		}
		if got, want := itemCount(chunked[k]), itemCount(plain[k]); got != want {
			t.Errorf("itemCount of %s: %d, want %d", k, got, want)
		}
	}
}
