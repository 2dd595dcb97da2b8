//go:build unix

package benchtree

import (
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// held maps each tree this process has locked to its open lock file: kept
// reachable, or the file's finalizer would close it and drop the lock.
var held sync.Map

// lockTree makes this process the only one using the tree at dir until it
// exits: benchmarks edit the cached trees in place, and two runs at once
// would each see the other's half-written files. A second run waits.
func lockTree(b testing.TB, dir string) {
	if _, ok := held.Load(dir); ok {
		return
	}
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	// The descriptor stays open, and the lock held, until the process ends.
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		b.Fatal(err)
	}
	held.Store(dir, f)
}
