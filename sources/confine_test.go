package sources

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/syft-widget/syft-widget/manifest"
)

// TestAConfinedRootIsCheckedAtEveryPass: a root missing at load that later
// appears as a symlink leading out of the confining folder is refused, and
// one that appears as a real folder is read.
func TestAConfinedRootIsCheckedAtEveryPass(t *testing.T) {
	jail, out := t.TempDir(), t.TempDir()
	write(t, out, "secret.json", `{"token": "x"}`)
	c := NewCache(filepath.Join(jail, "state"), []*manifest.Source{globSource("files", "**/*.json")})
	c.ConfineTo(jail, "state")
	c.Scan()
	if n := len(records(t, c, "files")); n != 0 {
		t.Fatalf("%d records before the root exists", n)
	}
	if err := os.Symlink(out, filepath.Join(jail, "state")); err != nil {
		t.Fatal(err)
	}
	c.Scan()
	if recs := records(t, c, "files"); len(recs) != 0 {
		t.Fatalf("read through a symlink leading out: %v", recs[0].Path)
	}
	os.Remove(filepath.Join(jail, "state"))
	write(t, jail, "state/a.json", `{}`)
	c.Scan()
	if recs := records(t, c, "files"); len(recs) != 1 || recs[0].Path != "a.json" {
		t.Fatalf("the real root: %v", recs)
	}
}
