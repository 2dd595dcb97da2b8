package syftbox

import (
	"bufio"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// DefaultIgnore is SyftBox's built-in ignore list: these are never synced.
var DefaultIgnore = []string{
	"syftignore", "**/*.conflict.*", "**/*.rejected.*", "*.syft.tmp.*", ".syftkeep",
	".ipynb_checkpoints/", "__pycache__/", "*.py[cod]", "dist/", "venv/", ".venv/",
	".vscode", ".idea", ".git", "*.tmp", "*.log", "logs/", ".DS_Store", "Thumbds.db", "Icon",
}

// Ignore matches paths against SyftBox ignore rules, with gitignore's
// reading: a pattern without a slash matches a name at any depth; one with
// a slash is anchored at the datasites folder; a trailing slash matches
// folders (and so everything below them); "!" re-includes.
type Ignore struct {
	rules []ignoreRule
}

type ignoreRule struct {
	pat    string
	dir    bool // ends in "/": matches a folder on the path, not the file itself
	anchor bool // holds a "/": matched against the whole path
	negate bool
}

// NewIgnore compiles ignore lines (comments and blank lines skipped).
func NewIgnore(lines []string) *Ignore {
	ig := &Ignore{}
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		r := ignoreRule{}
		if r.negate = strings.HasPrefix(l, "!"); r.negate {
			l = l[1:]
		}
		if r.dir = strings.HasSuffix(l, "/"); r.dir {
			l = strings.TrimSuffix(l, "/")
		}
		l = strings.TrimPrefix(l, "/")
		r.anchor = strings.Contains(l, "/")
		if !doublestar.ValidatePattern(l) {
			continue
		}
		r.pat = l
		ig.rules = append(ig.rules, r)
	}
	return ig
}

// LoadIgnore is the ignore rules of a data folder: DefaultIgnore, then the
// lines of datasites/syftignore when there is one.
func LoadIgnore(dataDir string) *Ignore {
	lines := append([]string(nil), DefaultIgnore...)
	if f, err := os.Open(filepath.Join(dataDir, "datasites", "syftignore")); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		f.Close()
	}
	return NewIgnore(lines)
}

// Match reports whether the file at rel (relative to the datasites folder,
// "/"-separated) is ignored.
func (ig *Ignore) Match(rel string) bool {
	if ig == nil {
		return false
	}
	segs := strings.Split(rel, "/")
	ignored := false
	for _, r := range ig.rules {
		if r.matches(rel, segs) {
			ignored = !r.negate
		}
	}
	return ignored
}

func (r ignoreRule) matches(rel string, segs []string) bool {
	// The candidates: every folder on the path, and (unless the rule is
	// for folders) the file itself.
	n := len(segs)
	if r.dir {
		n--
	}
	for i := 1; i <= n; i++ {
		if r.anchor {
			if ok, _ := doublestar.Match(r.pat, strings.Join(segs[:i], "/")); ok {
				return true
			}
			continue
		}
		if ok, _ := path.Match(r.pat, segs[i-1]); ok {
			return true
		}
	}
	return false
}
