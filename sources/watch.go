package sources

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/syft-widget/syft-widget/manifest"
)

// Watcher keeps a Cache current. Sources with `watch: auto` follow
// filesystem events (fsnotify, one watch per folder that may hold their
// files); sources with `watch: poll`, and every source once the system's
// watch limit is reached, are re-globbed every interval and re-read where
// size, mtime or inode changed.
//
// All the Watchers of a process share one fsnotify watcher (one inotify
// instance, of which a user gets only 128 by default), opened with the
// first and closed with the last; a folder watched by several Watchers
// holds one kernel watch, dropped when the last of them lets it go.
//
// Events only mark paths dirty; batches are coalesced (a lone change is
// handled after a millisecond, a burst in windows of ten milliseconds) and every dirty
// path is looked at afresh (Lstat, re-read or drop), so the kind of event
// does not matter and editors' save dances end in the right state. A file
// that fails to parse right after a change is kept at its last good record
// and read again shortly, a few times, before its error is shown. Lost
// events (a queue overflow) cause a full rescan.
type Watcher struct {
	c        *Cache
	interval time.Duration
	onChange func([]string)
	log      *slog.Logger
	opt      watchOptions

	sub       *subscriber // to the shared notifier; nil when nothing uses events
	done      chan struct{}
	wake      chan struct{} // there are dirty paths
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error

	mu     sync.Mutex // guards dirty and rescan, filled by the notifier's router
	dirty  map[string]fsnotify.Op
	rescan bool

	// Owned by the run goroutine (by Watch until it starts it).
	polled   []bool          // sources polled by configuration
	watched  map[string]bool // folders with a watch, absolute
	limitErr error           // adding a watch hit the system's limit
	polling  bool            // event sources fell back to polling
	retries  map[string]*retryState
}

type retryState struct {
	n   int
	due time.Time
}

// watchOptions are the knobs tests turn.
type watchOptions struct {
	add    func(s *subscriber, dir string) error // adds a watch; tests inject ENOSPC
	window time.Duration                         // coalescing window
	lose   *atomic.Bool                          // drop events, as a full kernel queue does
	delays []time.Duration                       // between re-reads of a file that failed to parse
}

const (
	oneSave        = time.Millisecond // gathers the events of one save
	coalesceWindow = 10 * time.Millisecond
	burstSize      = 8 // paths in a batch that make the next one wait for the window
	maxRetries     = 3
)

// retryDelays space the re-reads of a file that failed to parse.
var retryDelays = []time.Duration{25 * time.Millisecond, 100 * time.Millisecond, 400 * time.Millisecond}

// Watch starts keeping c current and returns once the watches are in place
// (changes from then on are seen). interval is the polling period (the
// manifest's update_interval). onChange receives the names of the sources
// whose records changed; it is called from the watcher's own goroutine, one
// call at a time, and must not call Close. log may be nil.
func Watch(c *Cache, interval time.Duration, onChange func(changed []string), log *slog.Logger) (*Watcher, error) {
	return watch(c, interval, onChange, log, watchOptions{})
}

func watch(c *Cache, interval time.Duration, onChange func([]string), log *slog.Logger, opt watchOptions) (*Watcher, error) {
	if c == nil || onChange == nil {
		return nil, errors.New("sources: Watch needs a cache and an onChange function")
	}
	if interval <= 0 {
		interval = manifest.DefaultUpdateInterval
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opt.add == nil {
		opt.add = func(s *subscriber, dir string) error { return s.add(dir) }
	}
	if opt.window <= 0 {
		opt.window = coalesceWindow
	}
	if opt.delays == nil {
		opt.delays = retryDelays
	}
	w := &Watcher{
		c:        c,
		interval: interval,
		onChange: onChange,
		log:      log,
		opt:      opt,
		done:     make(chan struct{}),
		wake:     make(chan struct{}, 1),
		dirty:    make(map[string]fsnotify.Op),
		polled:   make([]bool, len(c.srcs)),
		watched:  make(map[string]bool),
		retries:  make(map[string]*retryState),
	}
	events := false
	for i, s := range c.srcs {
		w.polled[i] = s.poll
		if s.poll {
			log.Info("polling source "+s.name+" every "+interval.String()+" (watch: poll)", "root", c.root)
		} else if s.bad == "" {
			events = true
		}
	}
	if events {
		sub, err := subscribe(w.event, w.fail)
		if err != nil {
			w.fallBack(err)
		} else {
			w.sub = sub
		}
	}

	// Watch, then scan: the walk adds each folder's watch before listing it.
	o := &op{full: true, onDir: w.addWatch, deferErr: w.shouldDefer}
	initial := w.c.update(o)
	w.afterUpdate(nil, o.retry)
	w.watchRootParent()

	w.wg.Add(1)
	go w.run(initial)
	return w, nil
}

// Close stops every goroutine the watcher started and waits for them.
func (w *Watcher) Close() error {
	w.closeOnce.Do(func() {
		close(w.done)
		w.wg.Wait()
		if w.sub != nil {
			w.closeErr = w.sub.close()
		}
	})
	return w.closeErr
}

// event records a dirty path. The notifier's router calls it, so it only
// takes a short lock: the kernel queue, shared by every Watcher, is drained
// quickly.
func (w *Watcher) event(ev fsnotify.Event) {
	if w.opt.lose != nil && w.opt.lose.Load() {
		return
	}
	w.mu.Lock()
	w.dirty[ev.Name] |= ev.Op
	w.mu.Unlock()
	w.signal()
}

// fail handles an error of the notifier: lost events mean a rescan.
func (w *Watcher) fail(err error) {
	if errors.Is(err, fsnotify.ErrEventOverflow) {
		w.mu.Lock()
		w.rescan = true
		w.mu.Unlock()
		w.signal()
		return
	}
	w.log.Warn("sources: file watching reported an error", "root", w.c.root, "err", err)
}

func (w *Watcher) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *Watcher) run(initial []string) {
	defer w.wg.Done()
	if len(initial) > 0 {
		w.onChange(initial)
	}
	flush := time.NewTimer(time.Hour)
	flush.Stop()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	var ticker *time.Ticker
	var tick <-chan time.Time
	defer func() {
		flush.Stop()
		retry.Stop()
		if ticker != nil {
			ticker.Stop()
		}
	}()
	var last time.Time // end of the last batch
	lastSize := 0      // paths in the last batch
	armed := false
	for {
		if ticker == nil && w.pollsAny() {
			ticker = time.NewTicker(w.interval)
			tick = ticker.C
		}
		w.armRetry(retry)
		select {
		case <-w.done:
			return
		case <-w.wake:
			if armed {
				continue
			}
			// Leading edge: a change goes almost at once, after a
			// millisecond that gathers the events of one save (truncate,
			// write; temp, rename). After a batch of many paths, the next
			// waits for the window, to gather the rest of the burst.
			wait := oneSave
			if lastSize >= burstSize {
				wait = max(oneSave, w.opt.window-time.Since(last))
			}
			flush.Reset(wait)
			armed = true
		case <-flush.C:
			armed = false
			lastSize = w.flush()
			last = time.Now()
		case <-tick:
			w.poll()
		case <-retry.C:
			w.retryDue()
		}
	}
}

func (w *Watcher) pollsAny() bool {
	if w.polling {
		return true
	}
	for _, p := range w.polled {
		if p {
			return true
		}
	}
	return false
}

// evented returns the sources that follow events.
func (w *Watcher) evented() []bool {
	only := make([]bool, len(w.polled))
	for i, p := range w.polled {
		only[i] = !p && !w.polling
	}
	return only
}

// flush handles the dirty paths gathered so far and returns how many.
func (w *Watcher) flush() int {
	w.mu.Lock()
	dirty, rescan := w.dirty, w.rescan
	w.dirty, w.rescan = make(map[string]fsnotify.Op), false
	w.mu.Unlock()
	if (len(dirty) == 0 && !rescan) || w.polling {
		return len(dirty)
	}
	var rels []string
	for abs, op := range dirty {
		if w.watched[abs] {
			// A watched folder renamed or removed: its watches, and those
			// below, report stale paths from now on (even when a new folder
			// took its name). They go before any new watch is added; the
			// walk re-adds what is there.
			if op&(fsnotify.Rename|fsnotify.Remove) != 0 {
				w.unwatch(abs)
			} else if fi, err := os.Lstat(abs); err != nil || !fi.IsDir() {
				w.unwatch(abs)
			} else if op&fsnotify.Create == 0 {
				continue // a watched folder's own attributes changed
			}
		}
		rel, ok := w.c.rel(abs)
		if !ok || rel == "." {
			if !ok && !within(w.c.root, abs) {
				continue
			}
			rescan = true // the root itself, or a folder above it, changed
			continue
		}
		rels = append(rels, rel)
	}
	if rescan {
		w.unwatchStale()
	}
	w.update(&op{forced: rels, full: rescan, only: w.evented(), onDir: w.addWatch, deferErr: w.shouldDefer})
	if rescan {
		w.watchRootParent()
	}
	return len(dirty)
}

// within reports whether root lies at or below dir.
func within(root, dir string) bool {
	return root == dir || strings.HasPrefix(root, strings.TrimSuffix(dir, string(filepath.Separator))+string(filepath.Separator))
}

// poll re-globs the polled sources and re-reads what changed.
func (w *Watcher) poll() {
	only := make([]bool, len(w.polled))
	for i, p := range w.polled {
		only[i] = p || w.polling
	}
	w.update(&op{full: true, only: only, deferErr: w.shouldDefer})
}

// retryDue re-reads the files whose parse failed and whose delay is over.
func (w *Watcher) retryDue() {
	now := time.Now()
	var rels []string
	for rel, r := range w.retries {
		if !r.due.After(now) {
			rels = append(rels, rel)
		}
	}
	if len(rels) > 0 {
		w.update(&op{forced: rels, onDir: w.addWatch, deferErr: w.shouldDefer})
	}
}

func (w *Watcher) armRetry(t *time.Timer) {
	var next time.Time
	for _, r := range w.retries {
		if next.IsZero() || r.due.Before(next) {
			next = r.due
		}
	}
	t.Stop()
	if !next.IsZero() {
		t.Reset(max(time.Until(next), 0))
	}
}

func (w *Watcher) update(o *op) {
	changed := w.c.update(o)
	w.afterUpdate(o.forced, o.retry)
	if len(changed) > 0 {
		w.onChange(changed)
	}
}

// afterUpdate schedules the retries of an op and falls back to polling when
// the watch limit was hit during it.
func (w *Watcher) afterUpdate(forced, retry []string) {
	deferred := make(map[string]bool, len(retry))
	for _, rel := range retry {
		deferred[rel] = true
	}
	for _, rel := range forced {
		if !deferred[rel] {
			delete(w.retries, rel)
		}
	}
	now := time.Now()
	for _, rel := range retry {
		r := w.retries[rel]
		if r == nil {
			r = &retryState{}
			w.retries[rel] = r
		}
		r.due = now.Add(w.opt.delays[min(r.n, len(w.opt.delays)-1)])
		r.n++
	}
	if w.limitErr != nil && !w.polling {
		w.fallBack(w.limitErr)
	}
}

// shouldDefer says whether a parse error of rel may still be a file caught
// half-written.
func (w *Watcher) shouldDefer(rel string) bool {
	r := w.retries[rel]
	return r == nil || r.n < maxRetries
}

// fallBack switches the event sources to polling and says why.
func (w *Watcher) fallBack(err error) {
	if w.polling {
		return
	}
	w.polling = true
	if w.sub != nil {
		w.sub.close() // its folders' watches go; the notifier with the last user
	}
	why := err.Error()
	hint := ""
	switch {
	case errors.Is(err, syscall.ENOSPC):
		why = "the system's limit of watched folders is reached"
		hint = "; raise it with: sudo sysctl fs.inotify.max_user_watches=524288 (add it to /etc/sysctl.conf to keep it)"
	case errors.Is(err, syscall.EMFILE):
		why = "the system's limit of watchers or open files is reached"
		hint = "; raise it with: sudo sysctl fs.inotify.max_user_instances=1024 and fs.inotify.max_user_watches=524288"
	}
	w.log.Warn(fmt.Sprintf("sources: cannot watch the files of %s (%s); polling every %s instead%s", w.c.root, why, w.interval, hint),
		"root", w.c.root, "err", err)
}

// addWatch watches a folder the walk is about to list, if an event source
// may have files under it.
func (w *Watcher) addWatch(rel string) {
	if w.sub == nil || w.polling || w.limitErr != nil {
		return
	}
	wanted := false
	for i, s := range w.c.srcs {
		if !w.polled[i] && s.mayContain(rel) {
			wanted = true
			break
		}
	}
	if !wanted {
		return
	}
	abs := filepath.Join(w.c.root, filepath.FromSlash(rel))
	if err := w.opt.add(w.sub, abs); err != nil {
		if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EMFILE) {
			w.limitErr = err
		}
		return // a folder that vanished meanwhile: its event follows
	}
	w.watched[abs] = true
}

// unwatch drops the watches at and below a folder that was renamed or removed.
func (w *Watcher) unwatch(abs string) {
	prefix := abs + string(filepath.Separator)
	for p := range w.watched {
		if p == abs || strings.HasPrefix(p, prefix) {
			w.sub.remove(p)
			delete(w.watched, p)
		}
	}
}

// unwatchStale drops the watches of folders that are no longer there, before
// a rescan adds the current ones.
func (w *Watcher) unwatchStale() {
	for p := range w.watched {
		if fi, err := os.Lstat(p); err != nil || !fi.IsDir() {
			w.unwatch(p)
		}
	}
}

// watchRootParent watches the nearest existing folder above a missing root,
// so its creation is seen.
func (w *Watcher) watchRootParent() {
	if w.sub == nil || w.polling {
		return
	}
	if _, err := os.Stat(w.c.root); err == nil {
		return
	}
	for dir := filepath.Dir(w.c.root); ; dir = filepath.Dir(dir) {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			if err := w.opt.add(w.sub, dir); err == nil {
				w.watched[dir] = true
			}
			return
		}
		if filepath.Dir(dir) == dir {
			return
		}
	}
}
