//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/syft-widget/syft-widget/serve/background"
)

// kill9 kills a background server as a crash or the OOM killer would and
// waits until its port no longer answers.
func kill9(t *testing.T, rec *background.Record) {
	t.Helper()
	if err := syscall.Kill(rec.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the killed server to stop answering", func() bool { return !background.Alive(rec) })
}

// status is the HTTP status of a GET of u.
func status(t *testing.T, u string) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestAKilledServerComesBackWithItsPortTokenAndWidgets(t *testing.T) {
	home := t.TempDir()
	stopAll(t, home)
	_, m1 := widgetDir(t, "one", "same", "")
	m2 := strings.Replace(m1, "one.yaml", "two.yaml", 1)
	b, _ := os.ReadFile(m1)
	os.WriteFile(m2, []byte(strings.Replace(string(b), "name: one", "name: two", 1)), 0o644)
	u1 := renderLive(t, home, m1)
	u2 := renderLive(t, home, m2)

	kill9(t, record(t, home, "same"))
	if again := renderLive(t, home, m1); again != u1 {
		t.Fatalf("after kill -9, render gave %s, before %s: open pages lost their server", again, u1)
	}
	// The other widget, whose cell did not run again, is hosted again too.
	waitFor(t, "the other widget to be hosted again", func() bool { return status(t, u2) == http.StatusOK })

	// A graceful stop and an expiry keep the identity too.
	if r := run(t, home, "stop", "same"); r.code != 0 {
		t.Fatalf("stop: %+v", r)
	}
	if again := renderLive(t, home, m2); again != u2 {
		t.Fatalf("after stop, render gave %s, before %s", again, u2)
	}
}

func TestOnlyTokenRotateChangesTheTokenAndItSurvivesARestart(t *testing.T) {
	home := t.TempDir()
	stopAll(t, home)
	_, m := widgetDir(t, "w", "rot", "")
	renderLive(t, home, m)
	r := run(t, home, "token", "rot", "--rotate")
	newToken := strings.TrimSpace(r.stdout)
	if r.code != 0 || newToken == "" {
		t.Fatalf("token --rotate: %+v", r)
	}
	kill9(t, record(t, home, "rot"))
	if u := renderLive(t, home, m); !strings.Contains(u, "token="+newToken) {
		t.Errorf("after a restart the token is not the rotated one: %s", u)
	}
}

func TestAServerWhosePortIsTakenMovesAndKeepsItsToken(t *testing.T) {
	home := t.TempDir()
	stopAll(t, home)
	_, m := widgetDir(t, "w", "moved", "")
	u := renderLive(t, home, m)
	rec := record(t, home, "moved")
	kill9(t, rec)
	squatter, err := net.Listen("tcp", rec.Addr)
	if err != nil {
		t.Fatalf("cannot take the old port: %v", err)
	}
	defer squatter.Close()
	again := renderLive(t, home, m)
	if again == u || strings.Contains(again, rec.Addr) || !strings.Contains(again, "token="+rec.Token) {
		t.Errorf("with its port taken: %s (before %s)", again, u)
	}
}

func TestRunKeepsTheTokenItIsGiven(t *testing.T) {
	_, m := widgetDir(t, "w", "fgtok", "")
	const token = "0123456789abcdef-given"
	for _, c := range []struct {
		args []string
		env  string
	}{{[]string{"run", "--token", token, m}, ""}, {[]string{"run", m}, envToken + "=" + token}} {
		cmd := exec.Command(binary, c.args...)
		cmd.Env = append(os.Environ(), c.env)
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		var url string
		for sc.Scan() {
			if name, u, ok := strings.Cut(sc.Text(), ": "); ok && name == "w" {
				url = u
				break
			}
		}
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		if !strings.HasSuffix(url, "?token="+token) {
			t.Errorf("%v %s: url %q", c.args, c.env, url)
		}
	}
	if r := run(t, t.TempDir(), "run", "--token", "short", m); r.code != 2 || !strings.Contains(r.stderr, "--token") {
		t.Errorf("run with a short token: %+v", r)
	}
}

func TestARestartedServerHostsAgainOnlyTheManifestsThatStillNameIt(t *testing.T) {
	home := t.TempDir()
	stopAll(t, home)
	_, stays := widgetDir(t, "stays", "back", "")
	_, moves := widgetDir(t, "moves", "back", "")
	_, gone := widgetDir(t, "gone", "back", "")
	for _, m := range []string{stays, moves, gone} {
		renderLive(t, home, m)
	}
	b, _ := os.ReadFile(moves)
	os.WriteFile(moves, []byte(strings.Replace(string(b), "server: back", "server: elsewhere", 1)), 0o644)
	os.Remove(gone)
	kill9(t, record(t, home, "back"))
	renderLive(t, home, stays)
	waitFor(t, "the restarted server to host its last run's manifests", func() bool {
		return strings.Contains(run(t, home, "logs", "back", "-n", "5").stdout, `msg="manifests of the last run hosted again" server=back hosted=1 of=3`)
	})
	if r := record(t, home, "back"); r.Manifests[0] != stays {
		t.Errorf("the restarted server hosts %v, want only %s", r.Manifests, stays)
	}
}

func TestTheTokenOfAStoppedServerIsShownAndRotatedInItsIdentity(t *testing.T) {
	home := t.TempDir()
	stopAll(t, home)
	_, m := widgetDir(t, "w", "resting", "")
	u := renderLive(t, home, m)
	if r := run(t, home, "stop", "resting"); r.code != 0 {
		t.Fatalf("stop: %+v", r)
	}
	r := run(t, home, "token", "resting")
	if r.code != 0 || !strings.Contains(u, "token="+strings.TrimSpace(r.stdout)) {
		t.Fatalf("token of a stopped server: %+v (its pages have %s)", r, u)
	}
	r = run(t, home, "token", "resting", "--rotate")
	rotated := strings.TrimSpace(r.stdout)
	if r.code != 0 || rotated == "" || strings.Contains(u, rotated) {
		t.Fatalf("token --rotate of a stopped server: %+v", r)
	}
	if again := renderLive(t, home, m); !strings.HasSuffix(again, "token="+rotated) {
		t.Errorf("the server came back with %s, not the rotated token %s", again, rotated)
	}
	if r := run(t, home, "token", "never-ran"); r.code != 1 || !strings.Contains(r.stderr, "never-ran") {
		t.Errorf("token of an unknown server: %+v", r)
	}
}

// where asks the server of rec where server name runs now, as a page of
// rec's that lost name does, with name's token.
func where(t *testing.T, rec *background.Record, token, name, nameToken string) (int, string) {
	t.Helper()
	resp, err := http.Post(rec.BaseURL()+"servers/"+name+"/where?token="+token, "application/json",
		strings.NewReader(`{"token":"`+nameToken+`"}`))
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAServerTellsWhereAnotherServerOfItsHomeRunsAndNoToken(t *testing.T) {
	_, a, b := twoServers(t, "found", "asked", "")
	code, body := where(t, b, b.Token, "found", a.Token)
	var got struct {
		Server     string
		Port, Here int
	}
	json.Unmarshal([]byte(body), &got)
	_, aPort, _ := net.SplitHostPort(a.Addr)
	_, bPort, _ := net.SplitHostPort(b.Addr)
	if code != http.StatusOK || strconv.Itoa(got.Port) != aPort || strconv.Itoa(got.Here) != bPort || got.Server != "found" {
		t.Fatalf("where: %d %s (found is at %s, asked at %s)", code, body, a.Addr, b.Addr)
	}
	if strings.Contains(body, a.Token) || strings.Contains(body, b.Token) {
		t.Errorf("the answer carries a token: %s", body)
	}
	for _, c := range []struct {
		what, token, name, nameToken string
		want                         int
	}{
		{"without the asked server's token", "", "found", a.Token, http.StatusUnauthorized},
		{"with a wrong token of the server sought", b.Token, "found", b.Token, http.StatusNotFound},
		{"for a server that never ran", b.Token, "never", a.Token, http.StatusNotFound},
		{"for a name that is not a server name", b.Token, "Found", a.Token, http.StatusNotFound},
	} {
		if code, body := where(t, b, c.token, c.name, c.nameToken); code != c.want || strings.Contains(body, a.Token) {
			t.Errorf("%s: %d %s, want %d", c.what, code, body, c.want)
		}
	}
	kill9(t, a)
	if code, body := where(t, b, b.Token, "found", a.Token); code != http.StatusNotFound {
		t.Errorf("for a server that was killed: %d %s", code, body)
	}
}

func TestAskingWhereAnotherServerRunsDoesNotPostponeExpiry(t *testing.T) {
	_, a, b := twoServers(t, "sought", "expiring", "expiration: 2s\n")
	waitFor(t, "the server to expire while a page asks it where another one runs", func() bool {
		if !running(b.PID) {
			return true
		}
		where(t, b, b.Token, "sought", a.Token)
		return false
	})
}
