//go:build linux

package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// theBinary is the real syft-widget, built once for the tests that drive
// background servers as a user does.
var theBinary struct {
	once sync.Once
	path string
	err  error
}

func binary(t *testing.T) string {
	t.Helper()
	b := &theBinary
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "syft-widget-bin-")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, "syft-widget")
		out, err := exec.Command("go", "build", "-o", b.path, "github.com/syft-widget/syft-widget/cmd/syft-widget").CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// syftWidget runs the binary with home as SYFT_WIDGET_HOME and returns its
// stdout; it fails the test unless it succeeds with nothing on stderr.
func syftWidget(t *testing.T, home string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), "SYFT_WIDGET_HOME="+home, "SYFT_WIDGET_PUBLIC_URL=", "JUPYTERHUB_SERVICE_PREFIX=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("syft-widget %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// pageOfTwo renders two widgets of the background server named server
// with the real binary, opens a notebook page holding both fragments, and
// waits until both are live. It returns the home, the data folder and the
// manifests; the server is stopped when the test ends.
func pageOfTwo(t *testing.T, p *tab, server string) (home, dir string, manifests []string) {
	t.Helper()
	home, dir = t.TempDir(), t.TempDir()
	t.Cleanup(func() {
		stop := exec.Command(binary(t), "stop", "--all")
		stop.Env = append(os.Environ(), "SYFT_WIDGET_HOME="+home)
		stop.Run()
	})
	writeFile(t, dir, "data/a.json", `{"v": "alpha"}`)
	for _, name := range []string{"one", "two"} {
		manifests = append(manifests, writeFile(t, dir, name+".yaml", "name: "+name+"\nserver: "+server+"\nsources:\n  items: \"data/*.json\"\n"+
			"endpoints:\n  /api:\n    values: map(items, .data.v)\ntemplate: |\n  <p>"+name+": <span data-field=\"values\">{values}</span></p>\n"))
	}
	cells := ""
	for i, m := range manifests {
		cells += fmt.Sprintf(`<div id="cell%d">%s</div>`, i, syftWidget(t, home, "render", "--checkpoint", m))
	}
	p.navigate(notebook(t, cells))
	for i := range manifests {
		cell := fmt.Sprintf("#cell%d", i)
		p.wait(cell+" to turn live", liveShown(cell))
		p.frame(cell+" "+liveFrame).wait(cell+" live with its data", statusIs("live")+" && "+bodyHas("alpha"))
	}
	return home, dir, manifests
}

// serverRecord reads the record of a background server as JSON (the
// package serve/background imports this one).
func serverRecord(t *testing.T, home, name string) (pid int, addr string) {
	t.Helper()
	var rec struct {
		PID  int
		Addr string
	}
	b, err := os.ReadFile(filepath.Join(home, "servers", name+".json"))
	if err != nil || json.Unmarshal(b, &rec) != nil || rec.PID == 0 {
		t.Fatalf("the record of %s: %v %s", name, err, b)
	}
	return rec.PID, rec.Addr
}

func TestAnOpenPageComesBackLiveAfterItsServerIsKilledAndOneCellRunsAgain(t *testing.T) {
	p := newTab(t)
	home, dir, manifests := pageOfTwo(t, p, "shared")
	pid, _ := serverRecord(t, home, "shared")
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	lives := []*frame{p.frame("#cell0 " + liveFrame), p.frame("#cell1 " + liveFrame)}
	for i, live := range lives {
		live.wait(fmt.Sprintf("cell %d to say it lost the server", i), `/^(reconnecting|offline)/.test(`+statusText+`)`)
	}
	writeFile(t, dir, "data/b.json", `{"v": "beta"}`)

	// The user runs the first cell again: its server starts where it was.
	syftWidget(t, home, "render", "--checkpoint", manifests[0])
	for i, live := range lives {
		live.wait(fmt.Sprintf("cell %d live again with the new data, without a reload", i), statusIs("live")+" && "+bodyHas("beta"))
	}
}

func TestAnOpenPageFollowsItsServerToANewPortWhenTheOldOneIsTaken(t *testing.T) {
	p := newTab(t)
	home, dir, manifests := pageOfTwo(t, p, "moving")
	pid, addr := serverRecord(t, home, "moving")
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Another program takes the port before the server starts again.
	var squatter net.Listener
	eventually(t, "the old port to be free", func() bool {
		var err error
		squatter, err = net.Listen("tcp", addr)
		return err == nil
	})
	defer squatter.Close()
	writeFile(t, dir, "data/b.json", `{"v": "beta"}`)

	// The first cell runs again: its new output names the new port.
	fragment := syftWidget(t, home, "render", "--checkpoint", manifests[0])
	if strings.Contains(fragment, addr) {
		t.Fatalf("the server came back on its taken port %s", addr)
	}
	p.str(`(() => { const d = document.createElement('div'); d.id = 'cell2'; document.body.appendChild(d);
		d.appendChild(document.createRange().createContextualFragment(` + js(fragment) + `)); return 'ok'; })()`)
	for _, cell := range []string{"#cell2", "#cell0", "#cell1"} {
		p.wait(cell+" to show one live iframe", liveShown(cell))
		p.frame(cell+" "+liveFrame).wait(cell+" live on the new port with the new data, without a reload", statusIs("live")+" && "+bodyHas("beta"))
	}
}
