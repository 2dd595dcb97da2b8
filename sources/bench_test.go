package sources

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syft-widget/syft-widget/manifest"
)

// Fixtures shared by the benchmarks: writing 100,000 files takes a while.
var (
	fixtureMu    sync.Mutex
	fixtureDirs  = map[int]string{}
	fixtureFiles = map[int][]string{}
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range fixtureDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// jsonFixture returns a root holding n small JSON files, 100 per folder,
// under jobs/, and their absolute paths.
func jsonFixture(b *testing.B, n int) (string, []string) {
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	if d, ok := fixtureDirs[n]; ok {
		return d, fixtureFiles[n]
	}
	root, err := os.MkdirTemp("", "sources-bench-")
	if err != nil {
		b.Fatal(err)
	}
	files := make([]string, 0, n)
	states := []string{"running", "done", "failed", "queued"}
	for i := range n {
		dir := filepath.Join(root, "jobs", fmt.Sprintf("d%04d", i/100))
		if i%100 == 0 {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("job%06d.json", i))
		content := fmt.Sprintf(`{"name":"job-%d","state":%q,"progress":%d,"owner":"alice@example.org"}`, i, states[i%4], i%100)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			b.Fatal(err)
		}
		files = append(files, p)
	}
	fixtureDirs[n], fixtureFiles[n] = root, files
	return root, files
}

func jobsSource() []*manifest.Source {
	return []*manifest.Source{globSource("jobs", "jobs/**/*.json")}
}

// BenchmarkScan10kJSON compares a first Scan of 10,000 small JSON files
// (walk, read, parse, records) with only reading the same files.
func BenchmarkScan10kJSON(b *testing.B) {
	root, files := jsonFixture(b, 10_000)
	b.Run("scan", func(b *testing.B) {
		cpu0 := cpuTime()
		for b.Loop() {
			c := NewCache(root, jobsSource())
			c.Scan()
			if n := c.Snapshot()["jobs"].(*manifest.Chunks[*manifest.Record]).Len(); n != len(files) {
				b.Fatalf("%d records", n)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(files)), "ns/file")
		b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/float64(len(files)), "cpu-ns/file")
	})
	b.Run("read-only", func(b *testing.B) {
		for b.Loop() {
			for _, p := range files {
				if _, err := os.ReadFile(p); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(files)), "ns/file")
	})
	b.Run("rescan-unchanged", func(b *testing.B) {
		c := NewCache(root, jobsSource())
		c.Scan()
		for b.Loop() {
			c.Scan()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(files)), "ns/file")
	})
}

// BenchmarkRefreshOneOf100k is the server work for one changed file among
// 100,000: Refresh of its path plus a Snapshot.
func BenchmarkRefreshOneOf100k(b *testing.B) {
	root, files := jsonFixture(b, 100_000)
	c := NewCache(root, jobsSource())
	c.Scan()
	reads0 := c.Reads()
	i := 0
	for b.Loop() {
		b.StopTimer()
		p := files[(i*7919)%len(files)]
		if err := os.WriteFile(p, []byte(fmt.Sprintf(`{"name":"job","state":"done","progress":%d}`, i)), 0o644); err != nil {
			b.Fatal(err)
		}
		i++
		b.StartTimer()
		if changed := c.Refresh([]string{p}); len(changed) != 1 {
			b.Fatalf("Refresh = %v", changed)
		}
		_ = c.Snapshot()
	}
	b.ReportMetric(float64(c.Reads()-reads0)/float64(b.N), "files-read/op")
}

// BenchmarkTracked100k reports the memory of a watched cache of 100,000
// small JSON files.
func BenchmarkTracked100k(b *testing.B) {
	root, files := jsonFixture(b, 100_000)
	var heap, rss, hwm float64
	cpu0 := cpuTime()
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		c := NewCache(root, jobsSource())
		w, err := Watch(c, time.Second, func([]string) {}, nil)
		if err != nil {
			b.Fatal(err)
		}
		if n := c.Snapshot()["jobs"].(*manifest.Chunks[*manifest.Record]).Len(); n != len(files) {
			b.Fatalf("%d records", n)
		}
		debug.FreeOSMemory()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		heap = float64(after.HeapInuse-before.HeapInuse) / (1 << 20)
		rss = float64(procStatus("VmRSS:")) / (1 << 20)
		hwm = float64(procStatus("VmHWM:")) / (1 << 20)
		w.Close()
		runtime.KeepAlive(c)
	}
	b.ReportMetric(heap, "heap-MiB")
	b.ReportMetric(rss, "rss-MiB")
	b.ReportMetric(hwm, "peak-rss-MiB")
	b.ReportMetric(heap*(1<<20)/float64(len(files)), "heap-B/file")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
}

// procStatus reads a size field of /proc/self/status (Linux), in bytes.
func procStatus(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func csvFixture(size int) []byte {
	var buf bytes.Buffer
	buf.WriteString("id,name,state,value,ratio,owner\n")
	states := []string{"running", "done", "failed", "queued"}
	for i := 0; buf.Len() < size; i++ {
		fmt.Fprintf(&buf, "%d,job-%d,%s,%d,%.3f,user%d@example.org\n", i, i, states[i%4], i*7%1000, float64(i%1000)/1000, i%50)
	}
	return buf.Bytes()
}

// BenchmarkParseCSV50MiB parses a 50 MiB CSV into records, next to only
// splitting it with encoding/csv.
func BenchmarkParseCSV50MiB(b *testing.B) {
	data := csvFixture(50 << 20)
	b.Run("parse", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := Parse("csv", data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-csv-only", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			r := csv.NewReader(bytes.NewReader(data))
			r.ReuseRecord = true
			for {
				if _, err := r.Read(); err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkChangeToOnChange measures the time from writing a file to the
// watcher's onChange, with 10 and with 100,000 files tracked.
func BenchmarkChangeToOnChange(b *testing.B) {
	for _, n := range []int{10, 100_000} {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			var root string
			var files []string
			if n >= 10_000 {
				root, files = jsonFixture(b, n)
			} else {
				root = b.TempDir()
				for i := range n {
					p := filepath.Join(root, "jobs", fmt.Sprintf("job%d.json", i))
					os.MkdirAll(filepath.Dir(p), 0o755)
					os.WriteFile(p, []byte(`{"n":0}`), 0o644)
					files = append(files, p)
				}
			}
			c := NewCache(root, jobsSource())
			changes := make(chan struct{}, 1)
			w, err := Watch(c, time.Second, func([]string) {
				select {
				case changes <- struct{}{}:
				default:
				}
			}, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close()
			select { // the initial report
			case <-changes:
			case <-time.After(time.Minute):
			}
			var lat []time.Duration
			i := 0
			for b.Loop() {
				p := files[(i*7919)%len(files)]
				start := time.Now()
				if err := os.WriteFile(p, []byte(fmt.Sprintf(`{"name":"job","n":%d}`, i+1)), 0o644); err != nil {
					b.Fatal(err)
				}
				select {
				case <-changes:
				case <-time.After(10 * time.Second):
					b.Fatal("no onChange within 10s")
				}
				lat = append(lat, time.Since(start))
				i++
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// BenchmarkParseSmallJSON is the decoder alone on the small files of the
// 100k benchmarks (one file's bytes per op), and the bytes a parsed file
// keeps alive.
func BenchmarkParseSmallJSON(b *testing.B) {
	states := []string{"running", "done", "failed", "queued"}
	docs := make([][]byte, 1000)
	for i := range docs {
		docs[i] = fmt.Appendf(nil, `{"name":"job-%d","state":%q,"progress":%d,"owner":"alice@example.org","tags":["a","b"],"score":%d.5}`, i, states[i%4], i%100, i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := parseJSON(docs[i%len(docs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	kept := make([]any, len(docs))
	for i, d := range docs {
		kept[i], _ = parseJSON(d)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(kept)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(len(docs)), "kept-B/file")
}
