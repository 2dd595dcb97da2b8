package sources

import (
	"os"
	"path"
	"path/filepath"

	"github.com/syft-widget/syft-widget/manifest"
	"github.com/syft-widget/syft-widget/manifest/syftbox"
)

// syftTree is what a cache whose root lies in a SyftBox tree knows about
// it: where the root is below the datasites folder, and what SyftBox
// ignores.
type syftTree struct {
	prefix string // the root relative to the datasites folder, "/"-separated; "" at the folder itself
	ignore *syftbox.Ignore
}

// newSyftTree is the SyftBox tree root lies in, or nil.
func newSyftTree(root string) *syftTree {
	dataDir, ok := syftbox.DataDir(root)
	if !ok {
		return nil
	}
	rel, err := filepath.Rel(filepath.Join(dataDir, "datasites"), root)
	if err != nil {
		return nil
	}
	t := &syftTree{ignore: syftbox.LoadIgnore(dataDir)}
	if rel = filepath.ToSlash(rel); rel != "." {
		t.prefix = rel
	}
	return t
}

// full is rel (relative to the root) relative to the datasites folder.
func (t *syftTree) full(rel string) string {
	if t.prefix == "" {
		return rel
	}
	return t.prefix + "/" + rel
}

// skipFor is the test that leaves a file out of a source in this tree:
// downloads in flight always, and what SyftBox ignores unless the source
// says syftignore: false.
func (t *syftTree) skipFor(s *manifest.Source) func(rel string) bool {
	if t == nil {
		return nil
	}
	keepIgnored := s.NoSyftIgnore
	return func(rel string) bool {
		full := t.full(rel)
		return syftbox.InFlight(full) || (!keepIgnored && t.ignore.Match(full))
	}
}

// syncState fills a record's SyftBox fields: its datasite, and whether a
// conflict or rejection marker lies next to it. opener/name are how the
// file was opened, so the markers are looked up the same way.
func (t *syftTree) syncState(rec *manifest.Record, opener *os.Root, name string) {
	if t == nil {
		return
	}
	rec.Datasite = syftbox.Datasite(t.full(rec.Path))
	if _, _, isMarker := syftbox.MarkerOwner(rec.Path); isMarker {
		return
	}
	exists := func(kind string) bool {
		_, err := opener.Lstat(filepath.FromSlash(syftbox.MarkerName(filepath.ToSlash(name), kind)))
		return err == nil
	}
	rec.Conflict = exists(syftbox.Conflict)
	rec.Rejected = exists(syftbox.Rejected)
}

// owners adds, for every marker among paths, the file it belongs to, so
// that a marker appearing or going away refreshes its owner's flags.
func (t *syftTree) owners(paths []string) []string {
	if t == nil {
		return paths
	}
	for _, p := range paths {
		if owner, _, ok := syftbox.MarkerOwner(p); ok {
			paths = append(paths, path.Clean(owner))
		}
	}
	return paths
}
