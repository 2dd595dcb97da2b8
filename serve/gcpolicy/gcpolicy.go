// Package gcpolicy tunes Go's garbage collector for a long-running server
// whose heap is mostly what it keeps (the records of the files it watches)
// and whose work, once loaded, leaves a little garbage per change.
//
// Go lets the heap grow by GOGC percent of the live heap before it
// collects, and the process keeps the memory the heap grew to. A server
// that has been busy for a while therefore holds live × (1 + GOGC/100),
// whatever its changes cost. A fixed GOMEMLIMIT fits one tree only: over a
// bigger one, the server would collect without end. The policy here sets
// GOGC for a server (Policy.GCPercent, applied at Open, before the first
// load, so that loading runs as before) and then, once Follow is called
// (the first load is done), keeps a soft memory limit that follows the
// live heap: after each collection, the memory the runtime holds for what
// is alive plus a headroom of Policy.Fraction of the live heap, at least
// Policy.Floor. GOGC stays the ceiling: the limit only ever makes the
// collector run sooner. While the live heap grows (more than an eighth of
// what was allocated between two collections is still alive: a tree being
// loaded, a manifest added), the limit is lifted, so that loading is
// collected at GOGC's pace, not at the limit's.
//
// A user's own tuning wins: with GOGC or GOMEMLIMIT in the environment,
// the policy changes nothing.
package gcpolicy

import (
	"context"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// Policy is how a server's collector is tuned.
type Policy struct {
	// GCPercent is GOGC for the server: the most the heap grows past the
	// live heap, in percent (0 leaves the runtime's).
	GCPercent int
	// Fraction of the live heap the heap may grow by in a steady state
	// (0 keeps no limit: GCPercent alone).
	Fraction float64
	// Floor is the least headroom, in bytes: a small heap is not collected
	// after every few allocations.
	Floor int64
}

// Server is the policy of `run`, `serve` and the background servers: the
// heap grows by an eighth of the live heap (at least 4 MiB) between
// collections once loaded, by half while loading.
var Server = Policy{GCPercent: 50, Fraction: 1.0 / 8, Floor: 4 << 20}

// A Limiter applies a Policy to the process's collector from Open to Close.
// There is one collector per process: open one Limiter at a time.
type Limiter struct {
	p         Policy
	keepLimit bool  // GOGC or GOMEMLIMIT is set: no limit of ours
	oldGC     int   // the GC percent before Open, restored by Close (-1: untouched)
	oldLimit  int64 // the memory limit before Open, restored by Close

	mu      sync.Mutex
	cancel  context.CancelFunc
	done    chan struct{}
	limit   atomic.Int64           // the limit last set; math.MaxInt64 for none
	seen    atomic.Pointer[sample] // the figures it was set from
	gcs     chan struct{}
	stopped atomic.Bool // the collection sentinel must not re-arm
}

// Open applies p's GC percent, unless GOGC or GOMEMLIMIT is set in the
// environment: a user who tunes the collector gets exactly that tuning.
func Open(p Policy) *Limiter {
	l := &Limiter{p: p, oldGC: -1, oldLimit: debug.SetMemoryLimit(-1)}
	l.limit.Store(math.MaxInt64)
	tuned := os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != ""
	l.keepLimit = tuned || p.Fraction <= 0
	if !tuned && p.GCPercent > 0 {
		l.oldGC = debug.SetGCPercent(p.GCPercent)
	}
	return l
}

// Follow starts keeping the soft memory limit after the live heap: call it
// once the first load is done. Its goroutine first returns to the system
// what loading used and no longer needs (a collection, and the pages it
// frees), so that a server's memory right after loading is what it keeps.
// The limit follows until ctx is done or Close. A second call does nothing.
func (l *Limiter) Follow(ctx context.Context) {
	if l.keepLimit {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done != nil {
		return
	}
	ctx, l.cancel = context.WithCancel(ctx)
	l.done = make(chan struct{})
	l.gcs = make(chan struct{}, 1)
	go func() {
		defer close(l.done)
		debug.FreeOSMemory()
		l.arm()
		// The first limit from the collection FreeOSMemory ran.
		last := l.apply(sample{})
		for {
			select {
			case <-ctx.Done():
				l.stopped.Store(true)
				return
			case <-l.gcs:
				last = l.apply(last)
			}
		}
	}()
}

// Limit is the memory limit the Limiter set last, math.MaxInt64 for none.
func (l *Limiter) Limit() int64 { return l.limit.Load() }

// Limits reports whether Follow keeps a memory limit: false when the
// user's GOGC or GOMEMLIMIT is set, or the policy keeps none.
func (l *Limiter) Limits() bool { return !l.keepLimit }

// Close stops following the live heap and restores the GC percent and the
// memory limit the process had before Open.
func (l *Limiter) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cancel != nil {
		l.cancel()
		<-l.done
		l.cancel = nil
		debug.SetMemoryLimit(l.oldLimit)
		l.limit.Store(math.MaxInt64)
	}
	if l.oldGC >= 0 {
		debug.SetGCPercent(l.oldGC)
		l.oldGC = -1
	}
	return nil
}

// arm leaves an object for the next collection to find unreachable: its
// cleanup tells the Limiter a collection ended, and arms the next one.
// The cleanup runs on the runtime's cleanup goroutine, and only signals.
func (l *Limiter) arm() {
	sentinel := new([32]byte) // big enough not to share a tiny block
	runtime.AddCleanup(sentinel, func(l *Limiter) {
		if l.stopped.Load() {
			return
		}
		select {
		case l.gcs <- struct{}{}:
		default: // one pending is enough: apply reads the latest figures
		}
		l.arm()
	}, l)
}

// sample is what the runtime reports after a collection.
type sample struct {
	live   int64 // the heap marked live by the last collection
	base   int64 // the memory the runtime holds but for free pages and dead objects
	allocs int64 // the heap allocated since the process started
}

// metricNames are the runtime metrics read after a collection, in the order
// read reads them.
var metricNames = []string{
	"/gc/heap/live:bytes",
	"/memory/classes/total:bytes",
	"/memory/classes/heap/released:bytes",
	"/memory/classes/heap/free:bytes",
	"/memory/classes/heap/objects:bytes",
	"/gc/heap/allocs:bytes",
}

func read() sample {
	s := make([]metrics.Sample, len(metricNames))
	for i, n := range metricNames {
		s[i].Name = n
	}
	metrics.Read(s)
	v := func(i int) int64 {
		if s[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return int64(s[i].Value.Uint64())
	}
	live := v(0)
	// What counts against a memory limit is total - released; of that,
	// the free pages and the objects not yet found dead are headroom.
	base := v(1) - v(2) - v(3) - v(4) + live
	return sample{live: live, base: max(base, live), allocs: v(5)}
}

// apply sets the limit after the collection that produced the figures it
// reads, given those of the last one, and returns them.
func (l *Limiter) apply(last sample) sample {
	now := read()
	limit := l.p.limitFor(last, now)
	debug.SetMemoryLimit(limit)
	l.limit.Store(limit)
	l.seen.Store(&now)
	return now
}

// headroom is how far past the live heap the heap may grow when steady.
func (p Policy) headroom(live int64) int64 {
	return max(int64(p.Fraction*float64(live)), p.Floor)
}

// limitFor is the memory limit after a collection that found now, the one
// before having found last (zero for none): now's base plus the headroom,
// or none while the live heap grows. Serving changes leaves garbage, and
// the live heap stays as it was; a load keeps much of what it allocates:
// the heap grows when more than an eighth of what was allocated since the
// last collection is still alive (and more than a quarter of the floor,
// so that collections close together do not read noise as growth).
func (p Policy) limitFor(last, now sample) int64 {
	if last.allocs > 0 && now.live-last.live > max((now.allocs-last.allocs)/8, p.Floor/4) {
		return math.MaxInt64
	}
	return now.base + p.headroom(now.live)
}
