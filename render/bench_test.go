package render

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkBodyEach10000 renders a data-each list of 10,000 items, each
// with three placeholders and a class from data.
func BenchmarkBodyEach10000(b *testing.B) {
	tm, _, err := Compile(`<h3>{title}: {total}</h3><table><tbody data-field="jobs"><template data-each>`+
		`<tr class="{state}"><td>{name}</td><td data-format="bytes">{size}</td></tr></template></tbody></table>`,
		[]string{"total", "jobs"})
	if err != nil {
		b.Fatal(err)
	}
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
