package serve

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/syft-widget/syft-widget/render"
	"github.com/syft-widget/syft-widget/serve/widget"
)

// Handler returns the server's HTTP handler: the Host check and the token
// wrap the whole router, so they also apply to its 404s and OPTIONS.
func (s *Server) Handler() http.Handler {
	r := mux.NewRouter()
	r.HandleFunc("/healthz", s.healthz).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/", s.index).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/events", s.events).Methods(http.MethodGet)
	r.HandleFunc("/w/{name}", s.slash).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/w/{name}/", s.page).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/w/{name}/data", s.data).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/w/{name}/events", s.events).Methods(http.MethodGet)
	r.HandleFunc("/w/{name}/rows/{path}", s.rows).Methods(http.MethodGet)
	r.PathPrefix("/w/{name}/").HandlerFunc(s.endpoint).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/servers/{name}/where", s.where).Methods(http.MethodPost)
	s.adminRoutes(r.PathPrefix("/admin/").Subrouter())
	return s.guard(r)
}

// guard applies the Host allow-list, the token and the security headers to
// every response.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		if !s.hostAllowed(r.Host) && !s.proxiedWithToken(r) {
			http.Error(w, "this server answers only to loopback names and configured hosts", http.StatusForbidden)
			return
		}
		if r.URL.Path != "/healthz" {
			if !s.authorized(r) {
				http.Error(w, "a valid token is required (?token=… or Authorization: Bearer …)", http.StatusUnauthorized)
				return
			}
			// Idle time counts what users do (pages, data, events and,
			// through Load, renders), not `servers`, `stop`, health checks
			// or a page asking where another server went.
			if !strings.HasPrefix(r.URL.Path, "/admin/") && !strings.HasPrefix(r.URL.Path, "/servers/") {
				s.touch()
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) authorized(r *http.Request) bool {
	got := r.URL.Query().Get("token")
	if auth := r.Header.Get("Authorization"); got == "" && strings.HasPrefix(auth, "Bearer ") {
		got = strings.TrimPrefix(auth, "Bearer ")
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(s.Token())) == 1
}

// AnyHost, given as an allowed host, accepts any Host name on requests that
// carry the token, except /healthz and /admin/. A proxy such as
// jupyter-server-proxy passes the browser's Host through, and the name it
// is reached by is not known in advance; a DNS-rebinding page does not
// have the token, so it still gets nothing.
const AnyHost = "*"

// proxiedWithToken says whether r may pass the Host check as a proxied
// request: any Host is accepted (AnyHost is allowed), r carries the token,
// and it asks for a widget's page or data, not the token-less /healthz or
// the command line's /admin/.
func (s *Server) proxiedWithToken(r *http.Request) bool {
	s.hostMu.RLock()
	any := s.hosts[AnyHost]
	s.hostMu.RUnlock()
	if !any || r.URL.Path == "/healthz" || strings.HasPrefix(r.URL.Path, "/admin/") {
		return false
	}
	return s.authorized(r)
}

func normalizeHost(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return strings.ToLower(strings.Trim(h, "[]"))
}

func (s *Server) hostAllowed(hostport string) bool {
	h := normalizeHost(hostport)
	if h == AnyHost {
		return false // a name, not the wildcard
	}
	s.hostMu.RLock()
	allowed := s.hosts[h]
	s.hostMu.RUnlock()
	if allowed || h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	answer := map[string]any{"ok": true, "server": s.name, "version": Version, "pid": os.Getpid(), "boot": s.boot}
	s.challenge(r, answer, os.Getpid())
	writeJSON(w, r, answer)
}

func writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSONBytes(w, r, b, "")
}

// writeJSONBytes answers with b, honouring If-None-Match when etag is set.
func writeJSONBytes(w http.ResponseWriter, r *http.Request, b []byte, etag string) {
	w.Header().Set("Content-Type", "application/json")
	if etag != "" {
		w.Header().Set("ETag", etag)
		w.Header().Set("Cache-Control", "no-cache")
		if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Write(b)
}

func (s *Server) widgetOr404(w http.ResponseWriter, r *http.Request) *widget.Widget {
	wd := s.Widget(mux.Vars(r)["name"])
	if wd == nil {
		http.Error(w, "no widget of that name is hosted here", http.StatusNotFound)
	}
	return wd
}

func (s *Server) slash(w http.ResponseWriter, r *http.Request) {
	u := *r.URL
	u.Path = mux.Vars(r)["name"] + "/"
	http.Redirect(w, r, u.String(), http.StatusMovedPermanently)
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	wd := s.widgetOr404(w, r)
	if wd == nil {
		return
	}
	st := wd.State()
	nonce := randomHex(16)
	var b bytes.Buffer
	if err := render.LivePage(&b, wd.Page(), st.HTML, st.Version, nonce); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", render.CSP(nonce))
	w.Write(b.Bytes())
}

func etagOf(s *widget.State, kind string) string {
	return fmt.Sprintf(`"%s-%d-%s"`, kind, s.Version, s.Name)
}

func (s *Server) data(w http.ResponseWriter, r *http.Request) {
	wd := s.widgetOr404(w, r)
	if wd == nil {
		return
	}
	st := wd.State()
	if r.URL.Query().Get("html") == "1" {
		// The polling fallback of the live page: data plus the page update.
		// The data's JSON object is extended as it is, not decoded, which
		// would turn integers into float64 and round those over 2^53.
		extra, _ := json.Marshal(struct {
			Name string `json:"name"`
			HTML string `json:"html"`
			Boot string `json:"boot"`
		}{st.Name, st.HTML, s.boot})
		data := bytes.TrimSpace(st.Data())
		b := make([]byte, 0, len(data)+len(extra)+1)
		b = append(b, extra[:len(extra)-1]...)
		if len(data) > 2 {
			b = append(b, ',')
		}
		b = append(b, data[1:]...)
		writeJSONBytes(w, r, b, etagOf(st, s.boot+"-h"))
		return
	}
	writeJSONBytes(w, r, st.Data(), etagOf(st, s.boot))
}

func (s *Server) endpoint(w http.ResponseWriter, r *http.Request) {
	wd := s.widgetOr404(w, r)
	if wd == nil {
		return
	}
	name := mux.Vars(r)["name"]
	path := strings.TrimPrefix(r.URL.Path, "/w/"+name)
	st := wd.State()
	b, ok := st.Endpoint(path)
	if !ok {
		http.Error(w, "no endpoint "+path+" in widget "+name, http.StatusNotFound)
		return
	}
	writeJSONBytes(w, r, b, etagOf(st, s.boot+"-e"))
}

// heartbeat keeps idle streams open through proxies and tells a client
// early that the connection is gone.
const heartbeat = 15 * time.Second

// streamWriteTimeout bounds one write to an event stream.
const streamWriteTimeout = 10 * time.Second

// events streams updates: of one widget (/w/{name}/events) or of every
// widget (/events). Each connection starts with the current state, which is
// the full snapshot a reconnecting page catches up from.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	name := mux.Vars(r)["name"]
	if name != "" && s.widgetOr404(w, r) == nil {
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	sub := s.hub.Subscribe(name)
	defer s.hub.Unsubscribe(sub)
	s.streams.Add(1)
	defer func() { s.streams.Add(-1); s.touch() }()

	es := &eventStream{srv: s, w: w, rc: http.NewResponseController(w), only: name, sent: map[string]uint64{}, last: r.Header.Get("Last-Event-ID")}
	es.buf.WriteString("retry: 2000\n: hello\n\n")
	if err := es.send(s.streamNames(name)); err != nil {
		return
	}
	if es.buf.Len() == 0 {
		es.rc.Flush()
	}
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.stopping:
			return
		case <-beat.C:
			if es.beat() != nil {
				return
			}
		case <-sub.Ready():
			if es.send(sub.Take()) != nil {
				return
			}
		}
	}
}

// streamNames lists the widgets a new stream starts with: the one it is
// for, or every hosted one.
func (s *Server) streamNames(only string) []string {
	if only != "" {
		return []string{only}
	}
	var names []string
	for _, info := range s.Widgets() {
		if info.Name != "" {
			names = append(names, info.Name)
		}
	}
	return names
}

// eventStream is one client's event stream: what it was sent, so that it
// is sent each version once.
type eventStream struct {
	srv  *Server
	w    http.ResponseWriter
	rc   *http.ResponseController
	only string            // the widget of /w/{name}/events, or ""
	sent map[string]uint64 // widget name -> version sent
	last string            // Last-Event-ID of a reconnecting client, until used
	buf  bytes.Buffer
}

// send writes the current state of each named widget the client does not
// have yet, or that it was removed, and flushes.
func (es *eventStream) send(names []string) error {
	s := es.srv
	for _, n := range names {
		wd := s.Widget(n)
		if wd == nil {
			fmt.Fprintf(&es.buf, "event: removed\ndata: {\"name\":%q}\n\n", n)
			delete(es.sent, n)
			continue
		}
		st := wd.State()
		id := fmt.Sprintf("%s-%d", s.boot, st.Version)
		if es.sent[n] == st.Version && st.Version != 0 || (es.only != "" && es.last == id) {
			es.last = ""
			continue
		}
		// A stream that showed the version before gets what changed; the
		// whole body is encoded only for those that did not.
		payload, ok := st.PatchFrom(es.sent[n])
		if !ok {
			payload = st.Payload()
		}
		es.sent[n] = st.Version
		fmt.Fprintf(&es.buf, "id: %s\ndata: %s\n\n", id, payload)
	}
	if es.buf.Len() == 0 {
		return nil
	}
	// A client that stops reading is dropped instead of holding a
	// goroutine and its buffers forever.
	es.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	_, err := es.w.Write(es.buf.Bytes())
	es.buf.Reset()
	if err == nil {
		err = es.rc.Flush()
	}
	return err
}

// beat writes a heartbeat comment.
func (es *eventStream) beat() error {
	es.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	if _, err := es.w.Write([]byte(": beat " + strconv.FormatInt(time.Now().Unix(), 10) + "\n\n")); err != nil {
		return err
	}
	return es.rc.Flush()
}

var indexTemplate = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>syft-widget · {{.Server}}</title>
<style nonce="{{.Nonce}}">
:root{color-scheme:light dark;--sw-fg:#1f2328;--sw-muted:#6e7781;--sw-border:#d0d7de;--sw-accent:#0969da;--sw-stale:#bf8700;--sw-error:#cf222e;--sw-bg:#f6f8fa;--sw-card:#fff;--sw-code:rgba(127,127,127,.12)}
@media (prefers-color-scheme:dark){:root{--sw-fg:#e6edf3;--sw-muted:#8d96a0;--sw-border:#3d444d;--sw-accent:#4493f8;--sw-stale:#d29922;--sw-error:#f85149;--sw-bg:#0d1117;--sw-card:#151b23}}
body{font:14px/1.45 system-ui,sans-serif;margin:0;padding:16px 20px;background:var(--sw-bg);color:var(--sw-fg)}
h1{font-size:18px;margin:0 0 12px}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:14px}
.card{background:var(--sw-card);border:1px solid var(--sw-border);border-radius:8px;padding:6px 10px 10px;min-width:0;overflow:hidden}
.card header{display:flex;justify-content:flex-end;gap:8px;font-size:11px;color:var(--sw-muted);min-height:14px}
.card header a{color:var(--sw-muted);text-decoration:none}.card header a:hover{color:var(--sw-accent);text-decoration:underline}
.card header .file{margin-right:auto;font-size:13px;color:var(--sw-fg)}
.errors{border:1px solid var(--sw-error);border-left-width:4px;border-radius:4px;background:var(--sw-code);color:var(--sw-fg);font:12px/1.4 ui-monospace,monospace;white-space:pre-wrap;overflow-wrap:anywhere;padding:4px 8px;margin:6px 0}
iframe{border:0;width:100%;height:160px;display:block}.empty{color:var(--sw-muted)}
</style></head><body>
<h1>syft-widget · {{.Server}}</h1>
{{if not .Widgets}}<p class="empty">No widgets are hosted yet.</p>{{end}}
<div class="grid">
{{range .Widgets}}<section class="card" id="card-{{.Name}}" aria-label="{{if .Name}}{{.Title}}{{else}}{{.File}}{{end}}">
<header>{{if .Name}}<a href="w/{{.Name}}/?token={{$.Token}}" title="open {{.Title}} on its own">{{.Name}} ↗</a>{{else}}<span class="file">{{.File}}</span>{{end}}</header>
{{range .Errors}}<div class="errors" role="alert">{{.}}</div>{{end}}
{{if .Name}}<iframe title="{{.Title}}" data-widget="{{.Name}}" src="w/{{.Name}}/?token={{$.Token}}"></iframe>{{end}}
</section>
{{end}}</div>
<script nonce="{{.Nonce}}">
addEventListener("message", function (e) {
  var d = e.data;
  if (!d || d.type !== "syft-widget" || d.kind !== "height") return;
  document.querySelectorAll("iframe").forEach(function (f) {
    if (f.contentWindow === e.source) f.style.height = Math.ceil(d.height) + "px";
  });
});
</script>
</body></html>`))

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	nonce := randomHex(16)
	var b bytes.Buffer
	err := indexTemplate.Execute(&b, map[string]any{
		"Server": s.name, "Token": s.Token(), "Nonce": nonce, "Widgets": s.Widgets(),
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", render.CSP(nonce)+"; frame-src 'self'")
	w.Write(b.Bytes())
}
