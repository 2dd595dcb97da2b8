package gcpolicy

import (
	"context"
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

const mib = 1 << 20

var testPolicy = Policy{GCPercent: 50, Fraction: 1.0 / 8, Floor: 4 * mib}

func TestSteadyLimitIsWhatTheRuntimeHoldsPlusAFractionOfTheLiveHeap(t *testing.T) {
	last := sample{live: 100 * mib, base: 108 * mib, allocs: 1000 * mib}
	// 12 MiB allocated since, all of it garbage but 1 MiB (1/12: serving).
	now := sample{live: 101 * mib, base: 110 * mib, allocs: 1012 * mib}
	if got, want := testPolicy.limitFor(last, now), int64(110*mib+101*mib/8); got != want {
		t.Errorf("limit = %d, want %d (base + live/8)", got, want)
	}
	// The first collection followed has none before it.
	if got, want := testPolicy.limitFor(sample{}, now), int64(110*mib+101*mib/8); got != want {
		t.Errorf("first limit = %d, want %d", got, want)
	}
}

func TestSmallHeapGetsTheFloor(t *testing.T) {
	now := sample{live: 2 * mib, base: 6 * mib, allocs: 50 * mib}
	if got, want := testPolicy.limitFor(now, now), int64(10*mib); got != want {
		t.Errorf("limit = %d, want %d (base + 4 MiB)", got, want)
	}
}

func TestGrowingLiveHeapLiftsTheLimit(t *testing.T) {
	last := sample{live: 100 * mib, base: 108 * mib, allocs: 1000 * mib}
	// 12 MiB allocated, 2 MiB of it kept: more than an eighth (loading).
	grown := sample{live: 102 * mib, base: 110 * mib, allocs: 1012 * mib}
	if got := testPolicy.limitFor(last, grown); got != math.MaxInt64 {
		t.Errorf("limit while loading = %d, want none", got)
	}
	// Collected at GOGC's pace: 51 MiB allocated, 20 kept.
	more := sample{live: 122 * mib, base: 130 * mib, allocs: 1063 * mib}
	if got := testPolicy.limitFor(grown, more); got != math.MaxInt64 {
		t.Errorf("limit while still loading = %d, want none", got)
	}
	// Once it stops growing, the limit follows it again.
	steady := sample{live: 122*mib + 512<<10, base: 131 * mib, allocs: 1100 * mib}
	if got, want := testPolicy.limitFor(more, steady), int64(131*mib+steady.live/8); got != want {
		t.Errorf("limit once loaded = %d, want %d", got, want)
	}
	// A live heap that shrinks is followed down.
	shrunk := sample{live: 50 * mib, base: 58 * mib, allocs: 1110 * mib}
	if got, want := testPolicy.limitFor(steady, shrunk), int64(58*mib+50*mib/8); got != want {
		t.Errorf("limit after a shrink = %d, want %d", got, want)
	}
}

func TestCollectionsCloseTogetherDoNotReadAsGrowth(t *testing.T) {
	// Two collections with next to nothing allocated between: a few
	// hundred KiB more alive is not a load.
	last := sample{live: 100 * mib, base: 108 * mib, allocs: 1000 * mib}
	now := sample{live: 100*mib + 300<<10, base: 108 * mib, allocs: 1000*mib + 400<<10}
	if got := testPolicy.limitFor(last, now); got == math.MaxInt64 {
		t.Error("the limit was lifted for 300 KiB more alive")
	}
}

// untuned clears the tuning a user may have given, for the test.
func untuned(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
}

func gcPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

// collectUntil runs collections until ok holds for the limit the Limiter
// set after one of them.
func collectUntil(t *testing.T, l *Limiter, what string, ok func(limit int64, s sample) bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		runtime.GC()
		for wait := time.Now().Add(100 * time.Millisecond); time.Now().Before(wait); runtime.Gosched() {
			if s := l.seen.Load(); s != nil && ok(l.Limit(), *s) {
				return
			}
		}
		if time.Now().After(deadline) {
			s := l.seen.Load()
			t.Fatalf("%s: not within 10 s (limit %d, last figures %+v)", what, l.Limit(), s)
		}
	}
}

func TestLimitFollowsTheLiveHeapAndCloseRestoresTheRuntime(t *testing.T) {
	untuned(t)
	gcBefore, limitBefore := gcPercent(), debug.SetMemoryLimit(-1)
	l := Open(testPolicy)
	if got := gcPercent(); got != 50 {
		t.Fatalf("GC percent after Open = %d, want 50", got)
	}
	if l.Limit() != math.MaxInt64 || debug.SetMemoryLimit(-1) != limitBefore {
		t.Fatal("Open set a memory limit: only Follow does, once loaded")
	}
	l.Follow(context.Background())
	collectUntil(t, l, "a limit once following", func(limit int64, s sample) bool {
		return limit != math.MaxInt64 && debug.SetMemoryLimit(-1) == limit
	})

	// A heap that grows by 64 MiB is let grow; once steady, the limit is
	// the memory held for it plus an eighth of it.
	ballast := make([]byte, 64*mib)
	for i := range ballast {
		ballast[i] = 1
	}
	collectUntil(t, l, "a limit of the memory held for the grown heap plus an eighth of it", func(limit int64, s sample) bool {
		return s.live >= 64*mib && limit == s.base+s.live/8 && debug.SetMemoryLimit(-1) == limit
	})
	runtime.KeepAlive(ballast)

	// Once the heap shrinks, so does the limit.
	ballast = nil
	collectUntil(t, l, "the limit following the heap down", func(limit int64, s sample) bool {
		return limit < 64*mib && s.live < 64*mib
	})

	l.Close()
	if got := debug.SetMemoryLimit(-1); got != limitBefore {
		t.Errorf("memory limit after Close = %d, want %d as before Open", got, limitBefore)
	}
	if got := gcPercent(); got != gcBefore {
		t.Errorf("GC percent after Close = %d, want %d as before Open", got, gcBefore)
	}
	select {
	case <-l.done:
	default:
		t.Error("the following goroutine still runs after Close")
	}
}

func TestUserTuningWins(t *testing.T) {
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Run(env, func(t *testing.T) {
			untuned(t)
			t.Setenv(env, map[string]string{"GOGC": "120", "GOMEMLIMIT": "1GiB"}[env])
			gcBefore, limitBefore := gcPercent(), debug.SetMemoryLimit(-1)
			l := Open(testPolicy)
			defer l.Close()
			l.Follow(context.Background())
			if l.Limits() || l.done != nil {
				t.Error("Follow started following the live heap")
			}
			if got := debug.SetMemoryLimit(-1); got != limitBefore {
				t.Errorf("memory limit = %d, want %d (the user's)", got, limitBefore)
			}
			if got := gcPercent(); got != gcBefore {
				t.Errorf("GC percent = %d, want %d (the user's)", got, gcBefore)
			}
		})
	}
}

func TestFollowingStopsWithItsContext(t *testing.T) {
	untuned(t)
	limitBefore := debug.SetMemoryLimit(-1)
	l := Open(testPolicy)
	ctx, cancel := context.WithCancel(context.Background())
	l.Follow(ctx)
	cancel()
	select {
	case <-l.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the following goroutine did not stop within 10 s of its context")
	}
	l.Close()
	if got := debug.SetMemoryLimit(-1); got != limitBefore {
		t.Errorf("memory limit after Close = %d, want %d", got, limitBefore)
	}
}
