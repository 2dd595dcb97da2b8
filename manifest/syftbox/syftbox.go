// Package syftbox knows what a SyftBox tree looks like on disk: where the
// data folder is, which names SyftBox ignores or writes while it syncs
// (in-flight downloads, conflict and rejection markers), how
// syft.pub.yaml permission files resolve for a path and a user, and the
// shape of RPC request and response files. The facts come from running
// the real SyftBox client (see docs/manifest.md, "SyftBox").
package syftbox

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// DataDir returns the SyftBox data folder that holds dir: the parent of
// the nearest folder named "datasites" at or above dir. ok is false when
// dir is not in a SyftBox tree.
func DataDir(dir string) (dataDir string, ok bool) {
	dir = filepath.Clean(dir)
	for {
		if filepath.Base(dir) == "datasites" {
			return filepath.Dir(dir), true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// FindDataDir is the SyftBox data folder the environment names: flag (from
// --syftbox) when set, else $SYFTBOX_DIR, else, for an app SyftBox runs
// (SYFTBOX_ASSIGNED_PORT is set), the folder above the working directory
// that holds datasites/, else ~/SyftBox when it exists.
func FindDataDir(flag string) (string, bool) {
	if flag != "" {
		return flag, true
	}
	if d := os.Getenv("SYFTBOX_DIR"); d != "" {
		return d, true
	}
	if os.Getenv("SYFTBOX_ASSIGNED_PORT") != "" {
		if wd, err := os.Getwd(); err == nil {
			for d := wd; ; {
				if fi, err := os.Stat(filepath.Join(d, "datasites")); err == nil && fi.IsDir() {
					return d, true
				}
				parent := filepath.Dir(d)
				if parent == d {
					break
				}
				d = parent
			}
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		d := filepath.Join(home, "SyftBox")
		if fi, err := os.Stat(filepath.Join(d, "datasites")); err == nil && fi.IsDir() {
			return d, true
		}
	}
	return "", false
}

// Datasite is the datasite (owner's email) a path lies in: its first
// segment that looks like an email, or "".
func Datasite(p string) string {
	for _, seg := range strings.Split(filepath.ToSlash(p), "/") {
		if i := strings.IndexByte(seg, '@'); i > 0 && i < len(seg)-1 {
			return seg
		}
	}
	return ""
}

var inFlightRE = regexp.MustCompile(`\.tmp\.[0-9]+$`)

// InFlight reports whether a path is a download SyftBox has not finished:
// <name>.tmp.<digits> in the target folder, or anything under .syft-tmp/.
func InFlight(rel string) bool {
	rel = filepath.ToSlash(rel)
	if inFlightRE.MatchString(path.Base(rel)) {
		return true
	}
	return rel == ".syft-tmp" || strings.HasPrefix(rel, ".syft-tmp/") || strings.Contains(rel, "/.syft-tmp/") || strings.HasSuffix(rel, "/.syft-tmp")
}

// Marker kinds: the local version SyftBox kept aside.
const (
	Conflict = "conflict"
	Rejected = "rejected"
)

var markerRE = regexp.MustCompile(`^(.*?)\.(conflict|rejected)(?:\.[0-9]{14})?(\.[^./]*)?$`)

// MarkerOwner reads a marker name: for "dir/a.conflict.csv" or
// "dir/a.conflict.20261130031517.csv" it returns "dir/a.csv" and
// Conflict. ok is false for a path that is not a marker.
func MarkerOwner(rel string) (owner, kind string, ok bool) {
	dir, name := path.Split(filepath.ToSlash(rel))
	g := markerRE.FindStringSubmatch(name)
	if g == nil || g[1] == "" {
		return "", "", false
	}
	return dir + g[1] + g[3], g[2], true
}

// MarkerName is the name of the newest marker of a kind for a file name:
// "a.csv" -> "a.conflict.csv"; the marker goes before the extension.
func MarkerName(name, kind string) string {
	dir, base := path.Split(name)
	ext := path.Ext(base)
	if ext == base {
		ext = ""
	}
	return dir + strings.TrimSuffix(base, ext) + "." + kind + ext
}
