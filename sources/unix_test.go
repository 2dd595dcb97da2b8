//go:build unix

package sources

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/syft-widget/syft-widget/manifest"
)

// Tests run as root, which reads any file whatever its mode, so an
// unreadable path is made another way: a symlink loop in a glob, and a file
// source that names a FIFO or a folder. Where the tests do not run as root,
// a chmod 000 file is checked too.
func TestUnreadablePathsGiveARecordWithAnError(t *testing.T) {
	root := t.TempDir()
	os.Symlink("loop-b.json", filepath.Join(root, "loop-a.json"))
	os.Symlink("loop-a.json", filepath.Join(root, "loop-b.json"))
	if err := syscall.Mkfifo(filepath.Join(root, "pipe.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(root, "dir.json"), 0o755)
	write(t, root, "good.json", `1`)
	nonRoot := os.Geteuid() != 0
	if nonRoot {
		write(t, root, "locked.json", `1`)
		os.Chmod(filepath.Join(root, "locked.json"), 0)
	}
	c := NewCache(root, []*manifest.Source{
		globSource("all", "*.json"), fileSource("pipe", "pipe.json"), fileSource("dir", "dir.json"),
	})
	c.Scan() // must not block on the FIFO
	got := map[string]*manifest.Record{}
	for _, r := range records(t, c, "all") {
		got[r.Path] = r
	}
	for _, p := range []string{"loop-a.json", "loop-b.json"} {
		if r := got[p]; r == nil || !strings.Contains(r.Error, "symbolic links") || r.Data != nil {
			t.Errorf("%s = %+v, want an error record", p, r)
		}
	}
	if _, listed := got["pipe.json"]; listed {
		t.Errorf("a FIFO is not a regular file and is not listed by a glob")
	}
	if _, listed := got["dir.json"]; listed {
		t.Errorf("a folder is not listed by a glob")
	}
	if r := got["good.json"]; r == nil || r.Data != 1 {
		t.Errorf("good.json = %+v", r)
	}
	if nonRoot {
		if r := got["locked.json"]; r == nil || !strings.Contains(r.Error, "permission denied") {
			t.Errorf("locked.json = %+v", r)
		}
	}
	if r := c.Snapshot()["pipe"].(*manifest.Record); r.Error != "not read: it is a named pipe, not a regular file" || r.Data != nil {
		t.Errorf("pipe = %+v", r)
	}
	if r := c.Snapshot()["dir"].(*manifest.Record); r.Error != "not read: it is a folder, not a file" {
		t.Errorf("dir = %+v", r)
	}
}
