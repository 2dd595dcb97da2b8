package sources

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/syft-widget/syft-widget/manifest"
)

// watched starts a watcher over fresh sources and stops it when the test ends.
type watched struct {
	c       *Cache
	w       *Watcher
	calls   atomic.Int64
	running atomic.Int32
	log     *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startWatch(t *testing.T, root string, interval time.Duration, opt watchOptions, srcs ...*manifest.Source) *watched {
	t.Helper()
	h := &watched{c: NewCache(root, srcs), log: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(h.log, nil))
	w, err := watch(h.c, interval, func(changed []string) {
		if h.running.Add(1) != 1 {
			t.Errorf("onChange called concurrently")
		}
		h.calls.Add(1)
		h.running.Add(-1)
	}, log, opt)
	if err != nil {
		t.Fatal(err)
	}
	h.w = w
	t.Cleanup(func() {
		if err := w.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return h
}

func jsonData(n int) any { return map[string]any{"n": n} }

func TestWatchSeesNestedFoldersCreatedAndFilledAtOnce(t *testing.T) {
	root := t.TempDir()
	h := startWatch(t, root, time.Second, watchOptions{}, globSource("jobs", "jobs/**/*.json"))
	expect := map[string]any{}
	deep := filepath.Join(root, "jobs", "a", "b", "c", "d")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, rel := range []string{"jobs/a/1.json", "jobs/a/b/2.json", "jobs/a/b/c/3.json", "jobs/a/b/c/d/4.json"} {
		write(t, root, rel, fmt.Sprintf(`{"n":%d}`, i))
		expect[rel] = jsonData(i)
	}
	waitState(t, h.c, "jobs", want(expect))
	// Files written later into the deepest folder are seen too: it is watched.
	write(t, root, "jobs/a/b/c/d/5.json", `{"n":5}`)
	expect["jobs/a/b/c/d/5.json"] = jsonData(5)
	waitState(t, h.c, "jobs", want(expect))
}

func TestWatchFollowsAFolderRenamedThenRemoved(t *testing.T) {
	root := t.TempDir()
	write(t, root, "jobs/old/sub/a.json", `{"n":1}`)
	write(t, root, "jobs/old/b.json", `{"n":2}`)
	h := startWatch(t, root, time.Second, watchOptions{}, globSource("jobs", "jobs/**/*.json"))
	waitState(t, h.c, "jobs", want(map[string]any{"jobs/old/sub/a.json": jsonData(1), "jobs/old/b.json": jsonData(2)}))

	if err := os.Rename(filepath.Join(root, "jobs/old"), filepath.Join(root, "jobs/new")); err != nil {
		t.Fatal(err)
	}
	waitState(t, h.c, "jobs", want(map[string]any{"jobs/new/sub/a.json": jsonData(1), "jobs/new/b.json": jsonData(2)}))

	// The renamed subfolder's watch reports its new path, not the old one.
	write(t, root, "jobs/new/sub/c.json", `{"n":3}`)
	write(t, root, "jobs/new/sub/a.json", `{"n":10}`)
	waitState(t, h.c, "jobs", want(map[string]any{
		"jobs/new/sub/a.json": jsonData(10), "jobs/new/b.json": jsonData(2), "jobs/new/sub/c.json": jsonData(3),
	}))

	// A new folder under the old name is a different folder.
	write(t, root, "jobs/old/d.json", `{"n":4}`)
	waitState(t, h.c, "jobs", want(map[string]any{
		"jobs/new/sub/a.json": jsonData(10), "jobs/new/b.json": jsonData(2), "jobs/new/sub/c.json": jsonData(3),
		"jobs/old/d.json": jsonData(4),
	}))

	if err := os.RemoveAll(filepath.Join(root, "jobs/new")); err != nil {
		t.Fatal(err)
	}
	waitState(t, h.c, "jobs", want(map[string]any{"jobs/old/d.json": jsonData(4)}))
}

func TestWatchFolderRenamedAndItsNameReusedAtOnce(t *testing.T) {
	root := t.TempDir()
	write(t, root, "jobs/a/x/1.json", `{"n":1}`)
	h := startWatch(t, root, time.Second, watchOptions{}, globSource("jobs", "jobs/**/*.json"))
	waitState(t, h.c, "jobs", want(map[string]any{"jobs/a/x/1.json": jsonData(1)}))
	if err := os.Rename(filepath.Join(root, "jobs/a"), filepath.Join(root, "jobs/b")); err != nil {
		t.Fatal(err)
	}
	write(t, root, "jobs/a/x/2.json", `{"n":2}`)
	write(t, root, "jobs/b/x/3.json", `{"n":3}`)
	waitState(t, h.c, "jobs", want(map[string]any{"jobs/a/x/2.json": jsonData(2), "jobs/b/x/1.json": jsonData(1), "jobs/b/x/3.json": jsonData(3)}))
	// Both trees are watched under their own names.
	write(t, root, "jobs/b/x/1.json", `{"n":10}`)
	write(t, root, "jobs/a/x/2.json", `{"n":20}`)
	waitState(t, h.c, "jobs", want(map[string]any{"jobs/a/x/2.json": jsonData(20), "jobs/b/x/1.json": jsonData(10), "jobs/b/x/3.json": jsonData(3)}))
}

func TestWatchAtomicSave(t *testing.T) {
	root := t.TempDir()
	write(t, root, "cfg/app.json", `{"n":1}`)
	h := startWatch(t, root, time.Second, watchOptions{}, globSource("cfg", "cfg/*.json"), fileSource("app", "cfg/app.json"))
	for i := 2; i <= 5; i++ {
		tmp := filepath.Join(root, "cfg", fmt.Sprintf(".app.json.tmp%d", i))
		if err := os.WriteFile(tmp, []byte(fmt.Sprintf(`{"n":%d}`, i)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(root, "cfg/app.json")); err != nil {
			t.Fatal(err)
		}
	}
	waitState(t, h.c, "cfg", want(map[string]any{"cfg/app.json": jsonData(5)}))
	waitState(t, h.c, "app", want(map[string]any{"cfg/app.json": jsonData(5)}))
}

func TestWatchVimStyleSave(t *testing.T) {
	root := t.TempDir()
	write(t, root, "notes/a.yaml", "n: 1\n")
	h := startWatch(t, root, time.Second, watchOptions{}, globSource("notes", "notes/*.yaml"))
	waitState(t, h.c, "notes", want(map[string]any{"notes/a.yaml": jsonData(1)}))
	for i := 2; i <= 4; i++ {
		orig := filepath.Join(root, "notes/a.yaml")
		backup := orig + "~"
		if err := os.Rename(orig, backup); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(orig, []byte(fmt.Sprintf("n: %d\n", i)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(backup); err != nil {
			t.Fatal(err)
		}
	}
	waitState(t, h.c, "notes", want(map[string]any{"notes/a.yaml": jsonData(4)}))
}

func TestWatchTruncateAndWrite(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a.json", `{"n":0}`)
	h := startWatch(t, root, time.Second, watchOptions{}, globSource("s", "*.json"))
	for i := 1; i <= 20; i++ {
		f, err := os.OpenFile(filepath.Join(root, "a.json"), os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(f, `{"n":%d}`, i%10) // sizes repeat: only the content tells
		f.Close()
	}
	waitState(t, h.c, "s", want(map[string]any{"a.json": jsonData(0)}))
}

func TestWatchHalfWrittenFileEndsInItsFinalState(t *testing.T) {
	root := t.TempDir()
	// Long retry delays: within this test only events cause reads, so the
	// half-written file cannot have spent its retries.
	h := startWatch(t, root, time.Second, watchOptions{delays: []time.Duration{time.Hour}}, globSource("s", "*.json"))
	p := filepath.Join(root, "job.json")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"name": "train", `)
	// The watcher reads the half and keeps it out of the snapshot while it
	// waits for the rest.
	eventually(t, "the half-written file to be read", func() bool { return h.c.Reads() > 0 })
	if got := state(h.c.Snapshot()["s"]); got != "" {
		t.Fatalf("a half-written file showed: %q", got)
	}
	f.WriteString(`"n": 1}`)
	f.Close()
	waitState(t, h.c, "s", want(map[string]any{"job.json": map[string]any{"name": "train", "n": 1}}))
}

func TestWatchShowsTheErrorOfAFileThatStaysBroken(t *testing.T) {
	root := t.TempDir()
	write(t, root, "job.json", `{"n": 1}`)
	h := startWatch(t, root, time.Second, watchOptions{}, globSource("s", "*.json"))
	waitState(t, h.c, "s", want(map[string]any{"job.json": jsonData(1)}))
	write(t, root, "job.json", `{"n": `)
	waitState(t, h.c, "s", "job.json!invalid JSON at line 1, column 7: unexpected end of input\n")
	write(t, root, "job.json", `{"n": 2}`)
	waitState(t, h.c, "s", want(map[string]any{"job.json": jsonData(2)}))
}

func TestWatchSeesTheBaseFolderCreatedAfterStart(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "later-root")
	h := startWatch(t, root, time.Second, watchOptions{}, globSource("runs", "runs/2024/**/*.json"), fileSource("cfg", "conf/x.yaml"))
	write(t, root, "runs/2024/a/b.json", `{"n":1}`)
	write(t, root, "runs/2025/ignored.json", `{"n":9}`)
	waitState(t, h.c, "runs", want(map[string]any{"runs/2024/a/b.json": jsonData(1)}))
	write(t, root, "conf/x.yaml", "n: 2\n")
	waitState(t, h.c, "cfg", want(map[string]any{"conf/x.yaml": jsonData(2)}))
}

func TestWatchSeesTheBaseFolderOfAGlobCreatedUnderAnExistingRoot(t *testing.T) {
	root := t.TempDir()
	write(t, root, "unrelated.txt", "x")
	h := startWatch(t, root, time.Second, watchOptions{}, globSource("s", "data/deep/**/*.csv"))
	if err := os.MkdirAll(filepath.Join(root, "data/deep/er"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, root, "data/deep/er/m.csv", "n\n1\n")
	write(t, root, "data/deep/top.csv", "n\n2\n")
	write(t, root, "data/other.csv", "n\n3\n")
	waitState(t, h.c, "s", want(map[string]any{
		"data/deep/er/m.csv": []any{map[string]any{"n": 1}}, "data/deep/top.csv": []any{map[string]any{"n": 2}},
	}))
}

func TestWatchRescansAfterLostEvents(t *testing.T) {
	root := t.TempDir()
	write(t, root, "d/gone.json", `{"n":0}`)
	write(t, root, "d/changed.json", `{"n":1}`)
	lose := &atomic.Bool{}
	h := startWatch(t, root, time.Hour, watchOptions{lose: lose}, globSource("s", "**/*.json"))
	waitState(t, h.c, "s", want(map[string]any{"d/gone.json": jsonData(0), "d/changed.json": jsonData(1)}))

	lose.Store(true) // the kernel queue overflows: events are lost from here
	os.Remove(filepath.Join(root, "d/gone.json"))
	write(t, root, "d/changed.json", `{"n":22}`)
	write(t, root, "new/deep/x.json", `{"n":3}`)
	h.w.sub.n.fsw.Errors <- fsnotify.ErrEventOverflow // as the router gets it
	// Events are still dropped: only the rescan can bring the final state.
	waitState(t, h.c, "s", want(map[string]any{"d/changed.json": jsonData(22), "new/deep/x.json": jsonData(3)}))
	lose.Store(false)
	// After the rescan the new folder is watched.
	write(t, root, "new/deep/y.json", `{"n":4}`)
	waitState(t, h.c, "s", want(map[string]any{"d/changed.json": jsonData(22), "new/deep/x.json": jsonData(3), "new/deep/y.json": jsonData(4)}))
}

func TestWatchPollMode(t *testing.T) {
	root := t.TempDir()
	write(t, root, "p/a.json", `{"n":1}`)
	src := globSource("s", "p/**/*.json")
	src.Watch = "poll"
	h := startWatch(t, root, 50*time.Millisecond, watchOptions{}, src)
	if h.w.sub != nil {
		t.Fatalf("a watcher of polled sources only should not use fsnotify")
	}
	waitState(t, h.c, "s", want(map[string]any{"p/a.json": jsonData(1)}))
	write(t, root, "p/q/b.json", `{"n":2}`)
	write(t, root, "p/a.json", `{"n":100}`) // another size: polling compares size, mtime and inode
	waitState(t, h.c, "s", want(map[string]any{"p/a.json": jsonData(100), "p/q/b.json": jsonData(2)}))
	os.RemoveAll(filepath.Join(root, "p/q"))
	waitState(t, h.c, "s", want(map[string]any{"p/a.json": jsonData(100)}))
	if !strings.Contains(h.log.String(), "polling source s every 50ms") {
		t.Errorf("log does not say the source is polled:\n%s", h.log.String())
	}
}

func TestWatchFallsBackToPollingAtTheWatchLimit(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a/x.json", `{"n":1}`)
	write(t, root, "b/y.json", `{"n":2}`)
	var added atomic.Int32
	limited := func(s *subscriber, dir string) error {
		if added.Add(1) > 2 {
			return fmt.Errorf("add watch %s: %w", dir, syscall.ENOSPC)
		}
		return s.add(dir)
	}
	h := startWatch(t, root, 50*time.Millisecond, watchOptions{add: limited}, globSource("s", "**/*.json"))
	waitState(t, h.c, "s", want(map[string]any{"a/x.json": jsonData(1), "b/y.json": jsonData(2)}))
	write(t, root, "b/z.json", `{"n":3}`)
	write(t, root, "c/w.json", `{"n":4}`)
	waitState(t, h.c, "s", want(map[string]any{"a/x.json": jsonData(1), "b/y.json": jsonData(2), "b/z.json": jsonData(3), "c/w.json": jsonData(4)}))
	log := h.log.String()
	if !strings.Contains(log, "polling every 50ms") || !strings.Contains(log, "fs.inotify.max_user_watches") {
		t.Errorf("log does not say why it polls and how to raise the limit:\n%s", log)
	}
}

func TestWatchDeleteAndRecreate(t *testing.T) {
	root := t.TempDir()
	write(t, root, "d/a.json", `{"n":1}`)
	h := startWatch(t, root, time.Second, watchOptions{}, globSource("s", "**/*.json"))
	waitState(t, h.c, "s", want(map[string]any{"d/a.json": jsonData(1)}))
	for i := 2; i <= 5; i++ {
		os.RemoveAll(filepath.Join(root, "d"))
		write(t, root, "d/a.json", fmt.Sprintf(`{"n":%d}`, i))
	}
	waitState(t, h.c, "s", want(map[string]any{"d/a.json": jsonData(5)}))
	write(t, root, "d/b.json", `{"n":6}`)
	waitState(t, h.c, "s", want(map[string]any{"d/a.json": jsonData(5), "d/b.json": jsonData(6)}))
	os.Remove(filepath.Join(root, "d/a.json"))
	waitState(t, h.c, "s", want(map[string]any{"d/b.json": jsonData(6)}))
}

func TestWatchBurstOfTenThousandFilesInAHundredNewFolders(t *testing.T) {
	root := t.TempDir()
	h := startWatch(t, root, time.Second, watchOptions{}, globSource("s", "burst/**/*.json"))
	expect := make(map[string]any, 10000)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for w := range 4 { // four writers, as several processes would
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := w; d < 100; d += 4 {
				dir := filepath.Join(root, "burst", fmt.Sprintf("d%03d", d))
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Error(err)
					return
				}
				for f := range 100 {
					n := d*100 + f
					if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d.json", f)), []byte(fmt.Sprintf(`{"n":%d}`, n)), 0o644); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					expect[fmt.Sprintf("burst/d%03d/f%03d.json", d, f)] = jsonData(n)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	waitState(t, h.c, "s", want(expect))
	if h.calls.Load() == 0 {
		t.Fatalf("onChange was never called")
	}
}

func TestCloseStopsEveryGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	root := t.TempDir()
	write(t, root, "a.json", `1`)
	poll := globSource("p", "*.json")
	poll.Watch = "poll"
	c := NewCache(root, []*manifest.Source{globSource("s", "*.json"), poll})
	w, err := Watch(c, 50*time.Millisecond, func([]string) {}, nil)
	if err != nil {
		t.Fatal(err)
	}
	write(t, root, "b.json", `2`)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("a second Close: %v", err)
	}
	eventually(t, "the watcher's goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}

func TestWatchReportsInitialChangesAndCallsOnChangeSerially(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a.json", `{"n":1}`)
	h := startWatch(t, root, time.Second, watchOptions{}, globSource("s", "*.json"))
	eventually(t, "the initial onChange", func() bool { return h.calls.Load() >= 1 })
	for i := range 50 {
		write(t, root, fmt.Sprintf("f%d.json", i), `{"n":2}`)
	}
	eventually(t, "all files", func() bool { return len(records(t, h.c, "s")) == 51 })
}
