package serve

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// quietBeforeLoad is how long a manifest file must stay quiet before it is
// loaded: editors and sync tools write in several steps.
const quietBeforeLoad = 100 * time.Millisecond

// retryBroken is how long a manifest that failed to load is given to be
// completed (a half-written file) before its errors count.
const retryBroken = 400 * time.Millisecond

// ManifestWatcher keeps a server's widgets in step with manifest files: a
// fixed list of files (`run`), or every manifest directly inside a folder
// (`serve DIR`), where new files add widgets and removed ones remove them.
type ManifestWatcher struct {
	srv   *Server
	dir   string          // "" when watching a list of files
	files map[string]bool // the list (absolute paths)
	fsw   *fsnotify.Watcher

	mu      sync.Mutex
	timers  map[string]*time.Timer
	retried map[string]bool
	closed  bool
	wg      sync.WaitGroup
	done    chan struct{}
}

// isManifestName reports whether a file name in a watched folder is a
// manifest: *.yaml or *.yml, and not an editor's or sync tool's temporary
// file.
func isManifestName(name string) bool {
	lower := strings.ToLower(name)
	if !strings.HasSuffix(lower, ".yaml") && !strings.HasSuffix(lower, ".yml") {
		return false
	}
	return !strings.HasPrefix(name, ".") && !strings.HasPrefix(name, "~") && !strings.HasPrefix(name, "#")
}

// WatchFiles loads each manifest file into srv and reloads it when it
// changes. A file that fails to load is reported in the returned error and
// is still watched, so fixing it makes it load.
func WatchFiles(srv *Server, files []string) (*ManifestWatcher, error) {
	mw := &ManifestWatcher{srv: srv, files: map[string]bool{}}
	dirs := map[string]bool{}
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, err
		}
		mw.files[abs] = true
		dirs[filepath.Dir(abs)] = true
	}
	if err := mw.start(dirs); err != nil {
		return nil, err
	}
	var errs []error
	for f := range mw.files {
		if err := srv.Load(f); err != nil {
			errs = append(errs, err)
		}
	}
	return mw, errors.Join(errs...)
}

// WatchFolder hosts every manifest directly inside dir and follows the
// folder as files appear, change and vanish.
func WatchFolder(srv *Server, dir string) (*ManifestWatcher, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(abs); err != nil {
		return nil, err
	} else if !st.IsDir() {
		return nil, errors.New(dir + " is not a folder")
	}
	mw := &ManifestWatcher{srv: srv, dir: abs}
	if err := mw.start(map[string]bool{abs: true}); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		mw.Close()
		return nil, err
	}
	for _, e := range entries {
		if isManifestName(e.Name()) && !e.IsDir() {
			srv.Load(filepath.Join(abs, e.Name()))
		}
	}
	return mw, nil
}

func (mw *ManifestWatcher) start(dirs map[string]bool) error {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	for d := range dirs {
		if err := fsw.Add(d); err != nil {
			fsw.Close()
			return err
		}
	}
	mw.fsw, mw.timers, mw.retried, mw.done = fsw, map[string]*time.Timer{}, map[string]bool{}, make(chan struct{})
	mw.wg.Add(1)
	go mw.loop()
	return nil
}

func (mw *ManifestWatcher) wanted(path string) bool {
	if mw.dir != "" {
		return filepath.Dir(path) == mw.dir && isManifestName(filepath.Base(path))
	}
	return mw.files[path]
}

func (mw *ManifestWatcher) loop() {
	defer mw.wg.Done()
	for {
		select {
		case <-mw.done:
			return
		case ev, ok := <-mw.fsw.Events:
			if !ok {
				return
			}
			if mw.wanted(ev.Name) {
				mw.schedule(ev.Name, quietBeforeLoad)
			}
		case err, ok := <-mw.fsw.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				mw.rescan()
			} else {
				mw.srv.log.Warn("watching manifests", "error", err)
			}
		}
	}
}

// rescan re-examines every manifest after lost events.
func (mw *ManifestWatcher) rescan() {
	seen := map[string]bool{}
	for _, f := range mw.srv.Files() {
		seen[f] = true
	}
	if mw.dir != "" {
		entries, _ := os.ReadDir(mw.dir)
		for _, e := range entries {
			seen[filepath.Join(mw.dir, e.Name())] = true
		}
	}
	for f := range mw.files {
		seen[f] = true
	}
	for f := range seen {
		if mw.wanted(f) {
			mw.schedule(f, quietBeforeLoad)
		}
	}
}

// schedule (re)arms the timer that syncs path after it has been quiet.
func (mw *ManifestWatcher) schedule(path string, after time.Duration) {
	mw.mu.Lock()
	defer mw.mu.Unlock()
	if mw.closed {
		return
	}
	if t := mw.timers[path]; t != nil && t.Stop() {
		mw.wg.Done()
	}
	mw.wg.Add(1)
	var t *time.Timer
	t = time.AfterFunc(after, func() {
		defer mw.wg.Done()
		mw.mu.Lock()
		current := mw.timers[path] == t && !mw.closed
		if current {
			delete(mw.timers, path)
		}
		mw.mu.Unlock()
		if current {
			mw.sync(path)
		}
	})
	mw.timers[path] = t
}

// sync brings the server in line with one file.
func (mw *ManifestWatcher) sync(path string) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if mw.dir != "" {
			mw.srv.Unload(path)
			mw.retryFailed()
		}
		// A listed file that vanished is most often mid-save: keep its widget.
		return
	}
	err := mw.srv.Load(path)
	mw.mu.Lock()
	retry := err != nil && !mw.retried[path]
	mw.retried[path] = retry
	mw.mu.Unlock()
	if retry {
		// Maybe half-written: look again before the errors count.
		mw.schedule(path, retryBroken)
	} else if err == nil && mw.dir != "" {
		mw.retryFailed()
	}
}

// retryFailed reloads manifests that failed, in case what blocked them (a
// taken name) is gone.
func (mw *ManifestWatcher) retryFailed() {
	for _, info := range mw.srv.Widgets() {
		if info.Name == "" && len(info.Errors) > 0 && strings.Contains(strings.Join(info.Errors, "\n"), "already taken") {
			mw.srv.Load(info.File)
		}
	}
}

// Close stops watching and waits for pending reloads.
func (mw *ManifestWatcher) Close() error {
	mw.mu.Lock()
	mw.closed = true
	for p, t := range mw.timers {
		if t.Stop() {
			mw.wg.Done()
		}
		delete(mw.timers, p)
	}
	mw.mu.Unlock()
	close(mw.done)
	err := mw.fsw.Close()
	mw.wg.Wait()
	return err
}
