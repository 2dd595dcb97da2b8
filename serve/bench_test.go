package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"github.com/syft-widget/syft-widget/serve/gcpolicy"
	"github.com/syft-widget/syft-widget/serve/internal/benchtree"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Benchmarks of the live server. Run by hand (they build large trees):
//
//	go test -run '^$' -bench . -benchtime 200x ./serve/

// benchServer hosts benchtree.Manifest over n files on a real socket.
func benchServer(b *testing.B, n int) (*Server, string, string) {
	b.Helper()
	dir := b.TempDir()
	benchtree.JSONFiles(b, dir, n)
	path := filepath.Join(dir, "bench.yaml")
	os.WriteFile(path, []byte(benchtree.Manifest), 0o644)
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

// nextEvent returns the next event that passes ok, failing the benchmark
// (instead of waiting forever) when none comes within a minute.
func nextEvent(b *testing.B, events <-chan string, what string, ok func(string) bool) string {
	deadline := time.After(time.Minute)
	last := ""
	for {
		select {
		case ev := <-events:
			if ok(ev) {
				return ev
			}
			last = ev
		case <-deadline:
			b.Fatalf("no event with %s within a minute; the last one was %.2000s", what, last)
		}
	}
}

func percentile(d []time.Duration, p float64) float64 {
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p)
	return float64(s[i]) / float64(time.Millisecond)
}

// BenchmarkChangeToEvent measures the time from a file write to the SSE
// event that carries its new value, with 10 and 100,000 tracked files, for
// an O(1) widget (len(files), files[0]): see BenchmarkDashboardChangeToEvent
// for one that aggregates.
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
				want := benchtree.Change(b, first, i)
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
			b.ReportMetric(benchtree.RSSMiB(), "rss-MiB")
		})
	}
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
		want := benchtree.Change(b, first, i)
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
	b.ReportMetric(benchtree.RSSMiB(), "rss-MiB@100widgets")
}

// dashboardSizes are the tree sizes of the benchmarks over the realistic
// widgets of testdata/bench; the million-file run is by hand:
// SYFT_WIDGET_BENCH_1M=1.
func dashboardSizes() []int {
	if os.Getenv("SYFT_WIDGET_BENCH_1M") != "" {
		return []int{1_000_000}
	}
	return []int{10_000, 100_000}
}

// BenchmarkDashboardChangeToEvent measures, for the realistic job
// dashboard of testdata/bench (aggregates over every job, a row per job),
// the time from a job file's write to the SSE event that shows it, the
// size of that event, what the process allocated per change (the client's
// reading of the stream included), and the server's RSS, under the
// collector policy of `run`.
func BenchmarkDashboardChangeToEvent(b *testing.B) {
	for _, n := range dashboardSizes() {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			dir := benchtree.JobTree(b, n)
			// The collector policy of `run`: a server's GOGC while loading,
			// a limit that follows the live heap once loaded.
			gc := gcpolicy.Open(gcpolicy.Server)
			defer gc.Close()
			srv := NewServer(Config{})
			ln, err := Listen("")
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { srv.Serve(ctx, ln); close(done) }()
			defer func() { cancel(); <-done }()
			if err := srv.Load(filepath.Join(dir, "jobs_dashboard.yaml")); err != nil {
				b.Fatal(err)
			}
			gc.Follow(ctx)
			benchtree.Following(b, gc)
			events, stop := stream(b, "http://"+ln.Addr().String()+"/w/jobs_dashboard/events?token="+srv.Token())
			defer stop()
			var snapshot struct {
				Errors map[string]string `json:"_errors"`
			}
			json.Unmarshal([]byte(nextEvent(b, events, "the snapshot", func(string) bool { return true })), &snapshot)
			// At a million jobs the list of rows is over the output limit
			// of one field (32 MiB as JSON): the page shows that error,
			// not rows. A change then shows in the counts per state.
			_, noRows := snapshot.Errors["rows"]
			var lat []time.Duration
			size := 0
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// A job among the rows the page shows, with a state (or,
				// when the rows show, an owner) other than it has, so that
				// what the page shows changes.
				k, version := i%200, 2_000_000+i
				type row struct{ State, Owner string }
				var was, job row
				old, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(benchtree.JobPath(k))))
				json.Unmarshal(old, &was)
				for json.Unmarshal(benchtree.Job(k, version), &job); job.State == was.State && (noRows || job.Owner == was.Owner); version += 1000 {
					json.Unmarshal(benchtree.Job(k, version+1000), &job)
				}
				want := fmt.Sprintf(`job%07d\u003c/td\u003e\u003ctd\u003ejob-%d\u003c/td\u003e\u003ctd\u003e%s\u003c/td\u003e\u003ctd\u003e%s\u003c`, k, k, job.State, job.Owner)
				if noRows {
					want = `"field":"states"`
				}
				start := time.Now()
				benchtree.EditJob(b, dir, k, version)
				ev := nextEvent(b, events, want, func(ev string) bool { return strings.Contains(ev, want) })
				size += len(ev)
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			b.ReportMetric(percentile(lat, 0.5), "p50-ms")
			b.ReportMetric(percentile(lat, 0.99), "p99-ms")
			runtime.ReadMemStats(&ms1)
			b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(b.N)/1024, "alloc-KiB/change")
			b.ReportMetric(float64(size)/float64(b.N), "event-B")
			runtime.GC()
			b.ReportMetric(benchtree.RSSMiB(), "rss-MiB")
		})
	}
}

// BenchmarkDashboardReload measures what a user's edit of a live widget's
// manifest costs the server (its sources unchanged): from the edit, read
// by Load, to the new widget live.
func BenchmarkDashboardReload(b *testing.B) {
	for _, n := range dashboardSizes() {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			dir := benchtree.JobTree(b, n)
			m, err := os.ReadFile(filepath.Join(dir, "jobs_dashboard.yaml"))
			if err != nil {
				b.Fatal(err)
			}
			path := filepath.Join(dir, "jobs_reload.yaml")
			defer os.Remove(path)
			srv := NewServer(Config{})
			defer srv.Close()
			edit := func(i int) {
				title := fmt.Sprintf("title: Jobs %d\n", i)
				if err := os.WriteFile(path, []byte(strings.Replace(string(m), "title: Jobs\n", title, 1)), 0o644); err != nil {
					b.Fatal(err)
				}
				if err := srv.Load(path); err != nil {
					b.Fatal(err)
				}
			}
			edit(0)
			cpu := benchtree.CPUTime()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				edit(i + 1)
			}
			b.ReportMetric(float64(benchtree.CPUTime()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
}
