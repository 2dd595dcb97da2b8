//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syft-widget/syft-widget/serve/background"
)

// Benchmarks of background servers, run by hand:
//
//	go test -run '^$' -bench . -benchtime 20x ./cmd/syft-widget/

func renderOnce(b *testing.B, home, manifest string) {
	cmd := exec.Command(binary, "render", "--checkpoint", manifest)
	cmd.Env = append(os.Environ(), "SYFT_WIDGET_HOME="+home)
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), "token=") {
		b.Fatalf("render: %v\n%s", err, out)
	}
}

func benchManifest(b *testing.B, dir, name string) string {
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	for i := 0; i < 10; i++ {
		os.WriteFile(filepath.Join(dir, "data", fmt.Sprintf("%d.json", i)), []byte(fmt.Sprintf(`{"v": %d}`, i)), 0o644)
	}
	p := filepath.Join(dir, name+".yaml")
	os.WriteFile(p, []byte("name: "+name+"\nserver: bench\nsources:\n  d: \"data/*.json\"\nendpoints:\n  /api:\n    values: map(d, .data.v)\ntemplate: |\n  <p data-field=\"values\">{values}</p>\n"), 0o644)
	return p
}

// BenchmarkRenderFirst is `render --checkpoint` that starts the server.
func BenchmarkRenderFirst(b *testing.B) {
	dir := b.TempDir()
	m := benchManifest(b, dir, "w")
	for i := 0; i < b.N; i++ {
		home := filepath.Join(dir, "home"+strconv.Itoa(i))
		renderOnce(b, home, m)
		b.StopTimer()
		for _, r := range background.Records(home) {
			background.Stop(home, r, 5*time.Second)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/1e6, "ms/render")
}

// BenchmarkRenderWarm is `render --checkpoint` with the server running.
func BenchmarkRenderWarm(b *testing.B) {
	dir := b.TempDir()
	home := filepath.Join(dir, "home")
	m := benchManifest(b, dir, "w")
	renderOnce(b, home, m)
	defer func() {
		for _, r := range background.Records(home) {
			background.Stop(home, r, 5*time.Second)
		}
	}()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		renderOnce(b, home, m)
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/1e6, "ms/render")
}

// procStat reads a process's RSS (MiB) and CPU time used so far.
func procStat(b *testing.B, pid int) (rss float64, cpu time.Duration) {
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			rss = float64(kb) / 1024
		}
	}
	stat, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	s := string(stat)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	utime, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	return rss, time.Duration(utime+stime) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// BenchmarkIdleServerWith10Widgets reports the RSS of a background server
// hosting ten widgets, and the CPU it uses while nothing changes.
func BenchmarkIdleServerWith10Widgets(b *testing.B) {
	dir := b.TempDir()
	home := filepath.Join(dir, "home")
	for i := 0; i < 10; i++ {
		renderOnce(b, home, benchManifest(b, filepath.Join(dir, strconv.Itoa(i)), fmt.Sprintf("w%d", i)))
	}
	r, err := background.ReadRecord(home, "bench")
	if err != nil {
		b.Fatal(err)
	}
	defer background.Stop(home, r, 5*time.Second)
	_, cpu0 := procStat(b, r.PID)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		time.Sleep(100 * time.Millisecond) // the idle period being measured
	}
	b.StopTimer()
	rss, cpu1 := procStat(b, r.PID)
	b.ReportMetric(rss, "rss-MiB")
	b.ReportMetric(float64(cpu1-cpu0)/float64(time.Millisecond)/(float64(b.N)*0.1), "cpu-ms/s")
}
