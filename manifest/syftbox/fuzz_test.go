package syftbox

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

// Whatever a permission file, an ignore file or an RPC body holds, reading
// it never panics, and a resolution always names a level.
func FuzzPermissionFiles(f *testing.F) {
	f.Add("rules:\n- pattern: '**'\n  access: {read: ['*']}\n", "alice@x.org/a/b.txt", "bob@x.org")
	f.Add("terminal: true\nrules:\n- pattern: '{{.UserEmail}}/**'\n  access: {write: [USER]}\n", "alice@x.org/bob@x.org/f", "bob@x.org")
	f.Add("rules:\n- pattern: '[a-'\n  access: {read: ['*@']}\n", "alice@x.org/[a", "")
	f.Fuzz(func(t *testing.T, acl, path, user string) {
		var data any
		if yaml.Unmarshal([]byte(acl), &data) != nil {
			return
		}
		a, ok := ParseACL("alice@x.org", data)
		if !ok {
			return
		}
		switch Access([]ACL{a}, path, user) {
		case None, Read, Write, Admin:
		default:
			t.Fatal("no level")
		}
	})
}

func FuzzIgnoreAndBodies(f *testing.F) {
	f.Add("*.log\n!keep.log\nlogs/\n/a/b\n", "a/b/c.log", "eyJtc2ciOiJwaW5nIn0=")
	f.Add("[", "x", "%%%")
	f.Fuzz(func(t *testing.T, lines, rel, body string) {
		NewIgnore([]string{lines}).Match(rel)
		InFlight(rel)
		MarkerOwner(rel)
		DecodeBody(body)
	})
}
