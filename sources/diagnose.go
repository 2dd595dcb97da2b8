package sources

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/syft-widget/syft-widget/manifest"
)

// blockedDir is a folder a walk could not list, and the sources that may
// have had files in it.
type blockedDir struct {
	srcs []int
	err  string
}

// readable notes that dir was listed; called under c.mu.
func (c *Cache) readable(dir string) { delete(c.blocked, dir) }

// unreadable notes that dir could not be listed; called under c.mu.
func (c *Cache) unreadable(dir string, srcs []int, err error) {
	if c.blocked == nil {
		c.blocked = make(map[string]blockedDir)
	}
	msg := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) {
		msg = pe.Err.Error()
	}
	c.blocked[dir] = blockedDir{srcs: slices.Clone(srcs), err: msg}
}

// SourceStatus says what a source matches now.
type SourceStatus struct {
	Name    string
	Pattern string   // the glob, or the file
	Files   int      // files matched (a file source: 1 when it exists)
	Errors  int      // matched files whose record has an error
	Paths   []string // the matched files, root-relative, sorted
}

// Diagnosis is what a user should know about a cache's sources after a
// scan: how many files each matches, and the warnings that explain an empty
// or short widget (a missing root, a source that matches nothing, a folder
// or file that cannot be read).
type Diagnosis struct {
	Root     string
	Sources  []SourceStatus
	Warnings []string
}

// Diagnose reports on the cache's sources as of the last Scan or Refresh:
// the files each matches, and every warning (Warnings, plus files that
// could not be read or parsed).
func (c *Cache) Diagnose() Diagnosis {
	d := Diagnosis{Root: c.root}
	vals := *c.pub.Load()
	warnings := c.Warnings()
	for i, s := range c.srcs {
		st := SourceStatus{Name: s.name, Pattern: s.glob}
		var recs []*manifest.Record
		if s.file != "" {
			st.Pattern = s.file
			if r, _ := vals[i].(*manifest.Record); r != nil && r.Exists {
				recs = append(recs, r)
			}
		} else {
			recs = vals[i].(*manifest.Chunks[*manifest.Record]).Slice()
		}
		var firstErr *manifest.Record
		for _, r := range recs {
			st.Paths = append(st.Paths, r.Path)
			if r.Error != "" {
				st.Errors++
				if firstErr == nil {
					firstErr = r
				}
			}
		}
		st.Files = len(recs)
		d.Sources = append(d.Sources, st)
		if st.Errors > 0 {
			warnings = append(warnings, unreadableFiles(s.name, st.Errors, st.Files, firstErr))
		}
	}
	d.Warnings = warnings
	return d
}

func unreadableFiles(source string, n, of int, first *manifest.Record) string {
	return fmt.Sprintf("source %s: %d of %d files could not be read or parsed (first: %s: %s)", source, n, of, first.Path, first.Error)
}

// FileWarnings are the warnings about files that could not be read or
// parsed, one per source that has any; a pass over the records.
func (c *Cache) FileWarnings() []string {
	var out []string
	vals := *c.pub.Load()
	for i, s := range c.srcs {
		// A list is read by chunk: a flat copy would stay with the version.
		var recs *manifest.Chunks[*manifest.Record]
		if r, ok := vals[i].(*manifest.Record); ok && r != nil && r.Exists {
			recs = manifest.NewChunks([]*manifest.Record{r})
		} else if list, ok := vals[i].(*manifest.Chunks[*manifest.Record]); ok {
			recs = list
		}
		n := 0
		var first *manifest.Record
		for _, r := range recs.All() {
			if r.Error != "" {
				if n++; first == nil {
					first = r
				}
			}
		}
		if n > 0 {
			out = append(out, unreadableFiles(s.name, n, recs.Len(), first))
		}
	}
	return out
}

// Warnings are the reasons a source may show less than the user expects
// that cost no pass over the records: a missing root, a source that
// matches nothing, a folder that cannot be listed.
func (c *Cache) Warnings() []string {
	var out []string
	for _, w := range c.warnings() {
		out = append(out, w.msg)
	}
	return out
}

// Notices are the warnings that say something is wrong rather than empty:
// a missing root, a folder that cannot be listed, an unusable pattern. A
// source that matches nothing is not among them: an empty folder is often
// the truth (no request pending).
func (c *Cache) Notices() []string {
	var out []string
	for _, w := range c.warnings() {
		if w.wrong {
			out = append(out, w.msg)
		}
	}
	return out
}

type warning struct {
	msg   string
	wrong bool // not just empty: broken
}

func (c *Cache) warnings() []warning {
	var out []warning
	add := func(wrong bool, format string, args ...any) {
		out = append(out, warning{fmt.Sprintf(format, args...), wrong})
	}
	if fi, err := os.Stat(c.root); err != nil {
		add(true, "root %s does not exist: every source is empty (check root: in the manifest, or --syftbox)", c.root)
	} else if !fi.IsDir() {
		add(true, "root %s is not a folder: every source is empty", c.root)
	}
	type blockedAt struct {
		dir string
		blockedDir
	}
	c.mu.Lock()
	var blocked []blockedAt
	for dir, b := range c.blocked {
		blocked = append(blocked, blockedAt{dir, b})
	}
	c.mu.Unlock()
	slices.SortFunc(blocked, func(a, b blockedAt) int { return strings.Compare(a.dir, b.dir) })
	vals := *c.pub.Load()
	for i, s := range c.srcs {
		switch {
		case s.bad != "":
			add(true, "source %s: %s", s.name, s.bad)
		case s.file != "":
			if r, _ := vals[i].(*manifest.Record); r == nil || !r.Exists {
				add(false, "source %s: file %s does not exist under %s", s.name, s.file, c.root)
			}
		default:
			if recs, _ := vals[i].(*manifest.Chunks[*manifest.Record]); recs.Len() == 0 {
				why := ""
				if s.skipped.Load() {
					why = " that SyftBox syncs (files that match are ignored by SyftBox or still downloading; syftignore: false keeps the ignored ones)"
				}
				add(false, "source %s: no file matches %s under %s%s", s.name, s.glob, c.root, why)
			}
		}
		for _, b := range blocked {
			if slices.Contains(b.srcs, i) {
				add(true, "source %s: folder %s cannot be read (%s): files in it are not counted", s.name, b.dir, b.err)
			}
		}
	}
	return out
}

// String is the diagnosis as lines: one per source, then the warnings.
func (d Diagnosis) String() string {
	var b strings.Builder
	for _, s := range d.Sources {
		fmt.Fprintf(&b, "source %s: %d %s %s", s.Name, s.Files, plural(s.Files, "file matches", "files match"), s.Pattern)
		if s.Errors > 0 {
			fmt.Fprintf(&b, " (%d with errors)", s.Errors)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
