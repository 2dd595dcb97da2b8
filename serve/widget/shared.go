package widget

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/syft-widget/syft-widget/manifest"
	"github.com/syft-widget/syft-widget/sources"
)

// Started widgets whose sources are the same (same root, same names,
// patterns, formats and limits) share one cache and one watch: a dashboard
// folder often holds several widgets over one tree, and each copy of its
// records would cost what the tree costs. Widgets that are only loaded
// (render, eval) keep their own cache: nothing would release a shared one.
var shared = struct {
	sync.Mutex
	caches map[string]*sharedCache
}{caches: map[string]*sharedCache{}}

// sharedCache is one cache, its watcher, and the widgets it feeds.
type sharedCache struct {
	key     string
	cache   *sources.Cache
	watcher *sources.Watcher

	mu   sync.Mutex
	subs map[*Widget]func(changed []string)
}

// sourcesKey says what a cache of m's sources holds (confined to the
// folder jail, at rel, when jail is not "") and how it is watched;
// manifests with the same key can share one. The update interval is the
// polling period of a polled source: widgets that poll sources at
// different paces keep caches of their own.
func sourcesKey(m *manifest.Manifest, jail, rel string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%q %q %q", m.Root, jail, rel)
	for _, s := range m.Sources {
		fmt.Fprintf(&b, "|%q %q %q %q %q %d %q", s.Name, s.Glob, s.File, s.Format, s.Exclude, s.MaxFileSize, s.Watch)
		if s.Watch == "poll" {
			fmt.Fprintf(&b, " every %s", m.UpdateInterval)
		}
	}
	return b.String()
}

// join subscribes w to the shared cache of its sources, making one (from
// w's own cache, already scanned) and starting its watch if there is none.
// onChange gets the names of the sources that changed.
func join(w *Widget, interval time.Duration, onChange func(changed []string), log *slog.Logger) (*sharedCache, error) {
	shared.Lock()
	defer shared.Unlock()
	key := w.key
	sc := shared.caches[key]
	if sc == nil {
		if w.borrowed {
			// Taken from widgets that have all stopped since: the files
			// went unwatched for a while.
			w.cache.Scan()
		}
		sc = &sharedCache{key: key, cache: w.cache, subs: map[*Widget]func([]string){}}
		watcher, err := sources.Watch(sc.cache, interval, sc.changed, log)
		if err != nil {
			return nil, err
		}
		sc.watcher = watcher
		shared.caches[key] = sc
	}
	sc.mu.Lock()
	sc.subs[w] = onChange
	sc.mu.Unlock()
	return sc, nil
}

// changed fans a change out to every widget of the cache.
func (sc *sharedCache) changed(names []string) {
	sc.mu.Lock()
	subs := make([]func([]string), 0, len(sc.subs))
	for _, f := range sc.subs {
		subs = append(subs, f)
	}
	sc.mu.Unlock()
	for _, f := range subs {
		f(names)
	}
}

// leave unsubscribes w; the last widget to leave stops the watch.
func (sc *sharedCache) leave(w *Widget) error {
	shared.Lock()
	defer shared.Unlock()
	sc.mu.Lock()
	delete(sc.subs, w)
	last := len(sc.subs) == 0
	sc.mu.Unlock()
	if !last {
		return nil
	}
	delete(shared.caches, sc.key)
	return sc.watcher.Close()
}

// sharedCacheOf returns the cache that started widgets with this sources
// key share, or nil: a widget being loaded reads its records from there
// instead of reading every file again.
func sharedCacheOf(key string) *sources.Cache {
	shared.Lock()
	defer shared.Unlock()
	if sc := shared.caches[key]; sc != nil {
		return sc.cache
	}
	return nil
}

// share moves a widget being started onto the shared cache of its sources
// and, if that is not the cache it was evaluated from, evaluates it afresh
// from there.
func (w *Widget) share(ctx context.Context) error {
	sc, err := join(w, w.M.UpdateInterval, func(changed []string) {
		select {
		case w.dirty <- changed:
		case <-ctx.Done():
		}
	}, w.log)
	if err != nil {
		return err
	}
	w.shared = sc
	if sc.cache != w.cache {
		w.evalMu.Lock()
		w.cache = sc.cache
		w.evalMu.Unlock()
		w.update(w.M.Endpoints)
	} else if w.borrowed {
		// Evaluated from a cache that others watched: what changed while
		// it evaluated was told to them, not to w.
		w.update(w.M.Endpoints)
	}
	return nil
}
