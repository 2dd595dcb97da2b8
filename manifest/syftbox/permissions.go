package syftbox

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
)

// ACL is one syft.pub.yaml permission file.
type ACL struct {
	Dir      string // folder the file is in, relative to the datasites folder ("alice@x.org/public")
	Terminal bool   // deeper permission files are ignored
	Rules    []Rule
}

// Rule is one rule of a permission file.
type Rule struct {
	Pattern string // doublestar, relative to the file's folder; may hold {{.UserEmail}} and friends
	Admin   []string
	Write   []string
	Read    []string
}

// ParseACL reads a permission file's parsed YAML (as sources decode it) at
// dir. ok is false when it is not a valid permission file: rules missing
// or empty, a rule without pattern or access.
func ParseACL(dir string, data any) (ACL, bool) {
	m, _ := data.(map[string]any)
	if m == nil {
		return ACL{}, false
	}
	acl := ACL{Dir: strings.Trim(dir, "/")}
	if acl.Dir == "." {
		acl.Dir = ""
	}
	acl.Terminal, _ = m["terminal"].(bool)
	rules, _ := m["rules"].([]any)
	if len(rules) == 0 {
		return ACL{}, false
	}
	for _, r := range rules {
		rm, _ := r.(map[string]any)
		pat, _ := rm["pattern"].(string)
		access, _ := rm["access"].(map[string]any)
		if pat == "" || access == nil {
			return ACL{}, false
		}
		acl.Rules = append(acl.Rules, Rule{Pattern: pat, Admin: strs(access["admin"]), Write: strs(access["write"]), Read: strs(access["read"])})
	}
	return acl, true
}

func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Score orders rules most specific first, as SyftBox does: "**" -100,
// "**/*" -99, any other pattern 2 x its length + 10 x its slashes (+50 with
// a template), -20 for a leading *, -10 for every other *, -2 for each of
// ? ! [ {.
func Score(pattern string) int {
	switch pattern {
	case "**":
		return -100
	case "**/*":
		return -99
	}
	s := 2*len(pattern) + 10*strings.Count(pattern, "/")
	if strings.Contains(pattern, "{{") {
		s += 50
	}
	stars := strings.Count(pattern, "*")
	if strings.HasPrefix(pattern, "*") {
		s -= 20
		stars--
	}
	s -= 10 * stars
	for _, c := range "?![{" {
		s -= 2 * strings.Count(pattern, string(c))
	}
	return s
}

// ReservedSegments right after the datasite's email cannot be written by
// anyone but the owner.
var ReservedSegments = []string{"api", ".well-known", "_internal"}

// Decision is how a path resolves: the permission file and rule that
// decide, and who may read, write and administer it.
type Decision struct {
	Owner    string   // the datasite's email
	File     string   // the deciding syft.pub.yaml, relative to the datasites folder; "" when none
	Rule     string   // the deciding rule's pattern; "" when no rule matches (private)
	Terminal bool     // the deciding file is terminal
	Reserved bool     // the path is reserved (api, .well-known, _internal)
	Admin    []string // entries as written: emails, email globs, "*", "USER"
	Write    []string
	Read     []string
}

// Tree is a datasites folder's permission files, ready to resolve many
// paths: the files by folder, their rules in SyftBox's order.
type Tree struct {
	byDir map[string]*ACL
}

// NewTree prepares acls for Resolve and Access.
func NewTree(acls []ACL) *Tree {
	t := &Tree{byDir: make(map[string]*ACL, len(acls))}
	for i := range acls {
		a := acls[i]
		a.Rules = append([]Rule(nil), a.Rules...)
		sort.SliceStable(a.Rules, func(i, j int) bool { return Score(a.Rules[i].Pattern) > Score(a.Rules[j].Pattern) })
		t.byDir[a.Dir] = &a
	}
	return t
}

// Resolve decides a path (relative to the datasites folder, starting with
// the owner's email) against the permission files of the tree, for the
// user whose email expands the rules' templates ("" when asking in
// general).
func Resolve(acls []ACL, p, user string) Decision { return NewTree(acls).Resolve(p, user) }

// Resolve is the package's Resolve against the prepared files.
func (t *Tree) Resolve(p, user string) Decision {
	p = strings.Trim(path.Clean("/"+p), "/")
	d := Decision{Owner: Datasite(p)}
	if d.Owner != "" {
		rest := strings.TrimPrefix(strings.TrimPrefix(p, d.Owner), "/")
		first, _, _ := strings.Cut(rest, "/")
		for _, r := range ReservedSegments {
			d.Reserved = d.Reserved || first == r
		}
	}
	// The nearest permission file on the path; a terminal one ends the walk.
	acl := t.byDir[""]
	if acl == nil || !acl.Terminal {
		for i := 0; i < len(p); i++ { // the folders on the path: "a", "a/b", ... (not the file)
			if p[i] != '/' {
				continue
			}
			if a := t.byDir[p[:i]]; a != nil {
				acl = a
				if a.Terminal {
					break
				}
			}
		}
	}
	if acl == nil {
		return d
	}
	d.File = path.Join(acl.Dir, "syft.pub.yaml")
	d.Terminal = acl.Terminal
	rel := strings.TrimPrefix(strings.TrimPrefix(p, acl.Dir), "/")
	for _, r := range acl.Rules {
		if ok, _ := doublestar.Match(expand(r.Pattern, user), rel); ok {
			d.Rule = r.Pattern
			d.Admin, d.Write, d.Read = r.Admin, r.Write, r.Read
			break
		}
	}
	return d
}

// expand fills a pattern's templates for user.
func expand(pattern, user string) string {
	if !strings.Contains(pattern, "{{") {
		return pattern
	}
	sum := sha256.Sum256([]byte(user))
	now := time.Now()
	r := strings.NewReplacer(
		"{{.UserEmail}}", user,
		"{{.UserHash}}", hex.EncodeToString(sum[:])[:16],
		"{{.Year}}", now.Format("2006"),
		"{{.Month}}", now.Format("01"),
		"{{.Date}}", now.Format("2006-01-02"),
	)
	return r.Replace(pattern)
}

// Levels of access, each including the ones before.
const (
	None  = "none"
	Read  = "read"
	Write = "write"
	Admin = "admin"
)

// Access is what user may do with the path: admin, write, read or none.
// The owner may do everything; a reserved path is at most readable for
// others; a syft.pub.yaml file needs admin to change.
func Access(acls []ACL, p, user string) string { return NewTree(acls).Access(p, user) }

// Access is the package's Access against the prepared files.
func (t *Tree) Access(p, user string) string {
	d := t.Resolve(p, user)
	if user != "" && d.Owner == user {
		return Admin
	}
	level := None
	switch {
	case listed(d.Admin, user):
		level = Admin
	case listed(d.Write, user):
		level = Write
	case listed(d.Read, user):
		level = Read
	}
	if d.Reserved && level != None {
		level = Read
	}
	if path.Base(p) == "syft.pub.yaml" && level == Write {
		level = Read // changing a permission file needs admin
	}
	return level
}

// listed reports whether user is in an access list: by email, email glob,
// "*" (everyone) or "USER" (the requester, whom the rule's template names).
func listed(list []string, user string) bool {
	for _, e := range list {
		switch {
		case e == "*" || e == "USER":
			return true
		case user == "":
		case e == user:
			return true
		case strings.ContainsAny(e, "*?["):
			if ok, _ := path.Match(e, user); ok {
				return true
			}
		}
	}
	return false
}
