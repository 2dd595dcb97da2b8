package serve

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Benchmarks of the live server. Run by hand (they build large trees):
//
//	go test -run '^$' -bench . -benchtime 200x ./serve/

// manyFiles writes n small JSON files into n/1000+1 folders under dir/d.
func manyFiles(b *testing.B, dir string, n int) {
	b.Helper()
	perDir := 1000
	for i := 0; i < n; i++ {
		sub := filepath.Join(dir, "d", fmt.Sprintf("%03d", i/perDir))
		if i%perDir == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("%04d.json", i%perDir)), []byte(fmt.Sprintf(`{"v": %d, "name": "file %d"}`, i, i)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

const benchManifest = `name: bench
sources:
  files: "d/**/*.json"
endpoints:
  /api:
    total: len(files)
    first: files[0].data.v
template: |
  <p><span data-field="total">{total}</span> files, first is <span data-field="first">{first}</span></p>
`

// benchServer hosts benchManifest over n files on a real socket.
func benchServer(b *testing.B, n int) (*Server, string, string) {
	b.Helper()
	dir := b.TempDir()
	manyFiles(b, dir, n)
	path := filepath.Join(dir, "bench.yaml")
	os.WriteFile(path, []byte(benchManifest), 0o644)
	srv := NewServer(Config{})
	ln, err := Listen("")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, ln); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	if err := srv.Load(path); err != nil {
		b.Fatal(err)
	}
	return srv, "http://" + ln.Addr().String() + "/", dir
}

// stream is an SSE client that delivers each event's data line.
func stream(b *testing.B, url string) (<-chan string, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	ch := make(chan string, 1024)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "data: ") {
				select {
				case ch <- line[6:]:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return ch, func() { cancel(); resp.Body.Close(); <-done }
}

// change gives the first file of benchManifest its i-th new value and
// returns how that value reads in an event's JSON-escaped HTML.
func change(b *testing.B, first string, i int) (want string) {
	if err := os.WriteFile(first, []byte(fmt.Sprintf(`{"v": %d}`, 1_000_000+i)), 0o644); err != nil {
		b.Fatal(err)
	}
	return fmt.Sprintf(`\u003e%d\u003c`, 1_000_000+i)
}

func percentile(d []time.Duration, p float64) float64 {
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p)
	return float64(s[i]) / float64(time.Millisecond)
}

func rssMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return float64(kb) / 1024
		}
	}
	return 0
}

// BenchmarkChangeToEvent measures the time from a file write to the SSE
// event that carries its new value, with 10 and 100,000 tracked files.
func BenchmarkChangeToEvent(b *testing.B) {
	for _, n := range []int{10, 100_000} {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			srv, base, dir := benchServer(b, n)
			events, stop := stream(b, base+"w/bench/events?token="+srv.Token())
			defer stop()
			<-events // the snapshot
			first := filepath.Join(dir, "d", "000", "0000.json")
			var lat []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				want := change(b, first, i)
				for ev := range events {
					if strings.Contains(ev, want) {
						break
					}
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			b.ReportMetric(percentile(lat, 0.5), "p50-ms")
			b.ReportMetric(percentile(lat, 0.99), "p99-ms")
			runtime.GC()
			b.ReportMetric(rssMiB(), "rss-MiB")
		})
	}
}

// BenchmarkOneChangeAmong100k measures the server's work for one changed
// file among 100,000: the re-read, the re-evaluation, the render and the
// JSON of the new version.
func BenchmarkOneChangeAmong100k(b *testing.B) {
	dir := b.TempDir()
	manyFiles(b, dir, 100_000)
	path := filepath.Join(dir, "bench.yaml")
	os.WriteFile(path, []byte(benchManifest), 0o644)
	w, err := LoadWidget(path, nil)
	if err != nil {
		b.Fatal(err)
	}
	first := filepath.Join(dir, "d", "000", "0000.json")
	reads := w.cache.Reads()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		change(b, first, i)
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

// BenchmarkBroadcast1000 measures, for 1,000 SSE subscribers on real
// sockets, the time from a file change until each of them has the event.
func BenchmarkBroadcast1000(b *testing.B) {
	srv, base, dir := benchServer(b, 10)
	const subs = 1000
	transport := &http.Transport{MaxIdleConnsPerHost: subs, MaxConnsPerHost: 0}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	all := make([]chan string, subs)
	for i := range all {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"w/bench/events?token="+srv.Token(), nil)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		ch := make(chan string, 64)
		all[i] = ch
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				if line := sc.Text(); strings.HasPrefix(line, "data: ") {
					select {
					case ch <- line[6:]:
					case <-ctx.Done():
						return
					}
				}
			}
		}()
		<-ch // the snapshot
	}
	defer func() { cancel(); wg.Wait() }()
	first := filepath.Join(dir, "d", "000", "0000.json")
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		want := change(b, first, i)
		for _, ch := range all {
			for ev := range ch {
				if strings.Contains(ev, want) {
					break
				}
			}
			lat = append(lat, time.Since(start))
		}
	}
	b.StopTimer()
	b.ReportMetric(percentile(lat, 0.5), "p50-ms")
	b.ReportMetric(percentile(lat, 0.99), "p99-ms")
}

// BenchmarkManifestToWidget measures, in a served folder, the time from a
// manifest file appearing to its widget answering, and the RSS with 100
// widgets hosted.
func BenchmarkManifestToWidget(b *testing.B) {
	dir := b.TempDir()
	srv := NewServer(Config{ConfineTo: dir})
	ln, _ := Listen("")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, ln); close(done) }()
	defer func() { cancel(); <-done }()
	mw, err := WatchFolder(srv, dir)
	if err != nil {
		b.Fatal(err)
	}
	defer mw.Close()
	base := "http://" + ln.Addr().String() + "/"
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	for i := 0; i < 20; i++ {
		os.WriteFile(filepath.Join(dir, "data", fmt.Sprintf("%d.txt", i)), []byte("x"), 0o644)
	}
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		name := fmt.Sprintf("w%05d", i)
		start := time.Now()
		os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(fmt.Sprintf("name: %s\nsources:\n  d: \"data/*.txt\"\nendpoints:\n  /n:\n    n: len(d)\n", name)), 0o644)
		url := base + "w/" + name + "/data?token=" + srv.Token()
		for {
			resp, err := http.Get(url)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			time.Sleep(time.Millisecond)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	b.ReportMetric(percentile(lat, 0.5), "p50-ms")
	b.ReportMetric(percentile(lat, 0.99), "p99-ms")
	for i := b.N; i < 100; i++ {
		name := fmt.Sprintf("w%05d", i)
		os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(fmt.Sprintf("name: %s\nsources:\n  d: \"data/*.txt\"\nendpoints:\n  /n:\n    n: len(d)\n", name)), 0o644)
	}
	for len(srv.Widgets()) < 100 {
		time.Sleep(5 * time.Millisecond)
	}
	runtime.GC()
	b.ReportMetric(rssMiB(), "rss-MiB@100widgets")
}

// BenchmarkRSS100k reports the memory of a widget tracking 100,000 small
// JSON files, watched: the process's RSS and the Go heap in use.
func BenchmarkRSS100k(b *testing.B) {
	dir := b.TempDir()
	manyFiles(b, dir, 100_000)
	path := filepath.Join(dir, "bench.yaml")
	os.WriteFile(path, []byte(benchManifest), 0o644)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w, err := LoadWidget(path, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Start(nil); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(rssMiB(), "rss-MiB")
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
		w.Close()
		b.StartTimer()
	}
}

// BenchmarkCheckpoint is the whole of `render --checkpoint --no-server`
// (load the manifest, read and parse every file, evaluate, render the
// fragment) next to only reading the same files: over 10,000 small JSON
// files, and over one 50 MiB CSV.
func BenchmarkCheckpoint(b *testing.B) {
	jsonDir := b.TempDir()
	manyFiles(b, jsonDir, 10_000)
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
				wd, err := LoadWidget(filepath.Join(c.dir, "w.yaml"), nil)
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
