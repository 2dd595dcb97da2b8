package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestANonLoopbackAddressNeedsAllowRemote(t *testing.T) {
	_, m := widgetDir(t, "w", "fg", "")
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		r := run(t, t.TempDir(), "run", "--addr", addr, m)
		if r.code != 2 || !strings.Contains(r.stderr, "add --allow-remote") || r.stdout != "" {
			t.Errorf("run --addr %s: %+v", addr, r)
		}
	}
}

// With --allow-remote the printed URL is one the server answers: not
// http://[::]:PORT, which it would refuse.
func TestAllowRemotePrintsAURLThatWorksAndWarns(t *testing.T) {
	_, m := widgetDir(t, "w", "fg", "")
	cmd := exec.Command(binary, "run", "--addr", "0.0.0.0:0", "--allow-remote", m)
	stdout, _ := cmd.StdoutPipe()
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cmd.Process.Kill()
			cmd.Wait()
		}
	}
	defer stop()
	var url string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if name, u, ok := strings.Cut(sc.Text(), ": "); ok && name == "w" {
			url = u
			break
		}
	}
	go io.Copy(io.Discard, stdout)
	if url == "" || strings.Contains(url, "0.0.0.0") || strings.Contains(url, "[::]") {
		t.Fatalf("URL %q", url)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET %s: %s", url, resp.Status)
	}
	stop() // stderr is complete
	if !strings.Contains(errOut.String(), "reachable from other machines") {
		t.Errorf("no warning on stderr: %q", errOut.String())
	}
}

// Run as a SyftBox app, a server listens on the port SyftBox assigned.
func TestRunListensOnTheSyftBoxAssignedPort(t *testing.T) {
	_, m := widgetDir(t, "w", "fg", "")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	cmd := exec.Command(binary, "run", m)
	cmd.Env = append(os.Environ(), "SYFTBOX_ASSIGNED_PORT="+port)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "index: http://127.0.0.1:"+port+"/") {
		t.Errorf("first line %q, want the index on port %s", sc.Text(), port)
	}
	go io.Copy(io.Discard, stdout)
}
