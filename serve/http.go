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
	r.PathPrefix("/w/{name}/").HandlerFunc(s.endpoint).Methods(http.MethodGet, http.MethodHead)
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
		if !s.hostAllowed(r.Host) {
			http.Error(w, "this server answers only to loopback names and configured hosts", http.StatusForbidden)
			return
		}
		if r.URL.Path != "/healthz" {
			if !s.authorized(r) {
				http.Error(w, "a valid token is required (?token=… or Authorization: Bearer …)", http.StatusUnauthorized)
				return
			}
			s.touch()
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

func normalizeHost(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return strings.ToLower(strings.Trim(h, "[]"))
}

func (s *Server) hostAllowed(hostport string) bool {
	h := normalizeHost(hostport)
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
	writeJSON(w, r, map[string]any{"ok": true, "server": s.name, "version": Version, "pid": os.Getpid(), "boot": s.boot})
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
		var full map[string]any
		json.Unmarshal(st.Data(), &full)
		full["name"], full["html"], full["boot"] = st.Name, st.HTML, s.boot
		b, _ := json.Marshal(full)
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
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	sub := s.hub.Subscribe(name)
	defer s.hub.Unsubscribe(sub)
	s.streams.Add(1)
	defer func() { s.streams.Add(-1); s.touch() }()

	var buf bytes.Buffer
	buf.WriteString("retry: 2000\n: hello\n\n")
	var names []string
	if name != "" {
		names = []string{name}
	} else {
		for _, info := range s.Widgets() {
			if info.Name != "" {
				names = append(names, info.Name)
			}
		}
	}
	sent := map[string]uint64{}
	last := r.Header.Get("Last-Event-ID")
	write := func(names []string) error {
		for _, n := range names {
			wd := s.Widget(n)
			if wd == nil {
				fmt.Fprintf(&buf, "event: removed\ndata: {\"name\":%q}\n\n", n)
				delete(sent, n)
				continue
			}
			st := wd.State()
			id := fmt.Sprintf("%s-%d", s.boot, st.Version)
			if sent[n] == st.Version && st.Version != 0 || (name != "" && last == id) {
				last = ""
				continue
			}
			payload := st.Payload()
			if patch, ok := st.PatchFrom(sent[n]); ok {
				payload = patch // this stream showed the version before: what changed
			}
			sent[n] = st.Version
			fmt.Fprintf(&buf, "id: %s\ndata: %s\n\n", id, payload)
		}
		if buf.Len() == 0 {
			return nil
		}
		// A client that stops reading is dropped instead of holding a
		// goroutine and its buffers forever.
		rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		_, err := w.Write(buf.Bytes())
		buf.Reset()
		if err == nil {
			err = rc.Flush()
		}
		return err
	}
	if err := write(names); err != nil {
		return
	}
	if buf.Len() == 0 {
		rc.Flush()
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
			rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
			if _, err := w.Write([]byte(": beat " + strconv.FormatInt(time.Now().Unix(), 10) + "\n\n")); err != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
		case <-sub.Ready():
			if write(sub.Take()) != nil {
				return
			}
		}
	}
}

var indexTemplate = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>syft-widget · {{.Server}}</title>
<style nonce="{{.Nonce}}">
body{font:14px/1.45 system-ui,sans-serif;margin:0;padding:16px 20px;background:#fafafa;color:#222}
@media (prefers-color-scheme:dark){body{background:#1b1b1d;color:#ddd}.card{background:#242428;border-color:#3a3a40}}
h1{font-size:18px;margin:0 0 12px}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:14px}
.card{background:#fff;border:1px solid #ddd;border-radius:8px;padding:10px 12px;min-width:0}
.card h2{font-size:15px;margin:0 0 6px;display:flex;justify-content:space-between;gap:8px}
.card a{color:inherit}.errors{color:#b3261e;font:12px/1.4 ui-monospace,monospace;white-space:pre-wrap;margin:6px 0}
iframe{border:0;width:100%;height:160px;display:block}.empty{color:#888}
</style></head><body>
<h1>syft-widget · {{.Server}}</h1>
{{if not .Widgets}}<p class="empty">No widgets are hosted yet.</p>{{end}}
<div class="grid">
{{range .Widgets}}<section class="card" id="card-{{.Name}}">
<h2><span>{{if .Name}}<a href="w/{{.Name}}/?token={{$.Token}}">{{.Title}}</a>{{else}}{{.File}}{{end}}</span>{{if .Name}}<small>{{.Name}}</small>{{end}}</h2>
{{range .Errors}}<div class="errors">{{.}}</div>{{end}}
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
