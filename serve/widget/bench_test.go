package widget

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syft-widget/syft-widget/serve/gcpolicy"
	"github.com/syft-widget/syft-widget/serve/internal/benchtree"
)

// Benchmarks of the evaluation stage. Run by hand (they build large trees):
//
//	go test -run '^$' -bench . -benchtime 20x ./serve/widget/

// BenchmarkOneChangeAmong100k measures the server's work for one changed
// file among 100,000: the re-read, the re-evaluation, the render and the
// JSON of the new version, for an O(1) widget (len(files), files[0]); see
// BenchmarkDashboardOneChange for one that aggregates.
func BenchmarkOneChangeAmong100k(b *testing.B) {
	dir := b.TempDir()
	benchtree.JSONFiles(b, dir, 100_000)
	path := filepath.Join(dir, "bench.yaml")
	os.WriteFile(path, []byte(benchtree.Manifest), 0o644)
	w, err := Load(path, nil)
	if err != nil {
		b.Fatal(err)
	}
	first := filepath.Join(dir, "d", "000", "0000.json")
	reads := w.cache.Reads()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		benchtree.Change(b, first, i)
		b.StartTimer()
		changed := w.cache.Refresh([]string{first})
		w.update(w.affected(map[string]bool{changed[0]: true}))
	}
	b.StopTimer()
	if !strings.Contains(w.State().HTML, strconv.Itoa(b.N-1+1_000_000)) {
		b.Fatalf("the last change is not shown: %s", w.State().HTML)
	}
	b.ReportMetric(float64(w.cache.Reads()-reads)/float64(b.N), "reads/op")
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/1e6, "ms/op")
}

// BenchmarkRSS100k reports the memory of a widget tracking 100,000 small
// JSON files, watched: the process's RSS and the Go heap in use (an O(1)
// widget; see BenchmarkDashboardRSS).
func BenchmarkRSS100k(b *testing.B) {
	dir := b.TempDir()
	benchtree.JSONFiles(b, dir, 100_000)
	path := filepath.Join(dir, "bench.yaml")
	os.WriteFile(path, []byte(benchtree.Manifest), 0o644)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w, err := Load(path, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Start(nil); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		runtime.GC()
		reportMemory(b)
		w.Close()
		b.StartTimer()
	}
}

// reportMemory reports the process's RSS and the Go heap in use.
func reportMemory(b *testing.B) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(benchtree.RSSMiB(), "rss-MiB")
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
}

// BenchmarkCheckpoint is the whole of `render --checkpoint --no-server`
// (load the manifest, read and parse every file, evaluate, render the
// fragment) next to only reading the same files: over 10,000 small JSON
// files, and over one 50 MiB CSV.
func BenchmarkCheckpoint(b *testing.B) {
	jsonDir := b.TempDir()
	benchtree.JSONFiles(b, jsonDir, 10_000)
	os.WriteFile(filepath.Join(jsonDir, "w.yaml"), []byte(`name: w
sources:
  files: "d/**/*.json"
endpoints:
  /api:
    total: len(files)
    big: count(files, .data.v > 5000)
    last: last(files).data.name
template: |
  <p>{total} files, {big} big, the last is {last}</p>
`), 0o644)
	csvDir := b.TempDir()
	f, err := os.Create(filepath.Join(csvDir, "rows.csv"))
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("step,loss,accuracy,host,note\n")
	for i := 0; ; i++ {
		fmt.Fprintf(w, "%d,%.6f,%.4f,host-%d,run %d ok\n", i, 1/float64(i+1), float64(i%1000)/1000, i%7, i)
		if st, _ := f.Stat(); st.Size() >= 50<<20 {
			break
		}
	}
	w.Flush()
	f.Close()
	os.WriteFile(filepath.Join(csvDir, "w.yaml"), []byte(`name: w
sources:
  rows:
    file: rows.csv
    max_file_size: 64MiB
endpoints:
  /api:
    steps: len(rows.data)
    loss: last(rows.data).loss
template: |
  <p>{steps} steps, loss {loss}</p>
`), 0o644)
	for _, c := range []struct{ name, dir, glob string }{{"json10k", jsonDir, "d/*/*.json"}, {"csv50MiB", csvDir, "rows.csv"}} {
		b.Run(c.name+"/render", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				wd, err := Load(filepath.Join(c.dir, "w.yaml"), nil)
				if err != nil {
					b.Fatal(err)
				}
				if len(wd.State().Errors) > 0 {
					b.Fatal(wd.State().Errors)
				}
				if err := wd.Checkpoint(io.Discard, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/read-only", func(b *testing.B) {
			files, _ := filepath.Glob(filepath.Join(c.dir, c.glob))
			for i := 0; i < b.N; i++ {
				for _, f := range files {
					if _, err := os.ReadFile(f); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// jobSizes are the tree sizes of the benchmarks over realistic widgets; the
// million-file run is by hand: SYFT_WIDGET_BENCH_1M=1.
func jobSizes() []int {
	if os.Getenv("SYFT_WIDGET_BENCH_1M") != "" {
		return []int{1_000_000}
	}
	return []int{10_000, 100_000}
}

// BenchmarkDashboardOneChange measures the server's work for one changed
// job file under each realistic widget of testdata/bench: the dashboard
// (counts with predicates, sums of maps of filters, groups, a top 20, a row
// per job shown with data-each) and the owners widget (uniq, mean, max,
// any, all, find, a filtered top 20). It is the re-read, the
// re-evaluation, the render and the JSON of the new version; with the
// size of the update pushed to pages.
func BenchmarkDashboardOneChange(b *testing.B) {
	for _, n := range jobSizes() {
		for _, widget := range []string{"dashboard", "owners"} {
			b.Run(fmt.Sprintf("files=%d/widget=%s", n, widget), func(b *testing.B) {
				oneJobChange(b, n, "jobs_"+widget+".yaml")
			})
		}
	}
}

// oneJobChange is BenchmarkDashboardOneChange for one widget over n jobs.
func oneJobChange(b *testing.B, n int, name string) {
	dir := benchtree.JobTree(b, n)
	w, err := Load(filepath.Join(dir, name), nil)
	if err != nil {
		b.Fatal(err)
	}
	if len(w.State().Errors) > 0 {
		b.Fatal(w.State().Errors)
	}
	reads := w.cache.Reads()
	payload := 0
	var eval time.Duration
	cpu := benchtree.CPUTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		// A version no earlier run wrote: the job really changes.
		p := benchtree.EditJob(b, dir, (i*7919)%n, int(time.Now().UnixNano()/1000)%1_000_000_000+i)
		b.StartTimer()
		changed := w.cache.Refresh([]string{p})
		start := time.Now()
		before := w.State().Version
		w.update(w.affected(map[string]bool{changed[0]: true}))
		eval += time.Since(start)
		switch patch, ok := w.State().PatchFrom(before); {
		case w.State().Version == before: // nothing to show changed: nothing is sent
		case ok:
			payload += len(patch) // what a page showing the version before gets
		default:
			payload += len(w.State().Payload())
		}
	}
	b.StopTimer()
	// CPU time includes the untimed writes of the files: a bound.
	b.ReportMetric(float64(benchtree.CPUTime()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
	b.ReportMetric(float64(eval)/float64(b.N)/1e6, "eval-ms/op")
	b.ReportMetric(float64(w.cache.Reads()-reads)/float64(b.N), "reads/op")
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/1e6, "ms/op")
	b.ReportMetric(float64(payload)/float64(b.N), "event-B/op")
}

// BenchmarkDashboardNewJob is BenchmarkDashboardOneChange for a job that
// appears (a new file among n): a change that adds a record, not one that
// replaces one. The new jobs are removed after the run, so the cached tree
// stays as JobTree made it.
func BenchmarkDashboardNewJob(b *testing.B) {
	for _, n := range jobSizes() {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			dir, w := loadDashboard(b, n)
			var made []string
			b.Cleanup(func() {
				for _, p := range made {
					os.Remove(p)
				}
				os.Remove(filepath.Dir(filepath.Join(dir, filepath.FromSlash(benchtree.JobPath(n)))))
			})
			var edits fileEdits
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				p := filepath.Join(dir, filepath.FromSlash(benchtree.JobPath(n+i)))
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, benchtree.Job(n+i, 0), 0o644); err != nil {
					b.Fatal(err)
				}
				made = append(made, p)
				b.StartTimer()
				edits.apply(w, p)
			}
			edits.report(b, w, n+b.N)
		})
	}
}

// BenchmarkDashboardRemovedJob is BenchmarkDashboardOneChange for a job
// file removed: the oldest first, as a job system cleans up, which sorts
// first (every kept column moves, and a float sum is added again from its
// first term). The files are written back after the run, as they were.
func BenchmarkDashboardRemovedJob(b *testing.B) {
	for _, n := range jobSizes() {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			dir, w := loadDashboard(b, n)
			type saved struct {
				path  string
				data  []byte
				mtime time.Time
			}
			var gone []saved
			b.Cleanup(func() {
				for _, f := range gone {
					os.WriteFile(f.path, f.data, 0o644)
					os.Chtimes(f.path, f.mtime, f.mtime)
				}
			})
			var edits fileEdits
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				p := filepath.Join(dir, filepath.FromSlash(benchtree.JobPath(i)))
				data, err := os.ReadFile(p)
				fi, err2 := os.Stat(p)
				if err != nil || err2 != nil {
					b.Fatal(err, err2)
				}
				gone = append(gone, saved{p, data, fi.ModTime()})
				if err := os.Remove(p); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				edits.apply(w, p)
			}
			edits.report(b, w, n-b.N)
		})
	}
}

// BenchmarkDashboardJobBack is BenchmarkDashboardNewJob for a file that
// comes back first among the others (the oldest job, restored), the
// worst place for an insertion: every kept column moves. Each file is
// removed untimed before, and written back as it was.
func BenchmarkDashboardJobBack(b *testing.B) {
	for _, n := range jobSizes() {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			dir, w := loadDashboard(b, n)
			var edits fileEdits
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				p := filepath.Join(dir, filepath.FromSlash(benchtree.JobPath(i%n)))
				data, err := os.ReadFile(p)
				fi, err2 := os.Stat(p)
				if err != nil || err2 != nil {
					b.Fatal(err, err2)
				}
				if err := os.Remove(p); err != nil {
					b.Fatal(err)
				}
				changed := w.cache.Refresh([]string{p})
				w.update(w.affected(map[string]bool{changed[0]: true}))
				if err := os.WriteFile(p, data, 0o644); err != nil {
					b.Fatal(err)
				}
				os.Chtimes(p, fi.ModTime(), fi.ModTime())
				b.StartTimer()
				edits.apply(w, p)
			}
			edits.report(b, w, n)
		})
	}
}

// fileEdits times what the watch does with a path that changed, the
// refresh and the update, for the benchmarks of files that appear or go.
type fileEdits struct {
	eval time.Duration
	took []time.Duration
}

func (e *fileEdits) apply(w *Widget, p string) {
	t0 := time.Now()
	changed := w.cache.Refresh([]string{p})
	start := time.Now()
	w.update(w.affected(map[string]bool{changed[0]: true}))
	e.eval += time.Since(start)
	e.took = append(e.took, time.Since(t0))
}

// report checks that the dashboard counts total jobs and reports the
// mean, the median and the longest change: the mean hides that a column
// grown past its capacity (once per quarter more records) costs one
// change a copy of the column.
func (e *fileEdits) report(b *testing.B, w *Widget, total int) {
	b.StopTimer()
	if got := w.State().Fields["total"]; got != total {
		b.Fatalf("total = %v, want %d", got, total)
	}
	b.ReportMetric(float64(e.eval)/float64(b.N)/1e6, "eval-ms/op")
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/1e6, "ms/op")
	slices.Sort(e.took)
	b.ReportMetric(float64(e.took[len(e.took)/2])/1e6, "p50-ms")
	b.ReportMetric(float64(e.took[len(e.took)-1])/1e6, "max-ms")
}

// BenchmarkDashboardFirstData measures loading the dashboard: reading and
// parsing every job file and evaluating every field for the first time.
func BenchmarkDashboardFirstData(b *testing.B) {
	for _, n := range jobSizes() {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			dir := benchtree.JobTree(b, n)
			cpu := benchtree.CPUTime()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w, err := Load(filepath.Join(dir, "jobs_dashboard.yaml"), nil)
				if err != nil {
					b.Fatal(err)
				}
				if len(w.State().Data()) < n {
					b.Fatal("the data is not complete")
				}
			}
			b.ReportMetric(float64(b.Elapsed())/float64(b.N)/1e6, "ms/op")
			b.ReportMetric(float64(benchtree.CPUTime()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
}

// BenchmarkDashboardRSS reports the memory of the two widgets of
// testdata/bench over one job tree, loaded and watched, as `run` hosts them,
// under the collector policy `run` applies (gcpolicy.Server, unless GOGC or
// GOMEMLIMIT is set: then the user's): once loaded, with what loading used
// returned to the system (rss-MiB), and after 2,000 changes seen through
// the watch (rss-busy-MiB), with the CPU time each of those changes cost
// the process, its writing of the file included (busy-cpu-ms/change), the
// memory each allocated, most of it garbage (busy-alloc-KiB/change), the
// collections they took (busy-GCs), and the memory limit the policy set
// last (limit-MiB; 0 for none).
func BenchmarkDashboardRSS(b *testing.B) {
	const busyChanges = 2000
	for _, n := range jobSizes() {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			dir := benchtree.JobTree(b, n)
			for i := 0; i < b.N; i++ {
				gc := gcpolicy.Open(gcpolicy.Server)
				var ws []*Widget
				for _, name := range []string{"jobs_dashboard.yaml", "jobs_owners.yaml"} {
					w, err := Load(filepath.Join(dir, name), nil)
					if err != nil {
						b.Fatal(err)
					}
					if err := w.Start(nil); err != nil {
						b.Fatal(err)
					}
					ws = append(ws, w)
				}
				b.StopTimer()
				// What a server holds once loading is over: the second
				// widget read no file (it shares the first one's cache),
				// and the runtime returns what loading used (the policy
				// does, first thing; by hand when it is off).
				gc.Follow(context.Background())
				benchtree.Following(b, gc)
				debug.FreeOSMemory()
				reportMemory(b)
				// And once it has served changes for a while: each leaves
				// garbage, the heap grows to the collector's goal (GOGC, or
				// the policy's limit) and the runtime keeps that much;
				// nothing is returned by hand, as a server does not.
				base := int(time.Now().UnixNano()/1000) % 1_000_000_000
				cpu := benchtree.CPUTime()
				var ms0, ms1 runtime.MemStats
				runtime.ReadMemStats(&ms0)
				for k := range busyChanges {
					before := ws[0].State().Version
					benchtree.EditJob(b, dir, (k*7919)%n, base+k)
					for deadline := time.Now().Add(10 * time.Second); ws[0].State().Version == before; {
						if time.Now().After(deadline) {
							b.Fatalf("change %d did not show within 10 s", k)
						}
						time.Sleep(100 * time.Microsecond)
					}
				}
				b.ReportMetric(float64(benchtree.CPUTime()-cpu)/busyChanges/1e6, "busy-cpu-ms/change")
				runtime.ReadMemStats(&ms1)
				b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/busyChanges/1024, "busy-alloc-KiB/change")
				b.ReportMetric(float64(ms1.NumGC-ms0.NumGC), "busy-GCs")
				b.ReportMetric(benchtree.RSSMiB(), "rss-busy-MiB")
				limit := 0.0
				if l := gc.Limit(); l != math.MaxInt64 {
					limit = float64(l) / (1 << 20)
				}
				b.ReportMetric(limit, "limit-MiB")
				for _, w := range ws {
					w.Close()
				}
				gc.Close()
				b.StartTimer()
			}
		})
	}
}

// loadDashboard loads the dashboard of testdata/bench over the cached tree
// of n jobs, and returns the tree's folder and the widget.
func loadDashboard(b *testing.B, n int) (string, *Widget) {
	dir := benchtree.JobTree(b, n)
	w, err := Load(filepath.Join(dir, "jobs_dashboard.yaml"), nil)
	if err != nil {
		b.Fatal(err)
	}
	return dir, w
}
