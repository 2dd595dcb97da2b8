package render

import (
	"fmt"
	"testing"
)

// BenchmarkRows100k is one page of the pager over a table of 100,000 rows:
// filtered (a tenth match), sorted by a number column, page 3.
func BenchmarkRows100k(b *testing.B) {
	tm, _, err := Compile(`<div>{jobs}</div>`, []string{"jobs"})
	if err != nil {
		b.Fatal(err)
	}
	const n = 100_000
	jobs := make([]any, n)
	for i := range jobs {
		jobs[i] = map[string]any{"name": fmt.Sprintf("job-%06d", i), "state": []string{"running", "done"}[i%2], "size": int64(i * 7919 % n)}
	}
	values := map[string]any{"jobs": jobs}
	q := RowQuery{Offset: 400, Limit: 200, Sort: "size", Desc: true, Text: "7"}
	b.ReportAllocs()
	for b.Loop() {
		r, err := tm.Rows(values, "jobs", q)
		if err != nil || r.Matched == 0 {
			b.Fatal(r.Matched, err)
		}
	}
}
