//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/syft-widget/syft-widget/serve"
	"github.com/syft-widget/syft-widget/serve/background"
)

// widgetDir writes a manifest (server name given) and a data file.
func widgetDir(t *testing.T, name, server, extra string) (dir, manifest string) {
	t.Helper()
	dir = t.TempDir()
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	os.WriteFile(filepath.Join(dir, "data", "a.json"), []byte(`{"v": "first"}`), 0o644)
	manifest = filepath.Join(dir, name+".yaml")
	text := fmt.Sprintf("name: %s\nserver: %s\n%ssources:\n  items: \"data/*.json\"\nendpoints:\n  /api:\n    values: map(items, .data.v)\ntemplate: |\n  <p data-field=\"values\">{values}</p>\n", name, server, extra)
	if err := os.WriteFile(manifest, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, manifest
}

var liveURLRE = regexp.MustCompile(`http://127\.0\.0\.1:(\d+)/w/([a-z0-9_-]+)/\?token=([0-9a-f]+)`)

// render runs `render --checkpoint` and returns the live URL it embeds.
func renderLive(t *testing.T, home, manifest string) string {
	t.Helper()
	r := run(t, home, "render", "--checkpoint", manifest)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("render: %+v", r)
	}
	u := liveURLRE.FindString(r.stdout)
	if u == "" {
		t.Fatalf("no live URL in the fragment:\n%.500s", r.stdout)
	}
	return u
}

func record(t *testing.T, home, name string) *background.Record {
	t.Helper()
	r, err := background.ReadRecord(home, name)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// twoServers starts, in a new home stopped when the test ends, two
// background servers a and b of one widget each (extraB is manifest text
// for b's), and returns the home and their records.
func twoServers(t *testing.T, a, b, extraB string) (home string, ra, rb *background.Record) {
	t.Helper()
	home = t.TempDir()
	stopAll(t, home)
	_, ma := widgetDir(t, "wa", a, "")
	_, mb := widgetDir(t, "wb", b, extraB)
	renderLive(t, home, ma)
	renderLive(t, home, mb)
	return home, record(t, home, a), record(t, home, b)
}

// stopAll stops the home's servers when the test ends, whatever happened.
func stopAll(t *testing.T, home string) {
	t.Cleanup(func() {
		for _, r := range background.Records(home) {
			if background.Alive(r) {
				background.Stop(home, r, 0)
			}
		}
	})
}

func sessionOf(t *testing.T, pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	sid, _ := strconv.Atoi(fields[3])
	return sid
}

func TestRenderStartsAServerThatOutlivesTheCallersProcessGroup(t *testing.T) {
	home := t.TempDir()
	stopAll(t, home)
	_, m := widgetDir(t, "w", "bg1", "")
	cmd := exec.Command(binary, "render", "--checkpoint", m)
	cmd.Env = append(os.Environ(), "SYFT_WIDGET_HOME="+home)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.Output() // returns only at EOF: the server must not hold stdout
	if err != nil {
		t.Fatal(err)
	}
	if !liveURLRE.Match(out) {
		t.Fatalf("no live URL:\n%s", out)
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	rec := record(t, home, "bg1")
	if !background.Alive(rec) {
		t.Fatal("the server died with the caller's process group")
	}
	if sessionOf(t, rec.PID) == sessionOf(t, os.Getpid()) || sessionOf(t, rec.PID) != rec.PID {
		t.Errorf("the server is not the leader of its own session")
	}
	if st, _ := os.Stat(filepath.Join(home, "servers", "bg1.json")); st.Mode().Perm() != 0o600 {
		t.Errorf("record mode %v, want 0600", st.Mode().Perm())
	}
}

func TestTwentyConcurrentRendersStartOneServer(t *testing.T) {
	home := t.TempDir()
	stopAll(t, home)
	_, m := widgetDir(t, "w", "bg2", "")
	urls := make([]string, 20)
	var wg sync.WaitGroup
	for i := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := run(t, home, "render", "--checkpoint", m)
			urls[i] = liveURLRE.FindString(r.stdout)
		}()
	}
	wg.Wait()
	for _, u := range urls {
		if u == "" || u != urls[0] {
			t.Fatalf("renders disagree on the server: %q", urls)
		}
	}
	if recs := background.Records(home); len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	out, _ := exec.Command("pgrep", "-f", "__server --name bg2 ").Output()
	if n := len(strings.Fields(string(out))); n != 1 {
		t.Errorf("%d server processes, want 1", n)
	}
}

func TestAKilledServerIsReplacedByTheNextRender(t *testing.T) {
	home := t.TempDir()
	stopAll(t, home)
	_, m := widgetDir(t, "w", "bg3", "")
	renderLive(t, home, m)
	old := record(t, home, "bg3")
	syscall.Kill(old.PID, syscall.SIGKILL)
	waitFor(t, "the killed server to stop answering", func() bool { return !background.Alive(old) })
	renderLive(t, home, m)
	now := record(t, home, "bg3")
	if now.Boot == old.Boot || now.PID == old.PID || !background.Alive(now) {
		t.Errorf("old %+v, new %+v", old, now)
	}
}

func TestAnEditedManifestIsServedEditedAfterTheNextRender(t *testing.T) {
	home := t.TempDir()
	stopAll(t, home)
	_, m := widgetDir(t, "w", "bg4", "")
	u := renderLive(t, home, m)
	text, _ := os.ReadFile(m)
	os.WriteFile(m, []byte(strings.Replace(string(text), "{values}", "edited {values}", 1)), 0o644)
	if u2 := renderLive(t, home, m); u2 != u {
		t.Errorf("the second render used another server: %s vs %s", u, u2)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if !strings.Contains(b.String(), "edited") {
		t.Errorf("the live page is stale:\n%s", b.String())
	}
}

func TestStopAllLeavesNoProcess(t *testing.T) {
	home, r5, r6 := twoServers(t, "bg5", "bg6", "")
	pids := []int{r5.PID, r6.PID}
	r := run(t, home, "servers", "--json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 2 {
		t.Fatalf("servers --json: %v %s", err, r.stdout)
	}
	if rows[0]["name"] != "bg5" || !strings.Contains(rows[0]["url"].(string), "token=") || rows[0]["widgets"].([]any)[0] != "wa" {
		t.Errorf("servers row: %v", rows[0])
	}
	if r := run(t, home, "stop", "--all"); r.code != 0 {
		t.Fatalf("stop: %+v", r)
	}
	for _, pid := range pids {
		if running(pid) {
			t.Errorf("pid %d still runs", pid)
		}
	}
	if len(background.Records(home)) != 0 {
		t.Error("records left behind")
	}
}

func TestAnIdleServerExpires(t *testing.T) {
	home := t.TempDir()
	stopAll(t, home)
	_, m := widgetDir(t, "w", "bg7", "expiration: 300ms\n")
	// An open page keeps the server from expiring while the test reads its
	// record.
	release := holdPage(t, renderLive(t, home, m))
	rec := record(t, home, "bg7")
	release()
	waitFor(t, "the idle server to exit", func() bool { return !running(rec.PID) })
	if _, err := background.ReadRecord(home, "bg7"); err == nil {
		t.Error("the expired server left its record")
	}
	if r := run(t, home, "logs", "bg7", "-n", "1"); r.code != 0 || !strings.Contains(r.stdout, "server stopped") {
		t.Errorf("logs: %+v", r)
	}
}

func TestAStaleRecordOnAReusedPortIsDetectedByTheBootID(t *testing.T) {
	home := t.TempDir()
	stopAll(t, home)
	_, m := widgetDir(t, "w", "bg8", "")
	// Another server now holds the port the record names.
	impostor := serve.NewServer(serve.Config{Name: "bg8"})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go http.Serve(ln, impostor.Handler())
	defer ln.Close()
	os.MkdirAll(filepath.Join(home, "servers"), 0o700)
	stale, _ := json.Marshal(background.Record{Name: "bg8", PID: 1, Addr: ln.Addr().String(), Token: "x", Boot: "not-this-one"})
	os.WriteFile(filepath.Join(home, "servers", "bg8.json"), stale, 0o600)
	u := renderLive(t, home, m)
	if strings.Contains(u, ln.Addr().String()) {
		t.Fatalf("render trusted the stale record: %s", u)
	}
	if rec := record(t, home, "bg8"); rec.Boot == "not-this-one" || !background.Alive(rec) {
		t.Errorf("record = %+v", rec)
	}
}

func TestTokenRotationLocksOutTheOldToken(t *testing.T) {
	home := t.TempDir()
	stopAll(t, home)
	_, m := widgetDir(t, "w", "bg9", "")
	u := renderLive(t, home, m)
	r := run(t, home, "token", "bg9", "--rotate")
	newToken := strings.TrimSpace(r.stdout)
	if r.code != 0 || len(newToken) < 32 || strings.Contains(u, newToken) {
		t.Fatalf("token --rotate: %+v", r)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("old token: %d", resp.StatusCode)
	}
	if rec := record(t, home, "bg9"); rec.Token != newToken {
		t.Errorf("record token not updated")
	}
	if u2 := renderLive(t, home, m); !strings.Contains(u2, newToken) {
		t.Errorf("render after rotation: %s", u2)
	}
}

// running reports whether pid is a live process: an exited one that its new
// parent has not reaped yet (a zombie) has stopped running.
func running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	return !strings.HasPrefix(s[strings.LastIndexByte(s, ')')+1:], " Z")
}

func TestRunStopsCleanlyOnInterrupt(t *testing.T) {
	_, m := widgetDir(t, "w", "fg", "")
	cmd := exec.Command(binary, "run", m)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var url string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if name, u, ok := strings.Cut(sc.Text(), ": "); ok && name == "w" {
			url = u
			break
		}
	}
	if url == "" {
		t.Fatal("run printed no URL for the widget")
	}
	events, err := http.Get(strings.Replace(url, "/?token=", "/events?token=", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer events.Body.Close()
	bufio.NewReader(events.Body).ReadString('\n') // a page is connected
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run exited with %v", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("run did not stop on interrupt with a page connected")
	}
}

func TestLogsShowsTheTailAndFollows(t *testing.T) {
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, "servers"), 0o700)
	log := filepath.Join(home, "servers", "x.log")
	var lines []string
	for i := 1; i <= 30; i++ {
		lines = append(lines, fmt.Sprintf("line %d", i))
	}
	os.WriteFile(log, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
	if r := run(t, home, "logs", "x", "-n", "3"); r.stdout != "line 28\nline 29\nline 30\n" {
		t.Errorf("logs -n 3: %q", r.stdout)
	}
	if r := run(t, home, "logs", "nope"); r.code != 1 || !strings.Contains(r.stderr, "no log") {
		t.Errorf("logs of an unknown server: %+v", r)
	}
	cmd := exec.Command(binary, "logs", "x", "-n", "1", "-f")
	cmd.Env = append(os.Environ(), "SYFT_WIDGET_HOME="+home)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	if !sc.Scan() || sc.Text() != "line 30" {
		t.Fatalf("first line %q", sc.Text())
	}
	f, _ := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("appended later\n")
	f.Close()
	if !sc.Scan() || sc.Text() != "appended later" {
		t.Errorf("followed line %q", sc.Text())
	}
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Errorf("logs -f on interrupt: %v", err)
	}
}

func TestServersPrintsATableOnATerminal(t *testing.T) {
	home := t.TempDir()
	stopAll(t, home)
	_, m := widgetDir(t, "tbl", "bg10", "")
	renderLive(t, home, m)
	r := run(t, home, "servers")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "NAME") || !strings.Contains(r.stdout, "bg10") || !strings.Contains(r.stdout, "tbl") || !strings.Contains(r.stdout, "in 24h") {
		t.Errorf("servers: %+v", r)
	}
}
