// Package background runs widgets in background servers: detached
// processes, named by a manifest's server key, that outlive the command (or
// notebook cell) that started them. It owns their records, start locks,
// spawning, health checks, stopping, idle expiry and logs, and the calls the
// command line makes to them (EnsureHosted, Admin, Summaries).
//
// Its state lives under Home(): for server NAME, servers/NAME.json (the
// Record, mode 0600, written atomically), servers/NAME.log and
// servers/NAME.lock, which serialises starts.
//
// It must not serve HTTP or evaluate widgets itself: a background server is
// a serve.Server, and this package only starts, finds and stops one.
package background

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/syft-widget/syft-widget/manifest"
	"github.com/syft-widget/syft-widget/serve"
)

// Environment variables of background servers.
const (
	EnvHome      = "SYFT_WIDGET_HOME"
	EnvPublicURL = "SYFT_WIDGET_PUBLIC_URL"
	envBoot      = "SYFT_WIDGET_BOOT"  // passed to a starting server
	envToken     = "SYFT_WIDGET_TOKEN" // passed to a starting server, never on its command line
)

// Home is the folder of background server state: $SYFT_WIDGET_HOME, or the
// user's state folder.
func Home() string {
	if h := os.Getenv(EnvHome); h != "" {
		return h
	}
	if h := os.Getenv("XDG_STATE_HOME"); h != "" {
		return filepath.Join(h, "syft-widget")
	}
	if dir, err := os.UserHomeDir(); err == nil {
		return filepath.Join(dir, ".local", "state", "syft-widget")
	}
	return filepath.Join(os.TempDir(), "syft-widget-"+strconv.Itoa(os.Getuid()))
}

// Record describes a running background server.
type Record struct {
	Name       string    `json:"name"`
	PID        int       `json:"pid"`
	Addr       string    `json:"addr"` // host:port it listens on
	Token      string    `json:"token"`
	Boot       string    `json:"boot"`
	Started    time.Time `json:"started"`
	Manifests  []string  `json:"manifests"`
	Expiration string    `json:"expiration"` // "never" or a duration
	Log        string    `json:"log"`
}

// BaseURL is the server's own loopback address.
func (r *Record) BaseURL() string { return "http://" + r.Addr + "/" }

func serversDir(home string) string { return filepath.Join(home, "servers") }

func recordPath(home, name string) string { return filepath.Join(serversDir(home), name+".json") }

// LogPath is where server name writes its log.
func LogPath(home, name string) string { return filepath.Join(serversDir(home), name+".log") }

// ReadRecord reads the record of server name.
func ReadRecord(home, name string) (*Record, error) {
	b, err := os.ReadFile(recordPath(home, name))
	if err != nil {
		return nil, err
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", recordPath(home, name), err)
	}
	return &r, nil
}

// writeRecord replaces the record atomically (temp file + rename), 0600.
func writeRecord(home string, r *Record) error {
	dir := serversDir(home)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(r, "", "  ")
	tmp, err := os.CreateTemp(dir, "."+r.Name+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), recordPath(home, r.Name))
}

// removeRecord deletes the record if it is still the one of boot.
func removeRecord(home, name, boot string) {
	if r, err := ReadRecord(home, name); err == nil && (boot == "" || r.Boot == boot) {
		os.Remove(recordPath(home, name))
	}
}

// Records lists the records under home, by name.
func Records(home string) []*Record {
	entries, _ := os.ReadDir(serversDir(home))
	var out []*Record
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".json"); ok && !strings.HasPrefix(name, ".") {
			if r, err := ReadRecord(home, name); err == nil {
				out = append(out, r)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

var healthClient = &http.Client{Timeout: 2 * time.Second}

// Alive reports whether the record's server answers /healthz as the same run
// (boot id): a record whose process is gone, or whose port another process
// now holds, is stale.
func Alive(r *Record) bool {
	resp, err := healthClient.Get(r.BaseURL() + "healthz")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var h struct {
		OK   bool   `json:"ok"`
		Boot string `json:"boot"`
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&h) == nil && h.OK && h.Boot == r.Boot
}

// Admin calls an admin path of the record's server with its token.
func Admin(r *Record, method, path string, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.BaseURL()+"admin/"+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+r.Token)
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Timeout: 60 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("server %s does not answer: %w", r.Name, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(out, &e) == nil && e.Error != "" {
			return out, errors.New(e.Error)
		}
		return out, fmt.Errorf("server %s answered %s: %s", r.Name, resp.Status, strings.TrimSpace(string(out)))
	}
	return out, nil
}

// PublicBase is the address a browser uses for a server on port: the
// public URL given (flag or $SYFT_WIDGET_PUBLIC_URL, with {port}), else
// jupyter-server-proxy's {prefix}proxy/{port}/ under
// $JUPYTERHUB_SERVICE_PREFIX, else code-server's $VSCODE_PROXY_URI (with
// {{port}}; absolute ones only), else the loopback address (which Colab's
// bootstrap maps through google.colab.kernel.proxyPort).
func PublicBase(publicURL string, port int) string {
	if publicURL == "" {
		publicURL = os.Getenv(EnvPublicURL)
	}
	if publicURL == "" {
		if prefix := os.Getenv("JUPYTERHUB_SERVICE_PREFIX"); prefix != "" {
			publicURL = strings.TrimSuffix(prefix, "/") + "/proxy/{port}/"
		}
	}
	// code-server's own URL for a port; a relative one ("./proxy/{{port}}")
	// would resolve against the notebook output's webview, not code-server.
	if v := os.Getenv("VSCODE_PROXY_URI"); publicURL == "" && (strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://")) {
		publicURL = strings.ReplaceAll(v, "{{port}}", "{port}")
	}
	if publicURL == "" {
		publicURL = "http://127.0.0.1:{port}/"
	}
	return strings.TrimSuffix(strings.ReplaceAll(publicURL, "{port}", strconv.Itoa(port)), "/") + "/"
}

// InColab says whether this runs in a Google Colab runtime, which sets
// $COLAB_RELEASE_TAG.
func InColab() bool { return os.Getenv("COLAB_RELEASE_TAG") != "" }

// allowHostFor is the Host a server reached at base must accept besides
// loopback names: the public URL's host; AnyHost (with the token) when
// base is a path behind a proxy that passes the browser's Host through
// (jupyter-server-proxy) or when Colab's proxy fronts the port; else none.
func allowHostFor(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	if u.Host == "" || InColab() {
		return serve.AnyHost
	}
	return u.Hostname()
}

// EnsureHosted makes sure the background server named by m.Server runs and
// hosts m (reloaded if its file changed since, so it is never served stale),
// and returns the widget's checkpoint fragment, rendered by the server from
// its live state and pointing at its live page. Concurrent calls start one
// server.
func EnsureHosted(home string, m *manifest.Manifest, publicURL string) (fragment string, err error) {
	r, err := ensureServer(home, m, publicURL)
	if err != nil {
		return "", err
	}
	_, port, _ := net.SplitHostPort(r.Addr)
	p, _ := strconv.Atoi(port)
	base := PublicBase(publicURL, p)
	req := serve.LoadRequest{File: m.File, AllowHost: allowHostFor(base), LiveURL: serve.URL(base, m.Name, r.Token)}
	b, err := Admin(r, http.MethodPost, "load", req)
	if err != nil {
		return "", err
	}
	var resp struct {
		Fragment string `json:"fragment"`
	}
	if err := json.Unmarshal(b, &resp); err != nil || resp.Fragment == "" {
		return "", fmt.Errorf("server %s sent no fragment: %s", r.Name, b)
	}
	return resp.Fragment, nil
}

// ensureServer returns the record of a live server named m.Server, starting
// one if there is none.
func ensureServer(home string, m *manifest.Manifest, publicURL string) (*Record, error) {
	if r, err := ReadRecord(home, m.Server); err == nil && Alive(r) {
		return r, nil
	}
	if err := os.MkdirAll(serversDir(home), 0o700); err != nil {
		return nil, err
	}
	unlock, err := lockFile(filepath.Join(serversDir(home), m.Server+".lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Another render may have started it while this one waited for the lock.
	if r, err := ReadRecord(home, m.Server); err == nil && Alive(r) {
		return r, nil
	}
	removeRecord(home, m.Server, "")
	return startServer(home, m, publicURL)
}

// startTimeout bounds how long a new server may take to answer.
const startTimeout = 15 * time.Second

func startServer(home string, m *manifest.Manifest, publicURL string) (*Record, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	logPath := LogPath(home, m.Server)
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	// The boot id (48 random bits) tells this run's record from a stale one.
	boot, token := serve.NewToken()[:12], tokenFor(home, m.Server)
	args := []string{DaemonCommand, "--name", m.Server, "--home", home, "--expiration", expirationString(m.Expiration)}
	if h := allowHostFor(PublicBase(publicURL, 1)); h != "" {
		args = append(args, "--allow-host", h)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), envBoot+"="+boot, envToken+"="+token, EnvHome+"="+home)
	cmd.Stdin = nil // /dev/null
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = detached()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start server %s: %w", m.Server, err)
	}
	pid := cmd.Process.Pid
	// The child runs on in its own session; the parent does not wait for it.
	cmd.Process.Release()
	deadline := time.Now().Add(startTimeout)
	for delay := 2 * time.Millisecond; time.Now().Before(deadline); delay = min(delay*2, 50*time.Millisecond) {
		if r, err := ReadRecord(home, m.Server); err == nil && r.Boot == boot && Alive(r) {
			return r, nil
		}
		if !processAlive(pid) {
			return nil, fmt.Errorf("server %s exited at start; see %s", m.Server, logPath)
		}
		time.Sleep(delay)
	}
	return nil, fmt.Errorf("server %s did not answer within %s; see %s", m.Server, startTimeout, logPath)
}

func expirationString(d time.Duration) string {
	if d == 0 {
		return "never"
	}
	return d.String()
}

// DaemonCommand is the hidden command a background server runs as.
const DaemonCommand = "__server"

// DaemonConfig configures RunDaemon.
type DaemonConfig struct {
	Name       string
	Home       string
	Expiration time.Duration // 0 = never
	AllowHosts []string
}

// RunDaemon is the body of a background server: it listens on a free
// loopback port, publishes its record, hosts what it is told to, and exits
// after Expiration of idleness or when stopped, removing its record.
func RunDaemon(ctx context.Context, cfg DaemonConfig) error {
	ignoreHangup()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("server", cfg.Name)
	rec := &Record{Name: cfg.Name, PID: os.Getpid(), Expiration: expirationString(cfg.Expiration), Log: LogPath(cfg.Home, cfg.Name)}
	id := readIdentity(cfg.Home, cfg.Name)
	srv := serve.NewServer(serve.Config{
		Name: cfg.Name, Token: os.Getenv(envToken), AllowHosts: cfg.AllowHosts, Log: log,
		Boot: os.Getenv(envBoot), Expiration: cfg.Expiration,
		// Called one at a time, with the latest state, so record writes never interleave.
		OnChange: func(files []string, token string) {
			rec.Manifests, rec.Token = files, token
			if err := writeRecord(cfg.Home, rec); err != nil {
				log.Error("cannot write record", "error", err)
			}
			id.Token, id.Manifests = token, files
			if err := writeIdentity(cfg.Home, cfg.Name, id); err != nil {
				log.Error("cannot write identity", "error", err)
			}
		},
	})
	os.Unsetenv(envToken)
	ln, err := listenAsBefore(id, log)
	if err != nil {
		return err
	}
	// Nothing is served yet, so OnChange cannot run concurrently.
	rec.Addr, rec.Token, rec.Boot, rec.Started = ln.Addr().String(), srv.Token(), srv.Boot(), srv.Started()
	if err := writeRecord(cfg.Home, rec); err != nil {
		log.Error("cannot write record", "error", err)
	}
	id.Port, id.Token = ln.Addr().(*net.TCPAddr).Port, srv.Token()
	if err := writeIdentity(cfg.Home, cfg.Name, id); err != nil {
		log.Error("cannot write identity", "error", err)
	}
	defer removeRecord(cfg.Home, cfg.Name, srv.Boot())
	log.Info("server started", "addr", rec.Addr, "pid", rec.PID, "boot", rec.Boot)
	ctx, cancel := context.WithCancel(ctx)
	expired, rehosted := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(expired)
		expireWhenIdle(ctx, srv, cfg.Expiration, cancel, log)
	}()
	// Read now: OnChange replaces id.Manifests as soon as a load lands.
	lastRun := id.Manifests
	go func() {
		defer close(rehosted)
		rehost(ctx, cfg.Name, lastRun, srv.Load, log)
	}()
	err = srv.Serve(ctx, ln)
	cancel()
	<-expired
	<-rehosted
	log.Info("server stopped")
	return err
}

// expireWhenIdle cancels the server once it has been idle for longer than
// the longest expiration of its widgets.
func expireWhenIdle(ctx context.Context, srv *serve.Server, fallback time.Duration, cancel func(), log *slog.Logger) {
	for {
		exp := srv.Expiration(fallback)
		check := 30 * time.Second
		if exp > 0 {
			check = min(max(exp/10, 10*time.Millisecond), check)
			if srv.Idle() > exp {
				log.Info("idle for longer than the expiration; exiting", "expiration", exp)
				cancel()
				return
			}
		}
		t := time.NewTimer(check)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// RemoveStale deletes the record of a server that no longer answers.
func RemoveStale(home string, r *Record) { removeRecord(home, r.Name, r.Boot) }

// Stop asks the server to shut down and waits up to timeout for its process
// to end, then kills it. forced says whether it had to be killed.
func Stop(home string, r *Record, timeout time.Duration) (forced bool, err error) {
	defer removeRecord(home, r.Name, r.Boot)
	if !Alive(r) {
		// Stale: its pid may belong to another process by now; leave it be.
		return false, nil
	}
	Admin(r, http.MethodPost, "shutdown", nil)
	deadline := time.Now().Add(timeout)
	for delay := time.Millisecond; processAlive(r.PID); delay = min(2*delay, 50*time.Millisecond) {
		if time.Now().After(deadline) {
			if err := killProcess(r.PID); err != nil {
				return true, fmt.Errorf("cannot kill server %s (pid %d): %w", r.Name, r.PID, err)
			}
			forced = true
			break
		}
		time.Sleep(delay)
	}
	return forced, nil
}
