// Package serve hosts widgets over HTTP: the live pages, their JSON, pushed
// updates (Server-Sent Events) and the admin calls of the command line,
// behind a token and a Host check. It owns the Server, which keeps one
// widget per manifest file, and the ManifestWatcher, which keeps those
// files in step with a list or a folder.
//
// It must not evaluate anything itself (that is package serve/widget's
// stage) nor manage processes, records or logs of background servers
// (package serve/background, which builds on this one).
package serve

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/syft-widget/syft-widget/manifest"
	"github.com/syft-widget/syft-widget/serve/widget"
)

// Version is the version the server reports on /healthz; the command sets it.
var Version = "dev"

// Config configures a Server. The zero value serves on loopback with a fresh
// token.
type Config struct {
	Name       string   // server name, reported by /healthz
	Token      string   // access token; "" makes a new one
	AllowHosts []string // Host names accepted besides loopback ones; AnyHost: any, with the token
	ConfineTo  string   // when set, a manifest's root must lie inside this folder
	Log        *slog.Logger

	// Boot identifies this run of the server on /healthz; "" makes a new one.
	Boot string
	// Expiration is the idle expiration /admin/status reports while no
	// widget is hosted (a background server's default); 0 means never.
	Expiration time.Duration
	// OnChange is called after the set of hosted files or the token
	// changed, one call at a time, each with the latest state: a background
	// server keeps its record with it. It must not call back into the server.
	OnChange func(files []string, token string)
	// Locate, when set, says on which loopback port the server named name
	// of the same home runs now, if it runs and token is its token: what
	// POST /servers/{name}/where answers a page that lost that server.
	Locate func(name, token string) (port int, ok bool)
}

// Server hosts widgets. Widgets are keyed by their manifest file; a file
// that fails to load keeps its last good widget and shows its errors.
type Server struct {
	name   string
	token  atomic.Pointer[string]
	boot   string
	hostMu sync.RWMutex
	hosts  map[string]bool
	jail   string // ConfineTo, resolved
	log    *slog.Logger
	hub    hub

	// mu guards entries and closed; it is never held across I/O or an
	// evaluation.
	mu                sync.Mutex
	entries           map[string]*entry // manifest file (absolute) -> entry
	loading           map[string]*fileTurn
	changeMu          sync.Mutex // serialises OnChange calls
	closed            bool
	defaultExpiration time.Duration                      // when no widget is hosted
	onChange          func(files []string, token string) // Config.OnChange

	locate func(name, token string) (int, bool) // Config.Locate

	streams  atomic.Int64 // open event streams
	activity atomic.Int64 // unix nanos of the last request or render
	started  time.Time
	stopping chan struct{} // closed when streams must end
	stopOnce sync.Once
	quit     chan struct{} // closed by Shutdown
	quitOnce sync.Once
}

// entry is one manifest file and what it gave.
type entry struct {
	file   string
	widget *widget.Widget // last good; nil if it never loaded
	err    error          // the current load error, if any
	digest [32]byte       // of the file that gave widget
}

// NewServer returns a server with no widgets.
func NewServer(cfg Config) *Server {
	s := &Server{
		name:              cfg.Name,
		boot:              cfg.Boot,
		defaultExpiration: cfg.Expiration,
		onChange:          cfg.OnChange,
		locate:            cfg.Locate,
		hosts:             map[string]bool{},
		log:               cfg.Log,
		entries:           map[string]*entry{},
		stopping:          make(chan struct{}),
		quit:              make(chan struct{}),
		started:           time.Now(),
	}
	if s.boot == "" {
		s.boot = randomHex(6)
	}
	if cfg.Token == "" {
		cfg.Token = NewToken()
	}
	s.token.Store(&cfg.Token)
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if cfg.ConfineTo != "" {
		s.jail = realPath(cfg.ConfineTo)
	}
	for _, h := range cfg.AllowHosts {
		s.AllowHost(h)
	}
	s.touch()
	return s
}

// NewToken returns a new random access token (128 bits).
func NewToken() string { return randomHex(16) }

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

// Token is the server's access token.
func (s *Server) Token() string { return *s.token.Load() }

// RotateToken replaces the token; pages holding the old one lose access.
func (s *Server) RotateToken() string {
	t := NewToken()
	s.token.Store(&t)
	s.changed()
	return t
}

// Boot identifies this run of the server.
func (s *Server) Boot() string { return s.boot }

// Started is when the server was made.
func (s *Server) Started() time.Time { return s.started }

// changed tells Config.OnChange that the hosted files or the token
// changed. Calls are serialised by their own lock and each takes its snapshot
// inside it, so the last call reports the latest state; the server's lock is
// not held while OnChange writes.
func (s *Server) changed() {
	if s.onChange == nil {
		return
	}
	s.changeMu.Lock()
	defer s.changeMu.Unlock()
	s.mu.Lock()
	files := s.filesLocked()
	s.mu.Unlock()
	s.onChange(files, s.Token())
}

func (s *Server) touch() { s.activity.Store(time.Now().UnixNano()) }

// Idle is how long the server has had no request, no open stream and no
// render.
func (s *Server) Idle() time.Duration {
	if s.streams.Load() > 0 {
		return 0
	}
	return time.Since(time.Unix(0, s.activity.Load()))
}

// Load loads (or reloads) the manifest at path and hosts its widget. When a
// reload fails, the last good widget stays and shows the errors; the error
// is returned either way. Two files may not claim one widget name: the file
// that had it first keeps it.
//
// The server's lock is held only to look at and swap entries: reading and
// evaluating the new widget, starting it, stopping the old one (which
// waits for an evaluation in progress) and writing the record all happen
// outside it, so one slow widget never delays requests to the others. Loads
// of one file take turns.
func (s *Server) Load(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	s.touch()
	unlock := s.fileLock(abs)
	defer unlock()
	data, err := manifest.Read(abs)
	if err != nil {
		return s.failed(abs, err)
	}
	digest := sha256.Sum256(data)
	if s.unchanged(abs, digest) {
		// Live already: its watcher keeps it current.
		return nil
	}
	w, loadErr := s.build(abs, data)

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		if w != nil {
			w.Close()
		}
		return errors.New("the server is shutting down")
	}
	e := s.entries[abs]
	if e == nil {
		e = &entry{file: abs}
		s.entries[abs] = e
	}
	if loadErr == nil {
		if other := s.byNameLocked(w.M.Name); other != nil && other != e {
			loadErr = fmt.Errorf("%s: widget name %q is already taken by %s", abs, w.M.Name, other.file)
		}
	}
	if loadErr != nil {
		s.mu.Unlock()
		return s.failed(abs, loadErr)
	}
	old := e.widget
	var prev *widget.State
	if old != nil {
		prev = old.State()
	}
	// Pages that read the new widget before it is started see versions
	// that follow the old one's.
	w.ContinueFrom(prev)
	e.widget, e.err, e.digest = w, nil, digest
	s.mu.Unlock()

	// The new widget starts before the old one stops: over the same
	// sources it joins the old one's cache and watch, where the other way
	// round the watch would stop and the whole tree be walked again.
	name := w.M.Name
	err = w.Start(func(*widget.State) { s.hub.Publish(name) })
	if old != nil {
		old.Close()
		w.ContinueFrom(old.State()) // it may have moved on before it stopped
	}
	s.mu.Lock()
	closed := s.closed
	if err != nil && e.widget == w {
		e.err = err // it shows what it read, without updates
	}
	s.mu.Unlock()
	if closed {
		w.Close() // Close ran while it started
		return errors.New("the server is shutting down")
	}
	if err != nil {
		return err
	}
	if prev != nil && prev.Name != name {
		s.hub.Publish(prev.Name) // its pages learn it is gone
	}
	s.hub.Publish(name)
	s.log.Info("widget loaded", "widget", name, "file", abs)
	s.changed()
	return nil
}

// unchanged reports whether the file at abs gave a live widget from the
// same bytes.
func (s *Server) unchanged(abs string, digest [32]byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[abs]
	return e != nil && e.widget != nil && e.err == nil && e.digest == digest
}

// build parses the manifest file abs (its bytes are data), checks it stays
// in the served folder and evaluates it once.
func (s *Server) build(abs string, data []byte) (*widget.Widget, error) {
	m, err := manifest.Parse(abs, data)
	if err != nil {
		return nil, err
	}
	var rel string // of the root in the served folder
	if s.jail != "" {
		if rel, err = s.confined(m); err != nil {
			return nil, err
		}
	}
	return widget.NewConfined(m, abs, s.log, s.jail, rel)
}

// fileLock makes loads of one manifest file take turns, without holding
// back loads of other files.
func (s *Server) fileLock(abs string) (unlock func()) {
	s.mu.Lock()
	if s.loading == nil {
		s.loading = map[string]*fileTurn{}
	}
	t := s.loading[abs]
	if t == nil {
		t = &fileTurn{}
		s.loading[abs] = t
	}
	t.users++
	s.mu.Unlock()
	t.mu.Lock()
	return func() {
		t.mu.Unlock()
		s.mu.Lock()
		if t.users--; t.users == 0 {
			delete(s.loading, abs)
		}
		s.mu.Unlock()
	}
}

// fileTurn serialises the loads of one file; users counts who holds or
// waits for it.
type fileTurn struct {
	mu    sync.Mutex
	users int
}

// failed records that the file at abs did not load; its last good widget
// stays and shows the errors.
func (s *Server) failed(abs string, err error) error {
	s.mu.Lock()
	e := s.entries[abs]
	if e == nil {
		e = &entry{file: abs}
		s.entries[abs] = e
	}
	e.err = err
	w := e.widget
	s.mu.Unlock()
	if w != nil {
		// Re-renders, after an evaluation in progress: not under s.mu.
		w.SetProblems(manifest.Errors(err))
	}
	s.log.Warn("manifest not loaded", "file", abs, "error", err)
	return err
}

// confined refuses a manifest whose root is outside the served folder, and
// says where the root lies in it. The widget opens its root through the
// folder at every pass (sources.Cache.ConfineTo): a root that becomes a
// symlink leading out later is refused then.
func (s *Server) confined(m *manifest.Manifest) (string, error) {
	rel, err := filepath.Rel(s.jail, realPath(m.Root))
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", manifest.ErrorList{{File: m.File, Pos: m.RootPos, Msg: fmt.Sprintf("root %s is outside the served folder %s (serve --allow-outside allows it)", m.Root, s.jail)}}
	}
	return rel, nil
}

// realPath resolves symlinks as far as the path exists.
func realPath(p string) string {
	p, _ = filepath.Abs(p)
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	dir, base := filepath.Split(p)
	if dir == p || dir == "" {
		return p
	}
	return filepath.Join(realPath(filepath.Clean(dir)), base)
}

// Unload stops hosting the widget of the manifest at path.
func (s *Server) Unload(path string) {
	abs, _ := filepath.Abs(path)
	unlock := s.fileLock(abs) // after a load of it in progress
	defer unlock()
	s.mu.Lock()
	e := s.entries[abs]
	delete(s.entries, abs)
	s.mu.Unlock()
	s.changed()
	if e != nil && e.widget != nil {
		e.widget.Close()
		s.hub.Publish(e.widget.M.Name)
		s.log.Info("widget removed", "widget", e.widget.M.Name, "file", abs)
	}
}

func (s *Server) byNameLocked(name string) *entry {
	for _, e := range s.entries {
		if e.widget != nil && e.widget.M.Name == name {
			return e
		}
	}
	return nil
}

// AllowHost adds a Host name the server answers to.
func (s *Server) AllowHost(h string) {
	if h = normalizeHost(h); h != "" {
		s.hostMu.Lock()
		s.hosts[h] = true
		s.hostMu.Unlock()
	}
}

// Expiration is the longest expiration of the hosted widgets (0: never),
// or fallback when none is hosted.
func (s *Server) Expiration(fallback time.Duration) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, any := time.Duration(-1), false
	for _, e := range s.entries {
		if e.widget != nil {
			any = true
			if d := e.widget.M.Expiration; d == 0 || exp == 0 {
				exp = 0
			} else {
				exp = max(exp, d)
			}
		}
	}
	if !any {
		return fallback
	}
	return exp
}

// Widget returns the hosted widget with that name.
func (s *Server) Widget(name string) *widget.Widget {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.byNameLocked(name); e != nil {
		return e.widget
	}
	return nil
}

// widgetOf returns the widget of the manifest file at path.
func (s *Server) widgetOf(path string) *widget.Widget {
	abs, _ := filepath.Abs(path)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.entries[abs]; e != nil {
		return e.widget
	}
	return nil
}

// WidgetInfo describes one hosted manifest.
type WidgetInfo struct {
	Name   string   `json:"name,omitempty"`
	Title  string   `json:"title,omitempty"`
	File   string   `json:"file"`
	Errors []string `json:"errors,omitempty"`
}

// Widgets lists the hosted manifests, by name, broken ones last.
func (s *Server) Widgets() []WidgetInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []WidgetInfo
	for _, e := range s.entries {
		info := WidgetInfo{File: e.file}
		if e.widget != nil {
			info.Name, info.Title = e.widget.M.Name, e.widget.M.Title
		}
		for _, err := range manifest.Errors(e.err) {
			info.Errors = append(info.Errors, err.Error())
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Name == "") != (out[j].Name == "") {
			return out[i].Name != ""
		}
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].File < out[j].File
	})
	return out
}

// Files lists the manifest files the server hosts or tried to.
func (s *Server) Files() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.filesLocked()
}

func (s *Server) filesLocked() []string {
	var out []string
	for f := range s.entries {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// Close stops every widget and ends the event streams.
func (s *Server) Close() error {
	s.stopOnce.Do(func() { close(s.stopping) })
	s.mu.Lock()
	s.closed = true
	entries := s.entries
	s.entries = map[string]*entry{}
	s.mu.Unlock()
	for _, e := range entries {
		if e.widget != nil {
			e.widget.Close()
		}
	}
	return nil
}

// httpServer is the HTTP server of s: a client gets 10 s to send its
// headers (slowloris) and a keep-alive connection left idle is closed after
// a minute; streams (SSE) are not idle, they are responses in progress.
func (s *Server) httpServer() *http.Server {
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
}

// Serve answers HTTP on ln until ctx is done, then shuts down gracefully:
// streams end, requests in flight finish, widgets stop.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := s.httpServer()
	hs.RegisterOnShutdown(func() { s.stopOnce.Do(func() { close(s.stopping) }) })
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	var err error
	select {
	case <-ctx.Done():
	case <-s.quit:
	case err = <-errc:
	}
	if err == nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = hs.Shutdown(sctx)
		cancel()
		if err != nil {
			// A client that stopped reading keeps its handler in Write:
			// close the connections under it.
			hs.Close()
			err = nil
		}
		<-errc
	}
	s.Close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Shutdown asks Serve to stop, as a cancelled context would.
func (s *Server) Shutdown() { s.quitOnce.Do(func() { close(s.quit) }) }

// Done is closed once Shutdown was called.
func (s *Server) Done() <-chan struct{} { return s.quit }

// Listen opens a TCP listener; an empty addr means a free loopback port.
func Listen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	return net.Listen("tcp", addr)
}

// URL is the address of the widget's live page on a server at base, with the
// token.
func URL(base, name, token string) string {
	return fmt.Sprintf("%sw/%s/?token=%s", ensureSlash(base), name, token)
}

func ensureSlash(s string) string {
	if len(s) == 0 || s[len(s)-1] != '/' {
		return s + "/"
	}
	return s
}
