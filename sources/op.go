package sources

import (
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/syft-widget/syft-widget/manifest"
)

// op is one pass over the filesystem: paths to re-examine, and optionally a
// walk of every source. It collects a change set per source; Cache.update
// applies them.
type op struct {
	forced   []string              // root-relative paths to re-examine and re-read
	full     bool                  // walk every covered source from the root
	only     []bool                // sources this op covers, by index; nil: all
	onDir    func(rel string)      // called before a folder's entries are listed
	deferErr func(rel string) bool // keep the old record when a fresh read fails to parse; called concurrently
	retry    []string              // out: paths whose parse error was deferred

	c       *Cache
	root    *os.Root
	cs      []map[string]entry // per source: path -> new record (nil: removed)
	covered []bool             // per source: cs holds every record (a full walk)
	dirs    map[string]dirMemo // folders opened for forced paths
	buf     []byte
	retried map[string]bool
	// The folder walk is listing: its files are read through its open
	// descriptor (see readIn).
	listing   *os.Root
	listingFD int
}

// dirEntry is an entry of a folder's listing.
type dirEntry struct {
	name    string
	typ     fs.FileMode // the type bits
	unknown bool        // the filesystem did not say the type
}

type entry struct {
	rec  *manifest.Record
	meta meta
	read bool // produced by a read in this op
}

type dirMemo struct {
	r   *os.Root
	err error
}

var (
	errNotDir     = errors.New("not a folder")
	errNotRegular = errors.New("not a regular file")
)

func (o *op) covers(i int) bool { return o.only == nil || o.only[i] }

func (o *op) set(i int, rel string, e entry) {
	if o.cs[i] == nil {
		o.cs[i] = make(map[string]entry)
	}
	o.cs[i][rel] = e
}

func (o *op) has(i int, rel string) (entry, bool) {
	e, ok := o.cs[i][rel]
	return e, ok
}

func (o *op) run() {
	root, err := o.c.openRoot()
	if err != nil {
		// No root (yet), or one leading out of its confinement: every
		// source is empty.
		for i := range o.c.srcs {
			o.covered[i] = o.covers(i)
		}
		return
	}
	o.root = root
	defer func() {
		for _, d := range o.dirs {
			if d.r != nil {
				d.r.Close()
			}
		}
		root.Close()
	}()
	// Folders after files, so a file both named and below a walked folder
	// is read once, by its forced re-read.
	o.walkFolders(o.rereadForced())
	if o.full {
		o.walkAll(root)
	}
}

// rereadForced looks again at every path the watch named, and returns the
// folders among them, to be walked.
func (o *op) rereadForced() (walks []string) {
	for _, rel := range o.forced {
		o.trimDirs()
		if rel == "." {
			o.full = true
			continue
		}
		if !o.relevant(rel) {
			continue
		}
		dir, name := splitRel(rel)
		parent, err := o.dirRoot(dir)
		var fi fs.FileInfo
		if err == nil {
			fi, err = parent.Lstat(name)
		}
		if err != nil {
			o.gone(rel)
			continue
		}
		o.visit(rel, parent, name, fi.Mode().Type(), fi, true, nil, nil)
		if fi.IsDir() {
			walks = append(walks, rel)
		} else {
			o.goneBelow(rel) // it may have been a folder
		}
	}
	return walks
}

// walkFolders walks each folder for the sources that may hold files in it,
// and forgets what it no longer holds.
func (o *op) walkFolders(walks []string) {
	for _, rel := range walks {
		o.trimDirs()
		var srcs []int
		for i, s := range o.c.srcs {
			if o.covers(i) && s.mayContain(rel) {
				srcs = append(srcs, i)
			}
		}
		if len(srcs) == 0 {
			continue
		}
		sub, err := o.dirRoot(rel)
		if err != nil {
			o.gone(rel)
			continue
		}
		o.walk(rel, sub, srcs)
		o.dropUnseen(rel, srcs)
	}
}

// walkAll walks the whole tree for every source the operation covers.
func (o *op) walkAll(root *os.Root) {
	if o.only == nil {
		o.c.blocked = nil // the walk finds them again
	}
	var srcs []int
	for i := range o.c.srcs {
		if o.covers(i) {
			srcs = append(srcs, i)
			o.covered[i] = true
		}
	}
	o.walk(".", root, srcs)
}

// relevant reports whether some covered source cares about rel.
func (o *op) relevant(rel string) bool {
	for i, s := range o.c.srcs {
		if o.covers(i) && s.related(rel) {
			return true
		}
	}
	return false
}

func splitRel(rel string) (dir, name string) {
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		return rel[:i], rel[i+1:]
	}
	return ".", rel
}

// dirRoot opens a folder for forced paths, refusing symlinked folders on the
// way, as the walk does; opened folders are kept for the rest of the op.
func (o *op) dirRoot(dir string) (*os.Root, error) {
	if dir == "." {
		return o.root, nil
	}
	if d, ok := o.dirs[dir]; ok {
		return d.r, d.err
	}
	if o.dirs == nil {
		o.dirs = make(map[string]dirMemo)
	}
	parentDir, name := splitRel(dir)
	parent, err := o.dirRoot(parentDir)
	var r *os.Root
	if err == nil {
		var fi fs.FileInfo
		fi, err = parent.Lstat(name)
		if err == nil && !fi.IsDir() {
			err = errNotDir
		}
		if err == nil {
			r, err = parent.OpenRoot(name)
		}
	}
	o.dirs[dir] = dirMemo{r, err}
	return r, err
}

// trimDirs closes the folders kept open for forced paths when there are many;
// called where none of them is in use.
func (o *op) trimDirs() {
	if len(o.dirs) <= 256 {
		return
	}
	for _, d := range o.dirs {
		if d.r != nil {
			d.r.Close()
		}
	}
	o.dirs = nil
}

// walk lists a folder (opened as r) and its subfolders for the sources srcs,
// visiting the files they match. Symlinked folders are not followed.
func (o *op) walk(dir string, r *os.Root, srcs []int) {
	if o.onDir != nil {
		o.onDir(dir)
	}
	o.c.readable(dir)
	f, err := r.Open(".")
	if err != nil {
		o.c.unreadable(dir, srcs, err)
		return
	}
	fd := dirFD(f)
	ents, err := listDir(f, fd) // what could be listed is still worth having
	if err != nil {
		o.c.unreadable(dir, srcs, err)
	}
	var jobs []*readJob
	var subdirs []string
	o.listing, o.listingFD = r, fd
	for _, e := range ents {
		child := e.name
		if dir != "." {
			child = dir + "/" + e.name
		}
		if e.unknown {
			fi, err := r.Lstat(e.name)
			if err != nil {
				continue // gone since
			}
			e.typ = fi.Mode().Type()
		}
		if e.typ.IsDir() {
			o.visit(child, r, e.name, e.typ, nil, false, srcs, nil) // a file source may name it
			subdirs = append(subdirs, e.name)
			continue
		}
		o.visit(child, r, e.name, e.typ, nil, false, srcs, &jobs)
	}
	o.listing = nil
	o.runJobs(jobs)
	f.Close() // after the jobs, which read through it
	for _, name := range subdirs {
		child := name
		if dir != "." {
			child = dir + "/" + name
		}
		var sub []int
		for _, i := range srcs {
			if o.c.srcs[i].mayContain(child) {
				sub = append(sub, i)
			}
		}
		if len(sub) == 0 {
			continue
		}
		cr, err := r.OpenRoot(name)
		if err != nil {
			o.c.unreadable(child, sub, err)
			continue
		}
		o.walk(child, cr, sub)
		cr.Close()
	}
}

// gone records that rel no longer exists: its records and those below it go.
func (o *op) gone(rel string) {
	for i, s := range o.c.srcs {
		if !o.covers(i) || s.bad != "" {
			continue
		}
		if old, _ := s.lookup(rel); old != nil {
			o.set(i, rel, entry{})
		}
	}
	o.goneBelow(rel)
}

// goneBelow records that nothing exists below rel any more.
func (o *op) goneBelow(rel string) {
	for i, s := range o.c.srcs {
		if !o.covers(i) || s.bad != "" {
			continue
		}
		if s.file != "" {
			if strings.HasPrefix(s.file, rel+"/") {
				o.set(i, s.file, entry{})
			}
			continue
		}
		lo, hi := s.under(rel)
		for j := lo; j < hi; j++ {
			o.set(i, s.recs.At(j).Path, entry{})
		}
	}
}

// dropUnseen removes the records below a walked folder that the walk did not
// find.
func (o *op) dropUnseen(dir string, srcs []int) {
	for _, i := range srcs {
		s := o.c.srcs[i]
		if s.file != "" {
			if strings.HasPrefix(s.file, dir+"/") {
				if _, seen := o.has(i, s.file); !seen {
					o.set(i, s.file, entry{})
				}
			}
			continue
		}
		lo, hi := s.under(dir)
		for j := lo; j < hi; j++ {
			p := s.recs.At(j).Path
			if _, seen := o.has(i, p); !seen {
				o.set(i, p, entry{})
			}
		}
	}
}

// visit examines the path rel, named name in the folder parent, of type t
// (fi is its Lstat when known), for the sources in cands (nil: all covered).
// forced re-reads it even when its size and mtime did not change. When jobs
// is not nil, a needed read is queued there instead of done at once.
func (o *op) visit(rel string, parent *os.Root, name string, t fs.FileMode, fi fs.FileInfo, forced bool, cands []int, jobs *[]*readJob) {
	var wantBuf [8]int
	want := o.wanting(wantBuf[:0], rel, forced, cands)
	if len(want) == 0 {
		return
	}

	opener, openName := parent, name
	inListing := false
	switch {
	case t&fs.ModeSymlink != 0:
		// Followed through the root, which refuses to leave it.
		st, ok := o.followLink(rel, want)
		if !ok {
			return
		}
		fi, opener, openName = st, o.root, filepath.FromSlash(rel)
	case t.IsRegular():
		inListing = parent == o.listing && o.listingFD >= 0
		// A file no source has a record of is read without a look first:
		// the open file's Fstat tells what an Lstat would.
		if fi == nil && !(inListing && o.unseen(rel, want)) {
			st, err := parent.Lstat(name)
			if err != nil {
				o.absent(rel, want, "")
				return
			}
			if !st.Mode().IsRegular() {
				o.visit(rel, parent, name, st.Mode().Type(), st, forced, want, jobs)
				return
			}
			fi = st
		}
	default:
		o.absent(rel, want, kindError(t))
		return
	}

	j := o.newReadJob(rel, opener, openName, fi, forced, want)
	if len(j.srcs) == 0 {
		return
	}
	if inListing {
		j.dirfd = o.listingFD
	}
	if jobs != nil {
		*jobs = append(*jobs, j)
		return
	}
	o.exec(j, &o.buf)
	o.commit(j)
}

// wanting appends to want the sources among cands (nil: all) that cover
// rel, match it and have no current entry for it (or must re-read it).
func (o *op) wanting(want []int, rel string, forced bool, cands []int) []int {
	for i, s := range o.c.srcs {
		if cands != nil && !slicesContains(cands, i) {
			continue
		}
		if !o.covers(i) || !s.matches(rel) {
			continue
		}
		if e, ok := o.has(i, rel); ok && (!forced || e.read) {
			continue
		}
		want = append(want, i)
	}
	return want
}

// unseen reports whether rel is new to every source of want, and each
// reads it: none has a record to compare with its Lstat.
func (o *op) unseen(rel string, want []int) bool {
	for _, i := range want {
		s := o.c.srcs[i]
		if old, _ := s.lookup(rel); old != nil || s.file != "" || s.format == "none" {
			return false
		}
	}
	return true
}

// followLink stats the target of the symlink rel through the root; a
// missing, escaping or non-regular target is recorded for want and gives
// false.
func (o *op) followLink(rel string, want []int) (fs.FileInfo, bool) {
	st, err := o.root.Stat(filepath.FromSlash(rel))
	if errors.Is(err, fs.ErrNotExist) {
		o.absent(rel, want, "")
		return nil, false
	}
	if err != nil {
		o.failed(rel, want, symlinkError(err), nil)
		return nil, false
	}
	if !st.Mode().IsRegular() {
		o.absent(rel, want, kindError(st.Mode()))
		return nil, false
	}
	return st, true
}

// newReadJob is the read of rel for the sources in want whose record is not
// current; the others keep theirs.
func (o *op) newReadJob(rel string, opener *os.Root, openName string, fi fs.FileInfo, forced bool, want []int) *readJob {
	j := &readJob{rel: rel, opener: opener, name: openName, fi: fi, limit: -1, dirfd: -1}
	for _, i := range want {
		s := o.c.srcs[i]
		old, om := s.lookup(rel)
		if !forced && old != nil && fi != nil && old.Exists && !om.transient() && old.Size == fi.Size() &&
			old.Mtime.Equal(fi.ModTime()) && om.ino == inode(fi) {
			o.set(i, rel, entry{rec: old, meta: om})
			continue
		}
		if s.format != "none" && (fi == nil || fi.Size() <= s.max) {
			j.limit = max(j.limit, s.max)
		}
		j.srcs = append(j.srcs, i)
	}
	return j
}

// readJob is the read of one file for the sources that need it; exec fills
// in the entries, commit records them.
type readJob struct {
	rel     string
	opener  *os.Root
	name    string
	fi      fs.FileInfo
	srcs    []int
	limit   int64 // largest limit among sources that read it; -1: no read
	out     []entry
	retried bool
	dirfd   int // the open folder of name, when the walk listing it has one; -1 otherwise
}

// runJobs executes the reads of one folder, in parallel when there are
// enough of them: reading small files is mostly waiting on system calls.
func (o *op) runJobs(jobs []*readJob) {
	workers := min(runtime.GOMAXPROCS(0), 4, len(jobs)/8)
	if workers <= 1 {
		for _, j := range jobs {
			o.exec(j, &o.buf)
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var buf []byte
				for {
					k := int(next.Add(1)) - 1
					if k >= len(jobs) {
						return
					}
					o.exec(jobs[k], &buf)
				}
			}()
		}
		wg.Wait()
	}
	for _, j := range jobs {
		o.commit(j)
	}
}

func (o *op) commit(j *readJob) {
	for k, i := range j.srcs {
		o.set(i, j.rel, j.out[k])
	}
	if j.retried {
		o.addRetry(j.rel)
	}
}

// exec reads the file of a job and builds a record per source. It touches
// nothing shared but the read counter, so jobs run in parallel.
func (o *op) exec(j *readJob, buf *[]byte) {
	var b []byte
	st := j.fi
	var rerr error
	read := j.limit >= 0
	if read {
		var got fs.FileInfo
		if j.dirfd >= 0 {
			b, got, rerr = o.readIn(j.dirfd, j.name, j.limit, buf)
		} else {
			b, got, rerr = o.read(j.opener, j.name, j.limit, buf)
		}
		if got != nil {
			st = got
		}
	}
	j.out = make([]entry, len(j.srcs))
	if st == nil {
		// Not looked at before (unseen), and the open failed: gone since
		// the listing, or there but unreadable.
		fi, err := j.opener.Lstat(j.name)
		if err != nil {
			for k := range j.out {
				j.out[k] = entry{read: true}
			}
			return
		}
		st = fi
	}
	for k, i := range j.srcs {
		s := o.c.srcs[i]
		old, om := s.lookup(j.rel)
		rec := baseRecord(j.rel)
		rec.Exists = true
		rec.Size = st.Size()
		rec.Mtime = st.ModTime()
		o.c.syft.syncState(rec, j.opener, j.name)
		m := meta{ino: inode(st)}
		switch {
		case read && rerr != nil:
			rec.Error = readError(rerr)
			m.sum = transientBit
		case rec.Size > s.max || int64(len(b)) > s.max:
			rec.Error = fmt.Sprintf("file is %s, over the %s limit of source %s; not read",
				sizeOver(max(rec.Size, int64(len(b))), s.max), manifest.FormatSize(float64(s.max)), s.name)
		case s.format == "none":
		default:
			rec.Size = int64(len(b))
			m.sum = contentSum(maphash.Bytes(o.c.seed, b))
			data, err := decode(s.format, rec.Name, b)
			if err != nil {
				if o.deferErr != nil && o.deferErr(j.rel) {
					// Maybe half-written: keep what was there and look again soon.
					j.retried = true
					if old != nil && old.Exists {
						j.out[k] = entry{rec: old, meta: om, read: true}
					} else {
						j.out[k] = entry{read: true}
					}
					continue
				}
				rec.Error = err.Error()
			} else {
				rec.Data = data
			}
		}
		if rec.Error != "" {
			keepLastGood(rec, old)
		}
		if sameRecord(old, om, rec, m) {
			rec = old
		}
		j.out[k] = entry{rec: rec, meta: m, read: true}
	}
}

func slicesContains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func (o *op) addRetry(rel string) {
	if o.retried == nil {
		o.retried = make(map[string]bool)
	}
	if !o.retried[rel] {
		o.retried[rel] = true
		o.retry = append(o.retry, rel)
	}
}

// absent handles a path that is not a readable regular file: glob sources
// drop it; a file source gets a record saying what is there instead (why),
// or a missing record.
func (o *op) absent(rel string, want []int, why string) {
	for _, i := range want {
		s := o.c.srcs[i]
		if s.file == "" {
			if old, _ := s.lookup(rel); old != nil {
				o.set(i, rel, entry{})
			} else {
				o.set(i, rel, entry{read: true})
			}
			continue
		}
		if why == "" {
			o.set(i, rel, entry{read: true})
			continue
		}
		o.failed(rel, []int{i}, why, nil)
	}
}

// failed gives the sources a record of rel that says why it was not read.
func (o *op) failed(rel string, want []int, why string, fi fs.FileInfo) {
	for _, i := range want {
		old, om := o.c.srcs[i].lookup(rel)
		rec := baseRecord(rel)
		rec.Exists = true
		rec.Error = why
		if fi != nil {
			rec.Size, rec.Mtime = fi.Size(), fi.ModTime()
		}
		keepLastGood(rec, old)
		m := meta{sum: transientBit}
		if sameRecord(old, om, rec, m) {
			rec = old
		}
		o.set(i, rel, entry{rec: rec, meta: m, read: true})
	}
}

func kindError(t fs.FileMode) string {
	switch {
	case t.IsDir():
		return "not read: it is a folder, not a file"
	case t&fs.ModeNamedPipe != 0:
		return "not read: it is a named pipe, not a regular file"
	case t&fs.ModeSocket != 0:
		return "not read: it is a socket, not a regular file"
	case t&fs.ModeDevice != 0:
		return "not read: it is a device, not a regular file"
	}
	return "not read: it is not a regular file"
}

func symlinkError(err error) string {
	if strings.Contains(err.Error(), "escapes") {
		return "not read: it is a symlink that leads outside the root"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return "not read: cannot follow the symlink: " + err.Error()
}

func readError(err error) string {
	if errors.Is(err, errNotRegular) {
		return "not read: it is not a regular file"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return "cannot read the file: " + err.Error()
}

// read returns the content of a regular file of at most limit bytes (more
// means a file over the limit: the caller says so), and its Stat from the
// open file, so size and mtime go with the content read.
func (o *op) read(r *os.Root, name string, limit int64, buf *[]byte) ([]byte, fs.FileInfo, error) {
	f, err := r.OpenFile(name, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, st, errNotRegular
	}
	if st.Size() > limit {
		return nil, st, nil
	}
	o.c.reads.Add(1)
	want := int(st.Size()) + 1 // one more byte tells EOF, or growth, in one go
	if cap(*buf) < want {
		*buf = make([]byte, 0, max(want, 512)) // a refresh reads one small file
	}
	b := (*buf)[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if int64(len(b)) > limit {
			break
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, st, err
		}
	}
	if cap(b) <= 1<<20 {
		*buf = b[:0] // keep small buffers for the next file
	} else {
		*buf = nil
	}
	return b, st, nil
}

// decode parses b in the source's format; auto picks it by extension, and an
// unknown extension is text when b is valid UTF-8 and nothing otherwise.
func decode(format, name string, b []byte) (any, error) {
	if format == "auto" {
		format = FormatFor(name)
		if format == "" {
			if utf8.Valid(b) {
				return text(b), nil
			}
			return nil, nil
		}
	}
	return Parse(format, b)
}
