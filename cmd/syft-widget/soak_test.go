//go:build linux

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/syft-widget/syft-widget/serve"
	"github.com/syft-widget/syft-widget/serve/background"
)

// BenchmarkSoak is the soak and fault run, by hand (about two minutes):
//
//	go test -run '^$' -bench Soak -benchtime 1x -timeout 20m ./cmd/syft-widget/
//
// Ten widgets on one background server over 1,000 files; 50 SSE clients
// that connect to a random widget, resume with Last-Event-ID and drop at
// random; 10,000 file changes in bursts; one widget's manifest changed and
// rendered again every second; the server killed with SIGKILL and started
// again (by render) five times. At the end every widget's data equals a
// fresh `eval` and every client's last state equals the server's; within
// each run of the server, goroutines, open files and RSS are measured
// twice with no client connected, and must not grow.
func BenchmarkSoak(b *testing.B) {
	const (
		widgets  = 10
		clients  = 50
		changes  = 10000
		runs     = 6 // five kills between them
		files    = 1000
		folders  = 10
		waitLong = 60 * time.Second
	)
	home, dir := b.TempDir(), b.TempDir()
	defer func() {
		for _, r := range background.Records(home) {
			background.Stop(home, r, 5*time.Second)
		}
	}()
	writeJob := func(i, n int) {
		p := filepath.Join(dir, "data", fmt.Sprintf("f%02d", i%folders), fmt.Sprintf("%04d.json", i))
		state := []string{"running", "done", "failed"}[n%3]
		os.WriteFile(p, []byte(fmt.Sprintf(`{"n": %d, "state": %q}`, n, state)), 0o644)
	}
	for f := 0; f < folders; f++ {
		os.MkdirAll(filepath.Join(dir, "data", fmt.Sprintf("f%02d", f)), 0o755)
	}
	for i := 0; i < files; i++ {
		writeJob(i, i)
	}
	manifest := func(w, tag int) string {
		return fmt.Sprintf("name: w%d\nserver: soak\nexpiration: never\nsources:\n  jobs: \"data/**/*.json\"\nendpoints:\n  /api:\n"+
			"    total: len(jobs)\n    sum: sum(map(jobs, .data.n ?? 0))\n    running: count(jobs, .data.state == \"running\")\n"+
			"    mine: count(jobs, .dir == \"data/f%02d\")\n    tag: %d\n"+
			"template: <p><span data-field=\"total\">{total}</span> {sum} {running} {mine} {tag}</p>\n", w, w, tag)
	}
	var files_ []string
	for w := 0; w < widgets; w++ {
		p := filepath.Join(dir, fmt.Sprintf("w%d.yaml", w))
		os.WriteFile(p, []byte(manifest(w, 0)), 0o644)
		files_ = append(files_, p)
	}
	render := func(m string) error {
		cmd := exec.Command(binary, "render", "--checkpoint", m)
		cmd.Env = append(os.Environ(), "SYFT_WIDGET_HOME="+home)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "token=") {
			return fmt.Errorf("render: %v %.300s", err, out)
		}
		return nil
	}
	for _, m := range files_ {
		if err := render(m); err != nil {
			b.Fatal(err)
		}
	}
	rec, err := background.ReadRecord(home, "soak")
	if err != nil {
		b.Fatal(err)
	}
	base, token := rec.BaseURL(), rec.Token
	status := func() (serve.Status, error) {
		var st serve.Status
		r, err := background.ReadRecord(home, "soak")
		if err != nil {
			return st, err
		}
		out, err := background.Admin(r, http.MethodGet, "status", nil)
		if err == nil {
			err = json.Unmarshal(out, &st)
		}
		return st, err
	}

	// Clients.
	type seen struct {
		id, html string
	}
	type client struct {
		mu   sync.Mutex
		last map[string]seen
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	noKeepAlive := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	var events atomic.Int64
	var pauseMu sync.RWMutex // clients hold it for reading while connected
	stream := func(c *client, name string, d time.Duration, until func(seen) bool) {
		c.mu.Lock()
		last := c.last[name]
		c.mu.Unlock()
		sctx, scancel := context.WithTimeout(ctx, d)
		defer scancel()
		req, _ := http.NewRequestWithContext(sctx, http.MethodGet, base+"w/"+name+"/events?token="+token, nil)
		if last.id != "" {
			req.Header.Set("Last-Event-ID", last.id)
		}
		resp, err := noKeepAlive.Do(req)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		rd := bufio.NewReader(resp.Body)
		var id, data string
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "id: "):
				id = line[4:]
			case strings.HasPrefix(line, "data: "):
				data = line[6:]
			case line == "" && data != "":
				var p struct {
					HTML string `json:"html"`
				}
				if json.Unmarshal([]byte(data), &p) == nil {
					s := seen{id, p.HTML}
					c.mu.Lock()
					c.last[name] = s
					c.mu.Unlock()
					events.Add(1)
					if until != nil && until(s) {
						return
					}
				}
				id, data = "", ""
			}
		}
	}
	cs := make([]*client, clients)
	var wg sync.WaitGroup
	for i := range cs {
		cs[i] = &client{last: map[string]seen{}}
		wg.Add(1)
		go func(c *client) {
			defer wg.Done()
			for ctx.Err() == nil {
				pauseMu.RLock()
				stream(c, fmt.Sprintf("w%d", rand.IntN(widgets)), time.Duration(100+rand.IntN(1900))*time.Millisecond, nil)
				pauseMu.RUnlock()
				time.Sleep(time.Duration(rand.IntN(50)) * time.Millisecond) // pacing: a user's page comes and goes
			}
		}(cs[i])
	}

	// The manifest of w0 changes and is rendered again every second.
	var restartMu sync.Mutex
	var reloads atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for tag := 1; ; tag++ {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			restartMu.Lock()
			os.WriteFile(files_[0], []byte(manifest(0, tag)), 0o644)
			if render(files_[0]) == nil {
				reloads.Add(1)
			}
			restartMu.Unlock()
		}
	}()

	proc := func(pid int) (fds int, rssKiB int) {
		ents, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
				rssKiB, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			}
		}
		return len(ents), rssKiB
	}
	type sample struct{ goroutines, fds, rssKiB int }
	// measure stops the clients, waits until the server has no stream
	// open and samples the server process.
	// measure stops the clients and the reloads, waits until the server
	// has no stream open and its counts hold still (connections being
	// closed, a reload finishing), and samples the server process.
	measure := func() sample {
		pauseMu.Lock()
		defer pauseMu.Unlock()
		restartMu.Lock()
		defer restartMu.Unlock()
		deadline := time.Now().Add(waitLong)
		var prev sample
		for {
			http.DefaultTransport.(*http.Transport).CloseIdleConnections()
			st, err := status()
			if err == nil && st.Streams == 0 {
				fds, rss := proc(st.PID)
				cur := sample{st.Goroutines, fds, rss}
				if cur.goroutines == prev.goroutines && cur.fds == prev.fds {
					return cur
				}
				prev = cur
			}
			if time.Now().After(deadline) {
				b.Fatalf("the server never settled: %+v %v", st, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	burst := func(n int) {
		for done := 0; done < n; {
			size := min(n-done, 50+rand.IntN(100))
			for k := 0; k < size; k++ {
				writeJob(rand.IntN(files), rand.IntN(1000))
			}
			done += size
			time.Sleep(time.Duration(20+rand.IntN(80)) * time.Millisecond) // bursts, not a stream
		}
	}

	b.ResetTimer()
	var maxGrowG, maxGrowFD int
	var rssFirst, rssLast int
	written := 0
	phase := func(k int) { // the k-th of 2*runs phases writes its share of the changes
		n := changes*(k+1)/(2*runs) - written
		burst(n)
		written += n
	}
	for run := 0; run < runs; run++ {
		phase(2 * run)
		a := measure()
		phase(2*run + 1)
		z := measure()
		b.Logf("run %d: goroutines %d -> %d, open files %d -> %d, RSS %.1f -> %.1f MiB", run+1, a.goroutines, z.goroutines, a.fds, z.fds, float64(a.rssKiB)/1024, float64(z.rssKiB)/1024)
		maxGrowG, maxGrowFD = max(maxGrowG, z.goroutines-a.goroutines), max(maxGrowFD, z.fds-a.fds)
		if run == 0 {
			rssFirst = a.rssKiB
		}
		rssLast = z.rssKiB
		if run == runs-1 {
			break
		}
		restartMu.Lock()
		r, err := background.ReadRecord(home, "soak")
		if err != nil {
			b.Fatal(err)
		}
		syscall.Kill(r.PID, syscall.SIGKILL)
		for background.Alive(r) {
			time.Sleep(10 * time.Millisecond)
		}
		if err := render(files_[1+run%(widgets-1)]); err != nil {
			b.Fatal(err)
		}
		restartMu.Unlock()
		if r2, _ := background.ReadRecord(home, "soak"); r2 == nil || r2.Addr != rec.Addr || r2.Token != token {
			b.Fatalf("the restarted server moved: %+v, was %s", r2, rec.Addr)
		}
	}
	b.StopTimer()

	// The end: no more changes; every widget equals a fresh eval, every
	// client's last state equals the server's.
	cancel()
	wg.Wait()
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	type current struct {
		fields   map[string]any
		id, html string
	}
	read := func(name string) (current, error) {
		resp, err := http.Get(base + "w/" + name + "/data?html=1&token=" + token)
		if err != nil {
			return current{}, err
		}
		defer resp.Body.Close()
		var d struct {
			Version uint64         `json:"version"`
			Fields  map[string]any `json:"fields"`
			HTML    string         `json:"html"`
			Boot    string         `json:"boot"`
		}
		err = json.NewDecoder(resp.Body).Decode(&d)
		return current{d.Fields, d.Boot + "-" + strconv.FormatUint(d.Version, 10), d.HTML}, err
	}
	cur := map[string]current{}
	for w := 0; w < widgets; w++ {
		name := fmt.Sprintf("w%d", w)
		out, err := exec.Command(binary, "eval", files_[w], "/api").Output()
		if err != nil {
			b.Fatal(err)
		}
		var fresh map[string]any
		json.Unmarshal(out, &fresh)
		deadline := time.Now().Add(waitLong)
		for {
			c, err := read(name)
			if err == nil && reflect.DeepEqual(c.fields, fresh) {
				cur[name] = c
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%s never equalled a fresh eval:\nserver %v\neval   %v", name, c.fields, fresh)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	stale := 0
	for _, c := range cs {
		for name := range c.last {
			want := cur[name]
			if c.last[name].id != want.id {
				// Resume from its last event id: it is sent the current state.
				stream(c, name, 10*time.Second, func(s seen) bool { return s.id == want.id })
			}
			if got := c.last[name]; got.id != want.id || got.html != want.html {
				stale++
				b.Errorf("a client's last state of %s is %s, the server's %s", name, got.id, want.id)
			}
		}
	}
	b.ReportMetric(float64(written), "file-changes")
	b.ReportMetric(float64(events.Load()), "events")
	b.ReportMetric(float64(reloads.Load()), "reloads")
	b.ReportMetric(float64(maxGrowG), "max-goroutine-growth")
	b.ReportMetric(float64(maxGrowFD), "max-fd-growth")
	b.ReportMetric(float64(rssFirst)/1024, "RSS-first-MiB")
	b.ReportMetric(float64(rssLast)/1024, "RSS-last-MiB")
	b.ReportMetric(float64(stale), "stale-clients")
	if maxGrowG > 2 || maxGrowFD > 2 {
		b.Errorf("goroutines grew by up to %d and open files by up to %d within a run", maxGrowG, maxGrowFD)
	}
}
