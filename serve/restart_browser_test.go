//go:build linux

package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
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
	return syftWidgetIn(t, home, nil, args...)
}

// syftWidgetIn is syftWidget with env added to the environment.
func syftWidgetIn(t *testing.T, home string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(append(os.Environ(), "SYFT_WIDGET_HOME="+home, "SYFT_WIDGET_PUBLIC_URL=", "JUPYTERHUB_SERVICE_PREFIX="), env...)
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

// smallWidget writes the manifest of a widget named name, hosted by the
// background server named server, over dir/data/*.json.
func smallWidget(t *testing.T, dir, name, server string) string {
	t.Helper()
	return writeFile(t, dir, name+".yaml", "name: "+name+"\nserver: "+server+"\nsources:\n  items: \"data/*.json\"\n"+
		"endpoints:\n  /api:\n    values: map(items, .data.v)\ntemplate: |\n  <p>"+name+": <span data-field=\"values\">{values}</span></p>\n")
}

// stopAllIn stops every background server of home when the test ends.
func stopAllIn(t *testing.T, home string) {
	t.Cleanup(func() {
		stop := exec.Command(binary(t), "stop", "--all")
		stop.Env = append(os.Environ(), "SYFT_WIDGET_HOME="+home)
		stop.Run()
	})
}

func TestAPageFindsItsMovedServerThroughAnotherServerOfTheSameHome(t *testing.T) {
	p := newTab(t)
	home, dir := t.TempDir(), t.TempDir()
	stopAllIn(t, home)
	writeFile(t, dir, "data/a.json", `{"v": "alpha"}`)
	shown := smallWidget(t, dir, "shown", "mover")     // in the page
	elsewhere := smallWidget(t, dir, "other", "mover") // never in the page
	neighbour := smallWidget(t, dir, "neighbour", "stays")
	p.navigate(notebook(t, `<div id="cell0">`+syftWidget(t, home, "render", "--checkpoint", shown)+`</div>`+
		`<div id="cell1">`+syftWidget(t, home, "render", "--checkpoint", neighbour)+`</div>`))
	for _, cell := range []string{"#cell0", "#cell1"} {
		p.wait(cell+" to turn live", liveShown(cell))
		p.frame(cell+" "+liveFrame).wait(cell+" live with its data", statusIs("live")+" && "+bodyHas("alpha"))
	}

	moving := p.frame("#cell0 " + liveFrame)
	addr := killAndTakePort(t, home, "mover", moving)
	writeFile(t, dir, "data/b.json", `{"v": "beta"}`)

	// Another widget of the server is rendered, in another notebook: the
	// server comes back on a new port, and nothing of it is run again in
	// this page.
	if fragment := syftWidget(t, home, "render", "--checkpoint", elsewhere); strings.Contains(fragment, addr) {
		t.Fatalf("the server came back on its taken port %s", addr)
	}
	_, newAddr := serverRecord(t, home, "mover")
	p.wait("#cell0 to show one live iframe", liveShown("#cell0"))
	moving.wait("the widget live on the new port with the new data, without a reload", statusIs("live")+" && "+bodyHas("beta"))
	if src := p.str(`document.querySelector('#cell0 iframe').src`); !strings.Contains(src, newAddr) {
		t.Errorf("the widget's live page is %s, not on the new address %s", src, newAddr)
	}
	if n := p.str(`document.querySelectorAll('script').length`); n != "2" {
		t.Errorf("the page holds %s scripts: a fragment was added", n)
	}
}

// freezeBackoff is a script for a notebook page that keeps every timer of
// a second or more from firing: the bootstraps' backoff never ends, so a
// widget that turns live did so because something told it to try again.
const freezeBackoff = `<script>(() => { const later = window.setTimeout;
	window.setTimeout = function (f, ms) { return ms >= 1000 ? 0 : later.apply(window, arguments); }; })();</script>`

func TestWidgetsThatNeverWentLiveTryAgainWhenASiblingReachesTheirServer(t *testing.T) {
	p := newTab(t)
	home, dir := t.TempDir(), t.TempDir()
	stopAllIn(t, home)
	writeFile(t, dir, "data/a.json", `{"v": "alpha"}`)
	var manifests, fragments []string
	for _, name := range []string{"one", "two", "three"} {
		manifests = append(manifests, smallWidget(t, dir, name, "resting"))
		fragments = append(fragments, syftWidget(t, home, "render", "--checkpoint", manifests[len(manifests)-1]))
	}
	_, addr := serverRecord(t, home, "resting")
	stop := exec.Command(binary(t), "stop", "resting")
	stop.Env = append(os.Environ(), "SYFT_WIDGET_HOME="+home)
	if out, err := stop.CombinedOutput(); err != nil {
		t.Fatalf("stop: %v\n%s", err, out)
	}
	// The third widget's address accepts connections and never answers:
	// its live iframe stays loading, and must be left to load.
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hang.Close()
	fragments[2] = strings.ReplaceAll(fragments[2], addr, hang.Addr().String())

	// The notebook is opened again while the server is stopped: checkpoints.
	// (Its outputs are added once it loaded: a document does not finish
	// loading while an iframe of it loads.)
	p.navigate(notebook(t, freezeBackoff))
	for i, f := range fragments {
		addCell(p, fmt.Sprintf("cell%d", i), f)
	}
	ctx, cancel := context.WithTimeout(p.ctx, waitLimit)
	defer cancel()
	for _, name := range []string{"one", "two"} {
		if err := untilFrameFailed(ctx, "/w/"+name+"/"); err != nil {
			t.Fatalf("the live page of %s never failed to load: %v", name, err)
		}
	}
	p.str(`document.querySelector('#cell2 ` + liveFrame + `').dataset.mark = 'loading'`)

	// The user runs the first cell again: its server starts, and its new
	// output turns live.
	writeFile(t, dir, "data/b.json", `{"v": "beta"}`)
	addCell(p, "cell3", syftWidget(t, home, "render", "--checkpoint", manifests[0]))
	for _, cell := range []string{"#cell3", "#cell0", "#cell1"} {
		p.wait(cell+" to show one live iframe", liveShown(cell))
		p.frame(cell+" "+liveFrame).wait(cell+" live with the new data", statusIs("live")+" && "+bodyHas("beta"))
	}
	if got := p.str(`document.querySelector('#cell2 ` + liveFrame + `[data-mark="loading"]') !== null`); got != "true" {
		t.Error("the loading live iframe of the third widget was thrown away")
	}
}

// addCell adds a cell with id and the output html to the page, as a
// notebook shows the output of a cell that ran.
func addCell(p *tab, id, html string) {
	p.str(`(() => { const d = document.createElement('div'); d.id = ` + js(id) + `; document.body.appendChild(d);
		d.appendChild(document.createRange().createContextualFragment(` + js(html) + `)); return 'ok'; })()`)
}

// untilFrameFailed waits until a frame of the tab shows Chromium's error
// page for an address containing path (its load failed).
func untilFrameFailed(ctx context.Context, path string) error {
	for pause := 10 * time.Millisecond; ; pause = min(2*pause, 200*time.Millisecond) {
		res, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
		if err != nil {
			return err
		}
		if anyFailed(res.FrameTree, path) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause): // pacing between lookups, not synchronisation
		}
	}
}

func anyFailed(tree *page.FrameTree, path string) bool {
	if strings.Contains(tree.Frame.UnreachableURL, path) {
		return true
	}
	for _, c := range tree.ChildFrames {
		if anyFailed(c, path) {
			return true
		}
	}
	return false
}

// hubProxy is jupyter-server-proxy as a hub serves it: /user/ada/proxy/PORT/...
// goes to 127.0.0.1:PORT, for any port, with the browser's Host.
func hubProxy(w http.ResponseWriter, r *http.Request) {
	port, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/user/ada/proxy/"), "/")
	target, err := url.Parse("http://127.0.0.1:" + port)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.FlushInterval = -1 // streams pass as they come
	rp.ErrorLog = log.New(io.Discard, "", 0)
	r.URL.Path, r.URL.RawPath = "/"+rest, ""
	rp.ServeHTTP(w, r)
}

func TestBehindAHubAPageFindsItsMovedServerThroughAnotherServerOfTheSameHome(t *testing.T) {
	p := newTab(t)
	home, dir := t.TempDir(), t.TempDir()
	stopAllIn(t, home)
	writeFile(t, dir, "data/a.json", `{"v": "alpha"}`)
	hubEnv := []string{"JUPYTERHUB_SERVICE_PREFIX=/user/ada/"}
	var cells string
	for i, m := range []string{smallWidget(t, dir, "shown", "hubmover"), smallWidget(t, dir, "neighbour", "hubstays")} {
		cells += fmt.Sprintf(`<div id="cell%d">%s</div>`, i, syftWidgetIn(t, home, hubEnv, "render", "--checkpoint", m))
	}
	if !strings.Contains(cells, "/user/ada/proxy/") {
		t.Fatalf("the fragments do not use the hub's proxy: %s", cells)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/user/ada/proxy/", hubProxy)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>hub</title></head><body>"+cells+"</body></html>")
	})
	hub := httptest.NewServer(mux)
	defer func() {
		hub.CloseClientConnections() // the page's streams, some to the squatter
		hub.Close()
	}()
	p.navigate(hub.URL + "/user/ada/notebooks/a.ipynb")
	for _, cell := range []string{"#cell0", "#cell1"} {
		p.wait(cell+" to turn live", liveShown(cell))
		p.frame(cell+" "+liveFrame).wait(cell+" live with its data", statusIs("live")+" && "+bodyHas("alpha"))
	}

	moving := p.frame("#cell0 " + liveFrame)
	killAndTakePort(t, home, "hubmover", moving)
	writeFile(t, dir, "data/b.json", `{"v": "beta"}`)
	syftWidgetIn(t, home, hubEnv, "render", "--checkpoint", smallWidget(t, dir, "other", "hubmover"))
	_, newAddr := serverRecord(t, home, "hubmover")
	_, newPort, _ := net.SplitHostPort(newAddr)
	moving.wait("the widget live through the hub on the new port, without a reload", statusIs("live")+" && "+bodyHas("beta"))
	if src := p.str(`document.querySelector('#cell0 iframe').src`); !strings.HasPrefix(src, hub.URL+"/user/ada/proxy/"+newPort+"/") {
		t.Errorf("the widget's live page is %s, not the hub's address of port %s", src, newPort)
	}
}

// killAndTakePort kills server name with SIGKILL, waits for the page frame
// that shows it to notice, and holds the server's old port with another
// listener until the test ends, so the server must come back elsewhere. It
// returns the old address.
func killAndTakePort(t *testing.T, home, name string, shown *frame) string {
	t.Helper()
	pid, addr := serverRecord(t, home, name)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	shown.wait("the widget to say it lost its server", `/^(reconnecting|offline)/.test(`+statusText+`)`)
	var squatter net.Listener
	eventually(t, "the old port to be free", func() bool {
		var err error
		squatter, err = net.Listen("tcp", addr)
		return err == nil
	})
	t.Cleanup(func() { squatter.Close() })
	return addr
}
