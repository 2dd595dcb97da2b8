// Package sources turns a manifest's sources into records and keeps them
// current. A Cache globs the files of each source under the manifest's root,
// parses them by format and keeps one record per path, so that a change
// re-reads only the files that changed; a Watcher feeds it the changed paths
// from filesystem events (or from polling). Reads never leave the root.
package sources

import (
	"hash/maphash"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/syft-widget/syft-widget/manifest"
)

// Cache holds the records of one manifest's sources, one record per path.
// It is safe for concurrent use; Scan and Refresh run one at a time.
type Cache struct {
	root string
	// jail and jailRel: see ConfineTo.
	jail, jailRel string
	srcs          []*source
	seed          maphash.Seed

	mu      sync.Mutex // serialises Scan and Refresh; guards the sources' records
	scanned bool
	pub     atomic.Pointer[[]any] // published value of each source, by index
	blocked map[string]blockedDir // folders the last walks could not list, by root-relative path; guarded by mu
	syft    *syftTree             // the SyftBox tree the root is in, or nil
	reads   atomic.Int64
}

// NewCache prepares a cache of the sources under root; nothing is read until
// Scan. A source whose pattern leaves the root stays empty (a file source
// gets a record with an error).
func NewCache(root string, srcs []*manifest.Source) *Cache {
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	c := &Cache{root: filepath.Clean(root), seed: maphash.MakeSeed()}
	c.syft = newSyftTree(c.root)
	vals := make([]any, len(srcs))
	for i, s := range srcs {
		src := newSource(s)
		src.skip = c.syft.skipFor(s)
		if src.bad != "" && src.one != nil {
			src.one.Error = "not read: " + src.bad
		}
		c.srcs = append(c.srcs, src)
		vals[i] = src.value()
	}
	c.pub.Store(&vals)
	return c
}

func (s *source) value() any {
	if s.file != "" {
		return s.one
	}
	return s.recs
}

// Scan globs every source and (re)reads the files whose size, mtime or inode
// changed (the first Scan reads them all). It returns the names of the
// sources whose records changed; the first Scan returns every source.
func (c *Cache) Scan() []string {
	return c.update(&op{full: true})
}

// Refresh re-examines just these paths, absolute or relative to the root
// with "/": a file is re-read (or dropped when gone), a folder is walked for
// files that appeared, changed or vanished under it. It returns the names of
// the sources whose records changed. Which sources a path belongs to is
// decided by matching it against each source's pattern, not by scanning the
// records.
func (c *Cache) Refresh(paths []string) []string {
	o := &op{}
	for _, p := range paths {
		if rel, ok := c.rel(p); ok {
			o.forced = append(o.forced, rel)
		}
	}
	return c.update(o)
}

// Snapshot returns the value of every source by name:
// *manifest.Chunks[*manifest.Record] sorted by Path for a glob source, *manifest.Record for a file source
// (Exists false when the file is missing). Records and lists are never
// modified once returned, so a snapshot may be held while the cache moves on;
// a list changed by a few files shares its untouched chunks with the one
// before, and says which records went in and out (Chunks.Since).
func (c *Cache) Snapshot() map[string]any {
	vals := *c.pub.Load()
	m := make(map[string]any, len(c.srcs))
	for i, s := range c.srcs {
		m[s.name] = vals[i]
	}
	return m
}

// Reads counts the files read since NewCache.
func (c *Cache) Reads() int64 { return c.reads.Load() }

// rel turns an absolute path, or one relative to the root with "/", into a
// clean root-relative path; ok is false for paths outside the root.
func (c *Cache) rel(p string) (string, bool) {
	if filepath.IsAbs(p) {
		r, err := filepath.Rel(c.root, p)
		if err != nil {
			return "", false
		}
		p = filepath.ToSlash(r)
	}
	p = path.Clean(strings.ReplaceAll(p, "\\", "/"))
	if p == ".." || strings.HasPrefix(p, "../") || path.IsAbs(p) {
		return "", false
	}
	return p, true
}

// update runs one op under the lock, applies its changes to the records and
// publishes them; it returns the names of the sources that changed.
func (c *Cache) update(o *op) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	o.c = c
	o.forced = c.syft.owners(o.forced)
	o.cs = make([]map[string]entry, len(c.srcs))
	o.covered = make([]bool, len(c.srcs))
	o.run()

	first := o.full && o.only == nil && !c.scanned
	if o.full && o.only == nil {
		c.scanned = true
	}
	var changed []int
	for i, s := range c.srcs {
		if !o.covers(i) || s.bad != "" {
			continue
		}
		if s.apply(o.cs[i], o.covered[i]) || first {
			changed = append(changed, i)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	vals := slices.Clone(*c.pub.Load())
	names := make([]string, 0, len(changed))
	for _, i := range changed {
		vals[i] = c.srcs[i].value()
		names = append(names, c.srcs[i].name)
	}
	c.pub.Store(&vals)
	return names
}

// lookup finds the current record of a path by binary search.
func (s *source) lookup(rel string) (*manifest.Record, meta) {
	if s.file != "" {
		if rel == s.file {
			return s.one, s.meta1
		}
		return nil, meta{}
	}
	i, ok := s.search(rel)
	if !ok {
		return nil, meta{}
	}
	return s.recs.At(i), s.metas[i]
}

// search returns the index of the first record whose path is not before p,
// and whether its path is p.
func (s *source) search(p string) (int, bool) {
	i := sort.Search(s.recs.Len(), func(i int) bool { return s.recs.At(i).Path >= p })
	return i, i < s.recs.Len() && s.recs.At(i).Path == p
}

// under returns the index range of the records below folder dir.
func (s *source) under(dir string) (lo, hi int) {
	lo, _ = s.search(dir + "/")
	// "0" follows "/" in byte order: every path below dir sorts before dir+"0".
	hi, _ = s.search(dir + "0")
	return lo, hi
}

// apply merges a change set into the records; full means the set holds every
// record that exists now. It reports whether anything changed.
func (s *source) apply(cs map[string]entry, full bool) bool {
	switch {
	case s.file != "":
		return s.applyFile(cs, full)
	case full:
		return s.replaceAll(cs)
	}
	keys := s.changedKeys(cs)
	if len(keys) == 0 {
		return false
	}
	if !s.replaceInPlace(cs, keys) && !s.edit(cs, keys) {
		s.merge(cs, keys)
	}
	return true
}

// applyFile is apply for a source of one file.
func (s *source) applyFile(cs map[string]entry, full bool) bool {
	e, ok := cs[s.file]
	if !ok {
		if !full || (!s.one.Exists && s.one.Error == "") {
			return false
		}
		e = entry{rec: missingRecord(s.file)}
	}
	if e.rec == nil {
		if !s.one.Exists && s.one.Error == "" {
			return false
		}
		e.rec = missingRecord(s.file)
	}
	if e.rec == s.one {
		return false
	}
	s.one, s.meta1 = e.rec, e.meta
	return true
}

// replaceAll is apply for a change set that holds every record.
func (s *source) replaceAll(cs map[string]entry) bool {
	recs := make([]*manifest.Record, 0, len(cs))
	for _, e := range cs {
		if e.rec != nil {
			recs = append(recs, e.rec)
		}
	}
	slices.SortFunc(recs, func(a, b *manifest.Record) int { return strings.Compare(a.Path, b.Path) })
	if s.same(recs) {
		return false
	}
	if keys := s.differences(recs); keys != nil && s.edit(cs, keys) {
		return true // a rescan that found a few files new or gone
	}
	metas := make([]meta, len(recs))
	for i, r := range recs {
		metas[i] = cs[r.Path].meta
	}
	s.recs, s.metas = manifest.NewChunks(recs), metas
	return true
}

// same reports whether recs are the current records.
func (s *source) same(recs []*manifest.Record) bool {
	if len(recs) != s.recs.Len() {
		return false
	}
	for i, r := range s.recs.All() {
		if recs[i] != r {
			return false
		}
	}
	return true
}

// differences lists the paths whose records differ between the current
// records and recs (sorted by path), or nil when there are more than
// maxEdits. A record kept is kept with its meta (sameRecord).
func (s *source) differences(recs []*manifest.Record) []string {
	var keys []string
	i, j, n := 0, 0, s.recs.Len()
	for (i < n || j < len(recs)) && len(keys) <= maxEdits {
		switch {
		case j == len(recs) || (i < n && s.recs.At(i).Path < recs[j].Path):
			keys = append(keys, s.recs.At(i).Path)
			i++
		case i == n || recs[j].Path < s.recs.At(i).Path:
			keys = append(keys, recs[j].Path)
			j++
		default:
			if s.recs.At(i) != recs[j] {
				keys = append(keys, recs[j].Path)
			}
			i, j = i+1, j+1
		}
	}
	if len(keys) > maxEdits {
		return nil
	}
	return keys
}

// changedKeys lists the paths of cs whose record differs from the current one.
func (s *source) changedKeys(cs map[string]entry) []string {
	keys := make([]string, 0, len(cs))
	for k, e := range cs {
		if old, _ := s.lookup(k); e.rec != old {
			keys = append(keys, k)
		}
	}
	return keys
}

// replaceInPlace applies keys when each replaces an existing record (files
// changed in place), and reports whether it could.
func (s *source) replaceInPlace(cs map[string]entry, keys []string) bool {
	// The common case: the new version shares every chunk but the ones
	// touched, so it costs the change, not the source. Metas are private
	// and updated where they are.
	idx := make([]int, len(keys))
	vals := make([]*manifest.Record, len(keys))
	for k, key := range keys {
		i, found := s.search(key)
		if !found || cs[key].rec == nil {
			return false
		}
		idx[k], vals[k] = i, cs[key].rec
	}
	for k, key := range keys {
		s.metas[idx[k]] = cs[key].meta
	}
	s.recs = s.recs.With(idx, vals)
	return true
}

// maxEdits is the most records a change adds or removes one by one (see
// edit); more are merged.
const maxEdits = 64

// edit applies keys that add, remove or replace records one by one, each
// a version of the records made from the one before (Chunks.Insert,
// Delete, With), so that the incremental evaluation learns what changed
// from the versions (Chunks.Since) and a new file costs one chunk and a
// move of the metas, not a copy of every record. It reports whether it
// could: not for more than maxEdits keys.
func (s *source) edit(cs map[string]entry, keys []string) bool {
	if len(keys) > maxEdits {
		return false
	}
	slices.Sort(keys)
	for _, k := range keys {
		e := cs[k]
		switch i, found := s.search(k); {
		case found && e.rec != nil:
			s.recs = s.recs.With([]int{i}, []*manifest.Record{e.rec})
			s.metas[i] = e.meta
		case found:
			s.recs = s.recs.Delete(i)
			s.metas = deleteMeta(s.metas, i)
		case e.rec != nil:
			s.recs = s.recs.Insert(i, e.rec)
			s.metas = slices.Insert(s.metas, i, e.meta)
		}
	}
	return true
}

// deleteMeta is slices.Delete(metas, i, i+1), but moves the metas before
// i when they are fewer: removing the first file (the oldest job) moves
// nothing, where a million metas are 16 MB to move. The slice then starts
// later in its array, which an append that grows it lets go.
func deleteMeta(metas []meta, i int) []meta {
	if i >= len(metas)/2 {
		return slices.Delete(metas, i, i+1)
	}
	copy(metas[1:i+1], metas[:i])
	return metas[1:]
}

// merge applies keys that add or remove records: one pass over the sorted
// records and the sorted keys, O(records), and a new list that shares
// nothing with the old one.
func (s *source) merge(cs map[string]entry, keys []string) {
	slices.Sort(keys)
	n := s.recs.Len()
	recs := make([]*manifest.Record, 0, n+len(keys))
	metas := make([]meta, 0, n+len(keys))
	i := 0
	for _, k := range keys {
		for ; i < n && s.recs.At(i).Path < k; i++ {
			recs = append(recs, s.recs.At(i))
			metas = append(metas, s.metas[i])
		}
		if i < n && s.recs.At(i).Path == k {
			i++ // replaced or removed
		}
		if e := cs[k]; e.rec != nil {
			recs = append(recs, e.rec)
			metas = append(metas, e.meta)
		}
	}
	for ; i < n; i++ {
		recs = append(recs, s.recs.At(i))
		metas = append(metas, s.metas[i])
	}
	s.recs, s.metas = manifest.NewChunks(recs), metas
}
