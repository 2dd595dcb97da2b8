package render

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// BenchmarkBodyEach10000 renders a data-each list of 10,000 items, each
// with three placeholders and a class from data.
func BenchmarkBodyEach10000(b *testing.B) {
	tm := jobsTable(b, `{total}`)
	const n = 10000
	jobs := make([]any, n)
	for i := range jobs {
		jobs[i] = map[string]any{"name": fmt.Sprintf("job <%d>", i), "state": "running", "size": float64(i * 1000)}
	}
	values := map[string]any{"title": "Jobs", "total": n, "jobs": jobs}
	var size int
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		out, err := tm.Body(values, nil)
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N)/n, "ns/item")
	b.ReportMetric(float64(size), "bytes/render")
}

// BenchmarkCompile compiles a template of the size a widget has.
func BenchmarkCompile(b *testing.B) {
	src := jobsTemplate + `<p style="a{color:red}">{nope}</p><a href="https://x.example/{total}">x</a>`
	fields := []string{"total", "running", "jobs", "size", "trend", "time"}
	for b.Loop() {
		if _, _, err := Compile(src, fields); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBodyOneChangedRow draws a version of a body with 200 rows shown
// (of 10,000) in which one row changed, and takes its shape for the patch:
// what rendering costs per change (see Template.Shape and drawItems).
func BenchmarkBodyOneChangedRow(b *testing.B) {
	tm := jobsTable(b, `<span data-field="total">{total}</span>`)
	const n = 10000
	jobs := make([]any, n)
	row := func(i, v int) any {
		return map[string]any{"name": fmt.Sprintf("job <%d>", i), "state": "running", "size": float64(v)}
	}
	for i := range jobs {
		jobs[i] = row(i, i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		jobs = slices.Clone(jobs[:DefaultListLimit]) // the rows shown; the rest cost nothing here
		jobs[i%DefaultListLimit] = row(i%DefaultListLimit, i)
		out, err := tm.Body(map[string]any{"title": "Jobs", "total": n + i, "jobs": jobs}, nil)
		if err != nil {
			b.Fatal(err)
		}
		if tm.Shape(out) == nil {
			b.Fatal("no shape")
		}
	}
}

// jobsTable compiles the template of the benchmarks: a heading showing
// total as written, and a data-each table of jobs, one row of three
// placeholders and a class from data each.
func jobsTable(b *testing.B, total string) *Template {
	tm, _, err := Compile(`<h3>{title}: `+total+`</h3><table><tbody data-field="jobs"><template data-each>`+
		`<tr class="{state}"><td>{name}</td><td data-format="bytes">{size}</td></tr></template></tbody></table>`,
		[]string{"total", "jobs"})
	if err != nil {
		b.Fatal(err)
	}
	return tm
}
