package syftbox

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"
)

// tree is a datasites folder's permission files, as SyftBox users write them.
var tree = map[string]string{
	"alice@x.org":             "rules:\n- pattern: '**'\n  access: {admin: [], write: [], read: []}\n",
	"alice@x.org/public":      "rules:\n- pattern: '**'\n  access: {read: ['*']}\n",
	"alice@x.org/shared":      "rules:\n- pattern: '**'\n  access: {read: ['bob@x.org']}\n- pattern: 'results/*.csv'\n  access: {write: ['bob@x.org', '*@example.org'], read: ['*']}\n- pattern: '*.md'\n  access: {read: ['carol@example.org']}\n",
	"alice@x.org/shared/deep": "rules:\n- pattern: '**'\n  access: {read: ['dave@x.org']}\n",
	"alice@x.org/term":        "terminal: true\nrules:\n- pattern: '**'\n  access: {read: ['*']}\n",
	"alice@x.org/term/inner":  "rules:\n- pattern: '**'\n  access: {read: []}\n",
	"alice@x.org/users":       "rules:\n- pattern: '{{.UserEmail}}/**'\n  access: {read: [USER], write: [USER]}\n",
	"alice@x.org/scoring":     "rules:\n- pattern: '**'\n  access: {read: ['*']}\n- pattern: 'secret/**'\n  access: {read: []}\n",
	"alice@x.org/nostar":      "rules:\n- pattern: 'a.txt'\n  access: {read: ['*']}\n",
	"bob@x.org":               "rules:\n- pattern: '**'\n  access: {write: ['*']}\n",
	"broken@x.org":            "rules: []\n",
}

func acls(t *testing.T) []ACL {
	var out []ACL
	for dir, text := range tree {
		var data any
		if err := yaml.Unmarshal([]byte(text), &data); err != nil {
			t.Fatal(err)
		}
		if acl, ok := ParseACL(dir, data); ok {
			out = append(out, acl)
		} else if dir != "broken@x.org" {
			t.Fatalf("%s: not a valid permission file", dir)
		}
	}
	return out
}

func TestPermissionsResolveLikeSyftBox(t *testing.T) {
	a := acls(t)
	for _, c := range []struct {
		path, user, want, rule, file string
	}{
		{"alice@x.org/private.txt", "bob@x.org", None, "**", "alice@x.org/syft.pub.yaml"},
		{"alice@x.org/private.txt", "alice@x.org", Admin, "**", "alice@x.org/syft.pub.yaml"},
		{"alice@x.org/public/index.html", "bob@x.org", Read, "**", "alice@x.org/public/syft.pub.yaml"},
		{"alice@x.org/public/a/b/c.txt", "", Read, "**", "alice@x.org/public/syft.pub.yaml"},
		// Most specific rule first, whatever the file order.
		{"alice@x.org/shared/results/r.csv", "bob@x.org", Write, "results/*.csv", "alice@x.org/shared/syft.pub.yaml"},
		{"alice@x.org/shared/results/r.csv", "eve@example.org", Write, "results/*.csv", "alice@x.org/shared/syft.pub.yaml"},
		{"alice@x.org/shared/results/r.csv", "mallory@evil.org", Read, "results/*.csv", "alice@x.org/shared/syft.pub.yaml"},
		{"alice@x.org/shared/notes.md", "carol@example.org", Read, "*.md", "alice@x.org/shared/syft.pub.yaml"},
		// The first matching rule decides: rules are not merged.
		{"alice@x.org/shared/notes.md", "bob@x.org", None, "*.md", "alice@x.org/shared/syft.pub.yaml"},
		{"alice@x.org/shared/data.bin", "bob@x.org", Read, "**", "alice@x.org/shared/syft.pub.yaml"},
		// Only the nearest file counts.
		{"alice@x.org/shared/deep/x.txt", "bob@x.org", None, "**", "alice@x.org/shared/deep/syft.pub.yaml"},
		{"alice@x.org/shared/deep/x.txt", "dave@x.org", Read, "**", "alice@x.org/shared/deep/syft.pub.yaml"},
		// A terminal file ends the walk.
		{"alice@x.org/term/inner/x.txt", "bob@x.org", Read, "**", "alice@x.org/term/syft.pub.yaml"},
		// Templates expand for the requester; USER is the requester.
		{"alice@x.org/users/bob@x.org/f.txt", "bob@x.org", Write, "{{.UserEmail}}/**", "alice@x.org/users/syft.pub.yaml"},
		{"alice@x.org/users/carol@example.org/f.txt", "bob@x.org", None, "", "alice@x.org/users/syft.pub.yaml"},
		{"alice@x.org/scoring/secret/key", "bob@x.org", None, "secret/**", "alice@x.org/scoring/syft.pub.yaml"},
		{"alice@x.org/scoring/open.txt", "bob@x.org", Read, "**", "alice@x.org/scoring/syft.pub.yaml"},
		// No ** rule: as if a private one followed.
		{"alice@x.org/nostar/b.txt", "bob@x.org", None, "", "alice@x.org/nostar/syft.pub.yaml"},
		{"alice@x.org/nostar/a.txt", "bob@x.org", Read, "a.txt", "alice@x.org/nostar/syft.pub.yaml"},
		// Reserved paths: at most readable for others.
		{"bob@x.org/data.txt", "carol@example.org", Write, "**", "bob@x.org/syft.pub.yaml"},
		{"bob@x.org/api/x.json", "carol@example.org", Read, "**", "bob@x.org/syft.pub.yaml"},
		{"bob@x.org/_internal/x", "bob@x.org", Admin, "**", "bob@x.org/syft.pub.yaml"},
		// Changing a permission file needs admin.
		{"bob@x.org/syft.pub.yaml", "carol@example.org", Read, "**", "bob@x.org/syft.pub.yaml"},
		// An invalid file (empty rules) does not count; nothing else: private.
		{"broken@x.org/a.txt", "bob@x.org", None, "", ""},
		{"dan@x.org/a.txt", "bob@x.org", None, "", ""},
	} {
		got := Access(a, c.path, c.user)
		d := Resolve(a, c.path, c.user)
		if got != c.want || d.Rule != c.rule || d.File != c.file {
			t.Errorf("%s for %q: got %s by rule %q of %q, want %s by %q of %q", c.path, c.user, got, d.Rule, d.File, c.want, c.rule, c.file)
		}
	}
}

func TestRuleScoresFollowSyftBox(t *testing.T) {
	for pat, want := range map[string]int{
		"**": -100, "**/*": -99, "a.txt": 10, "results/*.csv": 2*13 + 10 - 10, "*.md": 8 - 20,
		"{{.UserEmail}}/**": 2*17 + 10 + 50 - 20 - 2*2, "data/[ab]?.csv": 2*14 + 10 - 2 - 2,
	} {
		if got := Score(pat); got != want {
			t.Errorf("Score(%q) = %d, want %d", pat, got, want)
		}
	}
}

func TestIgnoreFollowsSyftBoxDefaults(t *testing.T) {
	ig := NewIgnore(append(DefaultIgnore, "alice@x.org/big/", "*.bak", "!keep.bak"))
	for rel, want := range map[string]bool{
		"alice@x.org/results/a.csv":                 false,
		"alice@x.org/results/a.conflict.csv":        true,
		"alice@x.org/results/a.rejected.csv":        true,
		"alice@x.org/x/.ipynb_checkpoints/n.ipynb":  true,
		"alice@x.org/app/__pycache__/m.cpython.pyc": true,
		"alice@x.org/app/m.pyc":                     true,
		"alice@x.org/app/run.log":                   true,
		"alice@x.org/app/logs/today.txt":            true,
		"alice@x.org/app/dist":                      false, // a file named dist is not the folder
		"alice@x.org/.git/config":                   true,
		"alice@x.org/f.tmp":                         true,
		"syftignore":                                true,
		"alice@x.org/big/x.bin":                     true,
		"bob@x.org/big/x.bin":                       false,
		"alice@x.org/a.bak":                         true,
		"alice@x.org/keep.bak":                      false,
	} {
		if got := ig.Match(rel); got != want {
			t.Errorf("Match(%q) = %v, want %v", rel, got, want)
		}
	}
}

func TestLoadIgnoreReadsTheUsersSyftignore(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "datasites"), 0o755)
	os.WriteFile(filepath.Join(dir, "datasites", "syftignore"), []byte("# mine\n*.parquet\n"), 0o644)
	ig := LoadIgnore(dir)
	if !ig.Match("alice@x.org/d/t.parquet") || !ig.Match("alice@x.org/a.conflict.txt") || ig.Match("alice@x.org/d/t.csv") {
		t.Error("syftignore lines or defaults not applied")
	}
}

func TestInFlightDownloadsAreRecognised(t *testing.T) {
	for rel, want := range map[string]bool{
		"alice@x.org/a.json.tmp.123456": true, "alice@x.org/a.json": false, ".syft-tmp/x.request": true,
		"alice@x.org/a.tmp.json": false, "alice@x.org/a.tmp.12a": false,
	} {
		if got := InFlight(rel); got != want {
			t.Errorf("InFlight(%q) = %v", rel, got)
		}
	}
}

func TestMarkersNameTheirOwner(t *testing.T) {
	for rel, want := range map[string][2]string{
		"d/a.conflict.csv":                {"d/a.csv", Conflict},
		"d/a.conflict.20261130031517.csv": {"d/a.csv", Conflict},
		"a.rejected.json":                 {"a.json", Rejected},
		"d/README.rejected":               {"d/README", Rejected},
		"d/x.tar.conflict.gz":             {"d/x.tar.gz", Conflict},
	} {
		owner, kind, ok := MarkerOwner(rel)
		if !ok || owner != want[0] || kind != want[1] {
			t.Errorf("MarkerOwner(%q) = %q %q %v", rel, owner, kind, ok)
		}
	}
	if _, _, ok := MarkerOwner("d/conflict.csv"); ok {
		t.Error("conflict.csv is not a marker")
	}
	if got := MarkerName("d/a.csv", Conflict); got != "d/a.conflict.csv" {
		t.Errorf("MarkerName = %q", got)
	}
}

func TestDatasiteAndDataDir(t *testing.T) {
	if got := Datasite("alice@x.org/app_data/echo/rpc/ping/1.request"); got != "alice@x.org" {
		t.Errorf("Datasite = %q", got)
	}
	if got := Datasite("jobs/a.json"); got != "" {
		t.Errorf("Datasite = %q", got)
	}
	if d, ok := DataDir("/home/u/SyftBox/datasites/alice@x.org/public"); !ok || d != "/home/u/SyftBox" {
		t.Errorf("DataDir = %q %v", d, ok)
	}
	if _, ok := DataDir("/home/u/data"); ok {
		t.Error("not a SyftBox tree")
	}
}

func TestDecodeBodyReadsURLSafeBase64JSON(t *testing.T) {
	for body, want := range map[string]any{
		"eyJtc2ciOiJwaW5nIn0=": map[string]any{"msg": "ping"},
		"eyJtc2ciOiJwaW5nIn0":  map[string]any{"msg": "ping"},
		"aGk_Pz4-":             "hi??>>", // URL-safe alphabet
		"not base64!":          "not base64!",
	} {
		if got := DecodeBody(body); !reflect.DeepEqual(got, want) {
			t.Errorf("DecodeBody(%q) = %#v, want %#v", body, got, want)
		}
	}
}
