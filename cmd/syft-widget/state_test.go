//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/syft-widget/syft-widget/serve/background"
)

// asAnotherUser returns the command prefix that runs a program as
// `nobody` (the attacker of these tests). Without root it skips, except in
// CI, where the tests must run.
func asAnotherUser(t *testing.T) []string {
	t.Helper()
	if os.Getuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("this test needs root to act as another user (setpriv), and CI must run it")
		}
		t.Skip("skipping: acting as another user (nobody) needs root")
	}
	return []string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"}
}

// squatterScript answers on a port like a syft-widget server that died:
// /healthz with the dead server's boot id, /admin/load with HTML of its
// own. It writes every request it gets to a log.
const squatterScript = `
import http.server, json, sys
port, boot, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def note(self, body=b""):
        with open(log, "a") as f:
            f.write(self.requestline + "\n" + str(self.headers) + body.decode("utf-8", "replace") + "\n")
    def answer(self, v):
        b = json.dumps(v).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def do_GET(self):
        self.note()
        self.answer({"ok": True, "server": "x", "version": "v", "pid": 1, "boot": boot, "proof": "0" * 64})
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.note(self.rfile.read(n))
        self.answer({"fragment": "<p>SQUATTER HTML</p><script>steal()</script>"})
s = http.server.HTTPServer(("127.0.0.1", port), H)
print("ready", flush=True)
s.serve_forever()
`

// squat runs the squatter as prefix's user on port; it returns the path of
// its request log.
func squat(t *testing.T, prefix []string, port int, boot string) (log string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "squatter-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o777)
	script, log := filepath.Join(dir, "squat.py"), filepath.Join(dir, "requests.log")
	os.WriteFile(script, []byte(squatterScript), 0o644)
	args := append(append([]string{}, prefix...), "/usr/bin/python3", script, strconv.Itoa(port), boot, log)
	cmd := exec.Command(args[0], args[1:]...)
	out, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
		cmd.Wait()
		t.Fatalf("the squatter did not start: %q %v\n%s", line, err, stderr.String())
	}
	return log
}

func portOf(t *testing.T, addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

// TestASquatterOnADeadServersPortGetsNothing: a background server dies
// uncleanly, another user binds its port and answers /healthz with its boot
// id. The next render must not send it the token or the manifest path, nor
// print its HTML: it starts a new server instead.
func TestASquatterOnADeadServersPortGetsNothing(t *testing.T) {
	prefix := asAnotherUser(t)
	home := t.TempDir()
	stopAll(t, home)
	_, m := widgetDir(t, "w", "squatted", "")
	renderLive(t, home, m)
	old := record(t, home, "squatted")
	syscall.Kill(old.PID, syscall.SIGKILL)
	waitFor(t, "the server to die", func() bool { return !running(old.PID) })
	log := squat(t, prefix, portOf(t, old.Addr), old.Boot)

	r := run(t, home, "render", "--checkpoint", m)
	if r.code != 0 || strings.Contains(r.stdout, "SQUATTER") || !strings.Contains(r.stdout, "first") {
		t.Errorf("render: %+v", r)
	}
	got, _ := os.ReadFile(log)
	for _, secret := range []string{old.Token, m, "POST", "Authorization"} {
		if strings.Contains(string(got), secret) {
			t.Errorf("the squatter got %q:\n%s", secret, got)
		}
	}
	if now := record(t, home, "squatted"); now.Addr == old.Addr {
		t.Errorf("the record still points at the squatted address %s", now.Addr)
	}
	if r := run(t, home, "servers", "--json"); strings.Contains(r.stdout, old.Addr) {
		t.Errorf("servers lists the squatter:\n%s", r.stdout)
	}
}

// TestStopNeverSignalsAPidItCannotProve: a record whose pid is an
// unrelated process, at an address that answers /healthz with the record's
// boot id but cannot prove the token, is stale: stop removes it and leaves
// the process alone (it used to SIGKILL it).
func TestStopNeverSignalsAPidItCannotProve(t *testing.T) {
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, "servers"), 0o700)
	victim := exec.Command("sleep", "600")
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { victim.Process.Kill(); victim.Wait() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := portOf(t, ln.Addr().String())
	ln.Close()
	squat(t, nil, port, "bootbootboot")
	rec := background.Record{Name: "planted", PID: victim.Process.Pid, Addr: fmt.Sprintf("127.0.0.1:%d", port),
		Token: "0123456789abcdef0123456789abcdef", Boot: "bootbootboot", Started: time.Now(), Expiration: "never"}
	b, _ := json.Marshal(rec)
	os.WriteFile(filepath.Join(home, "servers", "planted.json"), b, 0o600)
	r := run(t, home, "stop", "--timeout", "100ms", "planted")
	if !running(victim.Process.Pid) {
		t.Fatalf("stop killed an unrelated process: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(home, "servers", "planted.json")); err == nil {
		t.Error("the stale record stays")
	}
}

// TestAStateFolderOthersMayWriteIsRefused: a home writable by others, or
// owned by another user, is refused by every command that reads records.
func TestAStateFolderOthersMayWriteIsRefused(t *testing.T) {
	home := t.TempDir()
	os.Chmod(home, 0o777)
	_, m := widgetDir(t, "w", "shared", "")
	for _, args := range [][]string{{"servers"}, {"stop", "--all"}, {"logs", "shared"}} {
		r := run(t, home, args...)
		if r.code != 1 || !strings.Contains(r.stderr, "other users may write in it") || strings.Contains(r.stdout, "<") {
			t.Errorf("%v: %+v", args, r)
		}
	}
	// render prints the checkpoint it can make by itself, saying why it
	// is not live (a notebook cell merges stderr into its output).
	if r := run(t, home, "render", "--checkpoint", m); !notLive(r, "other users may write in it") {
		t.Errorf("render: %+v", r)
	}
	os.Chmod(home, 0o700)
	os.Mkdir(filepath.Join(home, "servers"), 0o777)
	os.Chmod(filepath.Join(home, "servers"), 0o777)
	if r := run(t, home, "servers"); r.code != 1 || !strings.Contains(r.stderr, "servers: other users may write in it") {
		t.Errorf("servers/ writable by others: %+v", r)
	}
}

func TestAStateFolderOfAnotherUserIsRefused(t *testing.T) {
	asAnotherUser(t)
	home := t.TempDir()
	os.Chown(home, 65534, 65534)
	r := run(t, home, "servers")
	if r.code != 1 || !strings.Contains(r.stderr, "belongs to another user (uid 65534") {
		t.Errorf("servers: %+v", r)
	}
}

// TestPlantedSymlinksInTheStateFolderAreNotFollowed: a NAME.log symlink
// would have the server append to its target; a dangling NAME.lock symlink
// would have render create its target.
func TestPlantedSymlinksInTheStateFolderAreNotFollowed(t *testing.T) {
	home, elsewhere := t.TempDir(), t.TempDir()
	stopAll(t, home)
	servers := filepath.Join(home, "servers")
	os.MkdirAll(servers, 0o700)
	victim := filepath.Join(elsewhere, "victim.txt")
	os.WriteFile(victim, []byte("untouched\n"), 0o600)
	os.Symlink(victim, filepath.Join(servers, "logged.log"))
	_, m := widgetDir(t, "w", "logged", "")
	if r := run(t, home, "render", "--checkpoint", m); !notLive(r, "logged.log: it is a symlink") {
		t.Errorf("render with a symlinked log: %+v", r)
	}
	if b, _ := os.ReadFile(victim); string(b) != "untouched\n" {
		t.Errorf("the log's target was written: %q", b)
	}
	if r := run(t, home, "logs", "logged"); r.code != 1 || strings.Contains(r.stdout, "untouched") {
		t.Errorf("logs followed the symlink: %+v", r)
	}

	created := filepath.Join(elsewhere, "created")
	os.Symlink(created, filepath.Join(servers, "locked.lock"))
	_, m2 := widgetDir(t, "w", "locked", "")
	if r := run(t, home, "render", "--checkpoint", m2); !notLive(r, "locked.lock: it is a symlink") {
		t.Errorf("render with a dangling lock symlink: %+v", r)
	}
	if _, err := os.Lstat(created); err == nil {
		t.Error("the lock symlink's target was created")
	}
}

// notLive says whether a render printed a checkpoint that is not live,
// for the reason given, and started or reached no server.
func notLive(r result, reason string) bool {
	return r.code == 0 && strings.Contains(r.stdout, "not live: ") && strings.Contains(r.stdout, reason) &&
		strings.Contains(r.stdout, `"liveURL":""`)
}

// TestWithoutHomeTheFallbackIsPrivate: with no HOME (nor XDG_STATE_HOME
// nor SYFT_WIDGET_HOME) the state folder is per user in the temporary
// folder, created 0700.
func TestWithoutHomeTheFallbackIsPrivate(t *testing.T) {
	tmp := t.TempDir()
	cmd := exec.Command(binary, "servers")
	cmd.Env = []string{"TMPDIR=" + tmp, "PATH=" + os.Getenv("PATH")}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("servers: %v %s", err, out)
	}
	fi, err := os.Stat(filepath.Join(tmp, fmt.Sprintf("syft-widget-%d", os.Getuid())))
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("fallback: %v %v", fi, err)
	}
	os.Chmod(filepath.Join(tmp, fmt.Sprintf("syft-widget-%d", os.Getuid())), 0o777)
	cmd = exec.Command(binary, "servers")
	cmd.Env = []string{"TMPDIR=" + tmp, "PATH=" + os.Getenv("PATH")}
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "other users may write in it") {
		t.Errorf("a shared fallback is used: %s", out)
	}
}
