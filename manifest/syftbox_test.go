package manifest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func rec(p string, data any, mtime time.Time) *Record {
	dir, name := filepath.Split(p)
	ext := filepath.Ext(name)
	return &Record{Path: p, Name: name, Stem: strings.TrimSuffix(name, ext), Ext: ext, Dir: strings.TrimSuffix(dir, "/"), Exists: true, Data: data, Mtime: mtime}
}

// evalField loads a one-field manifest over the given sources and
// evaluates it.
func evalField(t *testing.T, sources, expr string, snapshot map[string]any) any {
	t.Helper()
	p := write(t, "w.yaml", "sources:\n"+sources+"endpoints:\n  /x:\n    v: |\n      "+expr+"\n")
	m, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	fields, errs := m.Endpoints[0].Eval(m.Env(snapshot))
	if len(errs) > 0 {
		t.Fatalf("%s: %v", expr, errs)
	}
	return fields["v"]
}

func TestRPCPairsSayPendingAnsweredAndLatency(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 3, 15, 17, 0, time.UTC)
	d := "alice@x.org/app_data/echo/rpc/ping"
	msgs := []*Record{
		rec(d+"/a1.request", map[string]any{"id": "a1", "sender": "bob@x.org", "url": "syft://alice@x.org/app_data/echo/rpc/ping", "body": "eyJtc2ciOiJwaW5nIn0=", "created": "2026-11-30T03:15:17Z"}, t0),
		rec(d+"/a1.response", map[string]any{"id": "a1", "status_code": 200, "body": "eyJtc2ciOiJwb25nIn0=", "created": "2026-11-30T03:15:17.25Z"}, t0),
		rec(d+"/b2.request", map[string]any{"id": "b2", "sender": "carol@y.org", "created": "2026-11-30T03:10:00Z"}, t0),
		rec(d+"/c3.response", map[string]any{"id": "c3", "status_code": 500}, t0),
	}
	got := evalField(t, "  rpc: \"**/*.{request,response}\"\n",
		`map(rpcPairs(rpc), ({id: .id, pending: .pending, status: .status, latency: .latency, sender: .sender, endpoint: .endpoint, body: .body, reply: .reply, orphan: .orphan}))`,
		map[string]any{"rpc": msgs})
	b, _ := json.Marshal(got)
	want := `[{"body":null,"endpoint":null,"id":"c3","latency":null,"orphan":true,"pending":false,"reply":null,"sender":null,"status":500},` +
		`{"body":null,"endpoint":null,"id":"b2","latency":null,"orphan":false,"pending":true,"reply":null,"sender":"carol@y.org","status":null},` +
		`{"body":{"msg":"ping"},"endpoint":"/app_data/echo/rpc/ping","id":"a1","latency":0.25,"orphan":false,"pending":false,"reply":{"msg":"pong"},"sender":"bob@x.org","status":200}]`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestPermissionHelpersResolveNestedFiles(t *testing.T) {
	perms := []*Record{
		rec("alice@x.org/syft.pub.yaml", map[string]any{"rules": []any{map[string]any{"pattern": "**", "access": map[string]any{"read": []any{}}}}}, time.Time{}),
		rec("alice@x.org/public/syft.pub.yaml", map[string]any{"rules": []any{map[string]any{"pattern": "**", "access": map[string]any{"read": []any{"*"}}}}}, time.Time{}),
	}
	src := "  perms: \"**/syft.pub.yaml\"\n"
	snap := map[string]any{"perms": perms}
	got := evalField(t, src, `[canRead(perms, "alice@x.org/public/a.txt", "bob@x.org"), canRead(perms, "alice@x.org/a.txt", "bob@x.org"), canWrite(perms, "alice@x.org/a.txt", "alice@x.org"), access(perms, "alice@x.org/public/x", "bob@x.org")]`, snap)
	if b, _ := json.Marshal(got); string(b) != `[true,false,true,"read"]` {
		t.Errorf("got %s", b)
	}
	got = evalField(t, src, `map(perms, ({dir: .dir, public: permissions(perms, .dir + "/x").public, rule: permissions(perms, .dir + "/x").rule, ds: datasite(.path)}))`, snap)
	if b, _ := json.Marshal(got); string(b) != `[{"dir":"alice@x.org","ds":"alice@x.org","public":false,"rule":"**"},{"dir":"alice@x.org/public","ds":"alice@x.org","public":true,"rule":"**"}]` {
		t.Errorf("got %s", b)
	}
}

func TestRootInTheSyftBoxFolder(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SYFTBOX_DIR", dir)
	t.Setenv("HOME", t.TempDir())
	p := write(t, "w.yaml", "root: syftbox:datasites\nendpoints:\n  /x:\n    a: 1\n")
	m, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if m.Root != filepath.Join(dir, "datasites") {
		t.Errorf("root = %s", m.Root)
	}
	t.Setenv("SYFTBOX_DIR", "")
	t.Setenv("SYFTBOX_ASSIGNED_PORT", "")
	errs := errorsOf(t, "root: syftbox:datasites\nendpoints:\n  /x:\n    a: 1\n")
	if len(errs) != 1 || !strings.Contains(errs[0], "F:1:7: root \"syftbox:datasites\" is in the SyftBox folder, which is not known here: pass --syftbox DIR") {
		t.Errorf("errs = %q", errs)
	}
	// A SyftBox app finds its data folder above its working folder.
	app := filepath.Join(dir, "apps", "mine")
	os.MkdirAll(app, 0o755)
	os.MkdirAll(filepath.Join(dir, "datasites"), 0o755)
	t.Chdir(app)
	t.Setenv("SYFTBOX_ASSIGNED_PORT", "8123")
	m, err = Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if m.Root != filepath.Join(dir, "datasites") {
		t.Errorf("root from the app folder = %s", m.Root)
	}
}

func TestSyftignoreIsABoolean(t *testing.T) {
	p := write(t, "w.yaml", "sources:\n  m:\n    glob: \"**/*.conflict.*\"\n    syftignore: false\n")
	m, err := Load(p)
	if err != nil || !m.Sources[0].NoSyftIgnore {
		t.Fatalf("%v %+v", err, m)
	}
	errs := errorsOf(t, "sources:\n  m:\n    glob: \"*\"\n    syftignore: \"no\"\n")
	if len(errs) != 1 || !strings.HasPrefix(errs[0], "F:4:17: syftignore \"no\" is not true or false") {
		t.Errorf("%q", errs)
	}
}
