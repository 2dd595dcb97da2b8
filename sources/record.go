package sources

import (
	"strconv"
	"strings"

	"github.com/syft-widget/syft-widget/manifest"
)

// baseRecord fills the name fields of a record; they are substrings of
// rel, so a record costs one allocation for its path.
func baseRecord(rel string) *manifest.Record {
	r := &manifest.Record{Path: rel, Dir: "."}
	name := rel
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		r.Dir, name = rel[:i], rel[i+1:]
	}
	r.Name = name
	r.Ext = extOf(name)
	r.Stem = name[:len(name)-len(r.Ext)]
	return r
}

func missingRecord(rel string) *manifest.Record {
	return baseRecord(rel)
}

// extOf returns the extension with its dot, as Python's pathlib does: a
// leading dot starts a hidden name, not an extension (".env" has none).
func extOf(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || i == len(name)-1 {
		return ""
	}
	return name[i:]
}

// sameRecord reports whether two records say the same thing, so an
// unchanged re-read keeps the old pointer.
func sameRecord(a *manifest.Record, am meta, b *manifest.Record, bm meta) bool {
	return a != nil && b != nil && a.Size == b.Size && a.Mtime.Equal(b.Mtime) && a.Exists == b.Exists &&
		a.Error == b.Error && a.Stale == b.Stale && am == bm && (a.Data == nil) == (b.Data == nil)
}

// keepLastGood gives rec, a record of a file that exists but did not read
// or parse, the data of the file's previous record, marked stale: a file
// caught half-written by a sync tool shows what it said last, not nothing.
// A file never parsed keeps nil data.
func keepLastGood(rec, old *manifest.Record) {
	if old != nil && old.Exists && old.Data != nil {
		rec.Data, rec.Stale = old.Data, true
	}
}

// sizeOver writes the size of a file over limit, in bytes where rounding
// would make it read as the limit itself.
func sizeOver(size, limit int64) string {
	if text := manifest.FormatSize(float64(size)); text != manifest.FormatSize(float64(limit)) {
		return text
	}
	return strconv.FormatInt(size, 10) + " B"
}
