package sources

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// inotifyInstances counts the process's inotify descriptors; ok is false
// where /proc does not tell.
func inotifyInstances(t *testing.T) (n int, ok bool) {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0, false
	}
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && target == "anon_inode:inotify" {
			n++
		}
	}
	return n, true
}

func requireNoNotifier(t *testing.T, when string) {
	t.Helper()
	if currentNotifier() != nil {
		t.Fatalf("a notifier is open %s", when)
	}
	if n, ok := inotifyInstances(t); ok && n != 0 {
		t.Fatalf("%d inotify instances are open %s", n, when)
	}
}

func watchesOf(n *notifier, dir string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if d := n.dirs[dir]; d != nil {
		return len(d.subs)
	}
	return 0
}

func TestManyWatchersShareOneInotifyInstance(t *testing.T) {
	requireNoNotifier(t, "before the test")
	const count = 200 // more than the default 128 instances a user may own
	roots := make([]string, count)
	hs := make([]*watched, count)
	for i := range count {
		roots[i] = t.TempDir()
		// An hour between polls: only events can bring the files in time.
		hs[i] = startWatch(t, roots[i], time.Hour, watchOptions{}, globSource("s", "*.json"))
	}
	n := currentNotifier()
	for i, h := range hs {
		if h.w.sub == nil || h.w.sub.n != n {
			t.Fatalf("watcher %d does not use the shared notifier", i)
		}
		if log := h.log.String(); strings.Contains(log, "polling") {
			t.Fatalf("watcher %d fell back to polling:\n%s", i, log)
		}
	}
	if got, ok := inotifyInstances(t); ok && got != 1 {
		t.Fatalf("%d inotify instances for %d watchers, want 1", got, count)
	}
	for i, root := range roots {
		write(t, root, fmt.Sprintf("w%03d.json", i), fmt.Sprintf(`{"n":%d}`, i))
	}
	for i, h := range hs {
		waitState(t, h.c, "s", want(map[string]any{fmt.Sprintf("w%03d.json", i): jsonData(i)}))
	}
}

func TestClosingSomeWatchersKeepsTheOthersWatchingAndTheLastReleasesTheNotifier(t *testing.T) {
	requireNoNotifier(t, "before the test")
	// Two watchers of one folder share its kernel watch.
	both := t.TempDir()
	a := startWatch(t, both, time.Hour, watchOptions{}, globSource("s", "*.json"))
	b := startWatch(t, both, time.Hour, watchOptions{}, globSource("s", "*.json"))
	var roots []string
	var hs []*watched
	for range 6 {
		root := t.TempDir()
		roots = append(roots, root)
		hs = append(hs, startWatch(t, root, time.Hour, watchOptions{}, globSource("s", "*.json")))
	}
	n := currentNotifier()
	if got := watchesOf(n, both); got != 2 {
		t.Fatalf("the shared folder has %d subscribers, want 2", got)
	}

	for _, h := range append([]*watched{a}, hs[:3]...) {
		if err := h.w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if currentNotifier() != n {
		t.Fatalf("the notifier changed while watchers still use it")
	}
	if got := watchesOf(n, both); got != 1 {
		t.Fatalf("the shared folder has %d subscribers after one closed, want 1", got)
	}
	if !slices.Contains(n.fsw.WatchList(), both) {
		t.Fatalf("the shared folder lost its kernel watch while a watcher still uses it")
	}
	for _, root := range roots[:3] {
		if slices.Contains(n.fsw.WatchList(), root) {
			t.Fatalf("the folder of a closed watcher is still watched: %s", root)
		}
	}

	write(t, both, "x.json", `{"n":1}`)
	waitState(t, b.c, "s", want(map[string]any{"x.json": jsonData(1)}))
	for i, h := range hs[3:] {
		write(t, roots[3+i], "y.json", fmt.Sprintf(`{"n":%d}`, i))
		waitState(t, h.c, "s", want(map[string]any{"y.json": jsonData(i)}))
	}

	for _, h := range append([]*watched{b}, hs[3:]...) {
		if err := h.w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	requireNoNotifier(t, "after every watcher closed")

	// A watcher started afterwards opens a fresh one.
	c := startWatch(t, both, time.Hour, watchOptions{}, globSource("s", "*.json"))
	write(t, both, "z.json", `{"n":2}`)
	waitState(t, c.c, "s", want(map[string]any{"x.json": jsonData(1), "z.json": jsonData(2)}))
	if err := c.w.Close(); err != nil {
		t.Fatal(err)
	}
	requireNoNotifier(t, "after the last watcher closed")
}

func TestAFolderKeepsItsKernelWatchUntilItsLastSubscriberLetsGo(t *testing.T) {
	requireNoNotifier(t, "before the test")
	dir := t.TempDir()
	noop := func(error) {}
	got := make(chan string, 64)
	hear := func(who string) func(fsnotify.Event) {
		return func(ev fsnotify.Event) {
			select { // the router must never wait
			case got <- who + ":" + filepath.Base(ev.Name):
			default:
			}
		}
	}
	s1, err := subscribe(hear("1"), noop)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := subscribe(hear("2"), noop)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*subscriber{s1, s2, s1} { // a second add by one subscriber counts once
		if err := s.add(dir); err != nil {
			t.Fatal(err)
		}
	}
	s1.remove(dir)
	if !slices.Contains(s1.n.fsw.WatchList(), dir) {
		t.Fatalf("the kernel watch went while a subscriber still watches the folder")
	}
	write(t, dir, "a", "x")
	// Only the subscriber still watching hears of it.
	select {
	case e := <-got:
		if e != "2:a" {
			t.Fatalf("got event %q, want 2:a", e)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("timed out waiting for the event")
	}
	s2.remove(dir)
	if slices.Contains(s2.n.fsw.WatchList(), dir) {
		t.Fatalf("the kernel watch stayed after its last subscriber let go")
	}
	if err := s1.close(); err != nil {
		t.Fatal(err)
	}
	if currentNotifier() == nil {
		t.Fatalf("the notifier closed while a subscriber still uses it")
	}
	if err := s2.close(); err != nil {
		t.Fatal(err)
	}
	requireNoNotifier(t, "after both subscribers closed")
	for len(got) > 0 {
		if e := <-got; !strings.HasPrefix(e, "2:") {
			t.Fatalf("a subscriber that let the folder go got event %q", e)
		}
	}
}

func TestTwoWatchersOfOneFolderFollowItsSubfoldersRenamedAndReplaced(t *testing.T) {
	root := t.TempDir()
	write(t, root, "jobs/a/x/1.json", `{"n":1}`)
	hs := []*watched{
		startWatch(t, root, time.Hour, watchOptions{}, globSource("jobs", "jobs/**/*.json")),
		startWatch(t, root, time.Hour, watchOptions{}, globSource("jobs", "jobs/**/*.json")),
	}
	for _, h := range hs {
		waitState(t, h.c, "jobs", want(map[string]any{"jobs/a/x/1.json": jsonData(1)}))
	}
	if err := os.Rename(filepath.Join(root, "jobs/a"), filepath.Join(root, "jobs/b")); err != nil {
		t.Fatal(err)
	}
	write(t, root, "jobs/a/x/2.json", `{"n":2}`)
	expect := want(map[string]any{"jobs/a/x/2.json": jsonData(2), "jobs/b/x/1.json": jsonData(1)})
	for _, h := range hs {
		waitState(t, h.c, "jobs", expect)
	}
	// Both trees stay watched under their own names, for both watchers,
	// also once one of them is gone.
	if err := hs[0].w.Close(); err != nil {
		t.Fatal(err)
	}
	write(t, root, "jobs/b/x/1.json", `{"n":10}`)
	write(t, root, "jobs/a/x/2.json", `{"n":20}`)
	waitState(t, hs[1].c, "jobs", want(map[string]any{"jobs/a/x/2.json": jsonData(20), "jobs/b/x/1.json": jsonData(10)}))
}
