package sources

import (
	"fmt"
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
		a.Error == b.Error && am == bm && (a.Data == nil) == (b.Data == nil) &&
		a.Conflict == b.Conflict && a.Rejected == b.Rejected
}

// humanSize writes a byte count the way people read it: 512 bytes, 8 MiB,
// 12.5 MiB; fixed keeps one decimal even when whole (12.0 MiB).
func humanSize(n int64, fixed bool) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	f := float64(n) / unit
	i := 0
	for f >= unit && i < len(units)-1 {
		f /= unit
		i++
	}
	if !fixed && f == float64(int64(f)) {
		return fmt.Sprintf("%d %s", int64(f), units[i])
	}
	return fmt.Sprintf("%.1f %s", f, units[i])
}
