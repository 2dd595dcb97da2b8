package sources

import (
	"os"
	"path/filepath"
	"sync"

	"github.com/fsnotify/fsnotify"
)

// notifier is the one fsnotify watcher (one inotify instance) that every
// Watcher of the process shares: a user may own only a few instances
// (fs.inotify.max_user_instances, 128 by default, counted over all their
// processes), so one per widget would run out on a server hosting many.
//
// Its router goroutine reads the events and hands each to the subscribers
// watching the event's folder, or the path itself when it is a watched
// folder. Errors, among them a queue overflow, go to every subscriber.
type notifier struct {
	fsw  *fsnotify.Watcher
	done chan struct{} // closed when the router has ended

	mu   sync.Mutex             // guards dirs, subs and every subscriber's dirs
	dirs map[string]*watchedDir // by absolute path
	subs map[*subscriber]struct{}
}

// watchedDir is a folder with a kernel watch and the subscribers using it.
type watchedDir struct {
	subs map[*subscriber]struct{}
	fi   os.FileInfo // the folder watched, to tell when another took its name
}

// shared holds the process's notifier while some subscriber uses it.
var shared struct {
	mu   sync.Mutex
	n    *notifier
	refs int // open subscribers of n
}

// subscriber is one Watcher's view of the notifier: the folders it watches
// and what to call with their events.
type subscriber struct {
	n     *notifier
	event func(fsnotify.Event) // called by the router: must return at once
	fail  func(error)          // likewise, with the watcher's errors
	dirs  map[string]bool      // guarded by n.mu

	closeOnce sync.Once
	closeErr  error
}

// subscribe joins the process's notifier, creating it if need be.
func subscribe(event func(fsnotify.Event), fail func(error)) (*subscriber, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.n == nil {
		fsw, err := fsnotify.NewBufferedWatcher(4096)
		if err != nil {
			return nil, err
		}
		shared.n = &notifier{
			fsw:  fsw,
			done: make(chan struct{}),
			dirs: make(map[string]*watchedDir),
			subs: make(map[*subscriber]struct{}),
		}
		go shared.n.route()
	}
	n := shared.n
	shared.refs++
	s := &subscriber{n: n, event: event, fail: fail, dirs: make(map[string]bool)}
	n.mu.Lock()
	n.subs[s] = struct{}{}
	n.mu.Unlock()
	return s, nil
}

// currentNotifier returns the live notifier, if any (for tests).
func currentNotifier() *notifier {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	return shared.n
}

// add watches dir for s. The kernel is asked every time, not only for the
// first subscriber: a folder that replaced a watched one of the same name
// needs a watch of its own (asking again for the same folder is a no-op).
func (s *subscriber) add(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	n := s.n
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.fsw.Add(dir); err != nil {
		return err
	}
	d := n.dirs[dir]
	if d == nil {
		d = &watchedDir{subs: make(map[*subscriber]struct{})}
		n.dirs[dir] = d
	}
	d.fi = fi
	d.subs[s] = struct{}{}
	s.dirs[dir] = true
	return nil
}

// remove stops watching dir for s, which found the folder renamed or
// removed. The kernel watch goes with its last subscriber, or at once when
// it is on a folder no longer at that path: fsnotify knows watches by path,
// so a stale one would shadow the watch of the folder's new place.
func (s *subscriber) remove(dir string) {
	n := s.n
	n.mu.Lock()
	defer n.mu.Unlock()
	d := n.dirs[dir]
	if !s.dirs[dir] || d == nil {
		return
	}
	if d.fi != nil && len(d.subs) > 1 {
		if fi, err := os.Stat(dir); err != nil || !os.SameFile(fi, d.fi) {
			n.fsw.Remove(dir) // already gone with its folder: nothing to do
			d.fi = nil        // the others re-add it when they see the change
		}
	}
	s.drop(dir)
}

func (s *subscriber) drop(dir string) {
	n := s.n
	if !s.dirs[dir] {
		return
	}
	delete(s.dirs, dir)
	d := n.dirs[dir]
	delete(d.subs, s)
	if len(d.subs) == 0 {
		delete(n.dirs, dir)
		if d.fi != nil {
			n.fsw.Remove(dir) // already gone with its folder: nothing to do
		}
	}
}

// close drops every folder of s and, for the last subscriber, closes the
// notifier and waits for its router. Only the first call does anything.
func (s *subscriber) close() error {
	s.closeOnce.Do(func() {
		n := s.n
		n.mu.Lock()
		for dir := range s.dirs {
			s.drop(dir)
		}
		delete(n.subs, s)
		n.mu.Unlock()

		shared.mu.Lock()
		defer shared.mu.Unlock()
		shared.refs--
		if shared.refs == 0 {
			shared.n = nil
			s.closeErr = n.fsw.Close() // the router ends with its channels
			<-n.done
		}
	})
	return s.closeErr
}

// route hands out events and errors until the fsnotify watcher is closed.
// Subscribers only record what they are given, so none can hold up the
// others.
func (n *notifier) route() {
	defer close(n.done)
	var to []*subscriber // reused: the router's own
	for {
		select {
		case ev, ok := <-n.fsw.Events:
			if !ok {
				return
			}
			n.mu.Lock()
			if d := n.dirs[filepath.Dir(ev.Name)]; d != nil {
				for s := range d.subs {
					to = append(to, s)
				}
			}
			if d := n.dirs[ev.Name]; d != nil { // an event on a watched folder itself
				for s := range d.subs {
					if !s.dirs[filepath.Dir(ev.Name)] {
						to = append(to, s)
					}
				}
			}
			n.mu.Unlock()
			for _, s := range to {
				s.event(ev)
			}
			clear(to)
			to = to[:0]
		case err, ok := <-n.fsw.Errors:
			if !ok {
				return
			}
			n.mu.Lock()
			for s := range n.subs {
				to = append(to, s)
			}
			n.mu.Unlock()
			for _, s := range to {
				s.fail(err)
			}
			clear(to)
			to = to[:0]
		}
	}
}
