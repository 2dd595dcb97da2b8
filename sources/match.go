package sources

import (
	"path"
	"strings"
	"sync/atomic"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/syft-widget/syft-widget/manifest"
)

// source is a manifest source prepared for matching, plus its records.
type source struct {
	name    string
	glob    string                // doublestar pattern; "" for a file source
	file    string                // the one file of a file source
	fileDir string                // path.Dir(file)
	excl    []string              // exclude patterns
	format  string                // auto | json | ...
	max     int64                 // max_file_size
	poll    bool                  // watch: poll
	git     bool                  // the pattern names .git, so .git folders are walked
	segs    []string              // glob split at "/"; nil when braces make segments unreliable
	base    string                // static folder of the glob (doublestar.SplitPattern)
	bad     string                // why the pattern is unusable ("" when fine)
	skip    func(rel string) bool // files left out in a SyftBox tree; nil elsewhere
	skipped atomic.Bool           // skip left out a file the pattern matched

	// Records, guarded by Cache.mu. recs is sorted by Path and published as
	// is (it is immutable): a change in place makes a version that shares
	// the untouched chunks.
	recs  *manifest.Chunks[*manifest.Record]
	metas []meta // parallel to recs; internal, updated in place
	one   *manifest.Record
	meta1 meta
}

// meta is what tells a re-read apart from an unchanged file beyond size and
// mtime: the inode (atomic saves replace it) and a hash of the content. A
// source keeps one per file (16 bytes: a million files are 16 MB), so
// whether the record holds an error worth looking at again is the hash's
// lowest bit, not a field padded to 8 bytes.
type meta struct {
	ino uint64
	sum uint64 // the content's hash, but its lowest bit: transientBit
}

const transientBit = 1

func (m meta) transient() bool { return m.sum&transientBit != 0 }

// contentSum is the sum of a meta for content hashed to h.
func contentSum(h uint64) uint64 { return h &^ transientBit }

func newSource(s *manifest.Source) *source {
	src := &source{
		name:   s.Name,
		excl:   s.Exclude,
		format: s.Format,
		max:    s.MaxFileSize,
		poll:   s.Watch == "poll",
	}
	if src.format == "" {
		src.format = "auto"
	}
	if src.max <= 0 {
		src.max = manifest.DefaultMaxFileSize
	}
	pat := s.Glob
	if s.IsFile() {
		pat = s.File
	}
	pat = strings.TrimPrefix(pat, "./")
	switch {
	case pat == "" || strings.HasPrefix(pat, "/") || hasDotDot(pat):
		src.bad = "the path must stay inside the root (no leading /, no ..)"
	case !s.IsFile() && !doublestar.ValidatePattern(pat):
		src.bad = "the pattern is not a valid glob"
	}
	if s.IsFile() {
		src.file = path.Clean(pat)
		src.fileDir = path.Dir(src.file)
		src.git = strings.Contains(pat, ".git")
		src.one = missingRecord(src.file)
		return src
	}
	src.glob = pat
	src.git = strings.Contains(pat, ".git")
	src.base, _ = doublestar.SplitPattern(pat)
	if !strings.Contains(pat, "{") {
		src.segs = strings.Split(pat, "/")
	}
	src.recs = manifest.NewChunks([]*manifest.Record{})
	return src
}

func hasDotDot(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return true
		}
	}
	return false
}

// hasGit reports whether a path has a .git segment.
func hasGit(rel string) bool {
	return rel == ".git" || strings.HasPrefix(rel, ".git/") || strings.Contains(rel, "/.git/") || strings.HasSuffix(rel, "/.git")
}

// matches reports whether the file at rel belongs to the source.
func (s *source) matches(rel string) bool {
	if s.bad != "" {
		return false
	}
	if s.file != "" {
		return rel == s.file
	}
	if !s.git && hasGit(rel) {
		return false
	}
	if !doublestar.MatchUnvalidated(s.glob, rel) {
		return false
	}
	if s.skip != nil && s.skip(rel) {
		s.skipped.Store(true)
		return false
	}
	for _, x := range s.excl {
		if doublestar.MatchUnvalidated(x, rel) {
			return false
		}
	}
	return true
}

// mayContain reports whether files of the source can lie under the folder dir
// (or under folders below it). It is exact enough to prune the walk and the
// watches, and errs on the side of yes.
func (s *source) mayContain(dir string) bool {
	if s.bad != "" {
		return false
	}
	if dir == "." {
		return true
	}
	if s.file != "" {
		return dir == s.fileDir || strings.HasPrefix(s.fileDir, dir+"/")
	}
	if !s.git && hasGit(dir) {
		return false
	}
	for _, x := range s.excl {
		// "X/**" leaves out everything below a folder matching X.
		if pre, ok := strings.CutSuffix(x, "/**"); ok && doublestar.MatchUnvalidated(pre, dir) {
			return false
		}
		if x == "**" {
			return false
		}
	}
	if s.segs == nil {
		return dir == s.base || s.base == "." || strings.HasPrefix(s.base, dir+"/") || strings.HasPrefix(dir, s.base+"/")
	}
	i := 0
	for rest := dir; ; i++ {
		seg, more, _ := strings.Cut(rest, "/")
		if i >= len(s.segs) {
			return false
		}
		p := s.segs[i]
		if p == "**" {
			return true
		}
		if i == len(s.segs)-1 {
			// The last segment names files; a folder at this depth holds none.
			return false
		}
		if !doublestar.MatchUnvalidated(p, seg) {
			return false
		}
		if more == "" {
			return true
		}
		rest = more
	}
}

// related reports whether a path is worth examining for this source: a file
// it matches, or a folder that may hold its files.
func (s *source) related(rel string) bool {
	return s.matches(rel) || s.mayContain(rel)
}
