package widget

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/syft-widget/syft-widget/serve/internal/benchtree"
)

// throwaway: alloc profile of changes only (not committed)
func TestZZBusyAllocProfile(t *testing.T) {
	out := os.Getenv("BUSY_PROF")
	if out == "" {
		t.Skip()
	}
	n := 100_000
	dir := benchtree.JobTree(t, n)
	runtime.MemProfileRate = 0
	var ws []*Widget
	for _, name := range []string{"jobs_dashboard.yaml", "jobs_owners.yaml"} {
		w, err := Load(filepath.Join(dir, name), nil)
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	runtime.GC()
	runtime.MemProfileRate = 512
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	base := int(time.Now().UnixNano()/1000) % 1_000_000_000
	const k = 1000
	for i := 0; i < k; i++ {
		p := benchtree.EditJob(t, dir, (i*7919)%n, base+i)
		changed := ws[0].cache.Refresh([]string{p})
		for _, w := range ws {
			before := w.State().Version
			w.update(w.affected(map[string]bool{changed[0]: true}))
			if patch, ok := w.State().PatchFrom(before); !ok {
				_ = w.State().Payload()
			} else {
				_ = patch
			}
		}
	}
	runtime.ReadMemStats(&ms1)
	t.Logf("alloc per change: %d B, %d objects", (ms1.TotalAlloc-ms0.TotalAlloc)/k, (ms1.Mallocs-ms0.Mallocs)/k)
	runtime.GC()
	f, _ := os.Create(out)
	pprof.Lookup("allocs").WriteTo(f, 0)
	f.Close()
}
