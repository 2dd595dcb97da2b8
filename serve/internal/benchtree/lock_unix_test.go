//go:build unix

package benchtree

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
)

func TestATreeStaysLockedAfterACollection(t *testing.T) {
	dir := t.TempDir()
	lockTree(t, dir)
	runtime.GC()
	runtime.GC() // the first runs finalizers queued, the second frees
	f, err := os.Open(filepath.Join(dir, ".lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); !errors.Is(err, syscall.EWOULDBLOCK) {
		t.Fatalf("another open of the lock file took it (%v): the tree is not locked", err)
	}
}
