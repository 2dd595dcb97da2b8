package serve

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"runtime"
	"time"

	"github.com/gorilla/mux"
)

// adminRoutes are what `render`, `servers` and `stop` need. They take JSON
// and answer JSON; like every path but /healthz they need the token.
func (s *Server) adminRoutes(r *mux.Router) {
	r.HandleFunc("/load", s.adminLoad).Methods(http.MethodPost)
	r.HandleFunc("/unload", s.adminUnload).Methods(http.MethodPost)
	r.HandleFunc("/status", s.adminStatus).Methods(http.MethodGet)
	r.HandleFunc("/shutdown", s.adminShutdown).Methods(http.MethodPost)
	r.HandleFunc("/token", s.adminToken).Methods(http.MethodPost)
}

// Status is what /admin/status answers.
type Status struct {
	Server  string        `json:"server"`
	PID     int           `json:"pid"`
	Boot    string        `json:"boot"`
	Version string        `json:"version"`
	Started time.Time     `json:"started"`
	Idle    time.Duration `json:"idle_ns"`
	Streams int64         `json:"streams"`
	// Goroutines is the process's count, to watch for leaks (the soak benchmark).
	Goroutines int `json:"goroutines"`
	// Expiration is the idle time after which the server exits; 0 means never.
	Expiration time.Duration `json:"expiration_ns"`
	Widgets    []WidgetInfo  `json:"widgets"`
}

// LoadRequest is the body of /admin/load and /admin/unload.
type LoadRequest struct {
	File      string `json:"file"`
	AllowHost string `json:"allow_host,omitempty"`
	LiveURL   string `json:"live_url,omitempty"` // when set, answer with the checkpoint fragment
}

func decodeFile(w http.ResponseWriter, r *http.Request) (LoadRequest, bool) {
	var req LoadRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil || req.File == "" {
		http.Error(w, `the body must be {"file": "/path/to/manifest.yaml"}`, http.StatusBadRequest)
		return req, false
	}
	return req, true
}

func (s *Server) adminLoad(w http.ResponseWriter, r *http.Request) {
	req, ok := decodeFile(w, r)
	if !ok {
		return
	}
	if req.AllowHost != "" {
		s.AllowHost(req.AllowHost)
	}
	if err := s.Load(req.File); err != nil {
		w.WriteHeader(http.StatusUnprocessableEntity)
		writeJSON(w, r, map[string]any{"ok": false, "error": err.Error()})
		return
	}
	resp := map[string]any{"ok": true}
	if req.LiveURL != "" {
		var b bytes.Buffer
		if wd := s.widgetOf(req.File); wd == nil || wd.Checkpoint(&b, req.LiveURL) != nil {
			http.Error(w, "the widget cannot be rendered", http.StatusInternalServerError)
			return
		}
		resp["fragment"] = b.String()
	}
	writeJSON(w, r, resp)
}

func (s *Server) adminUnload(w http.ResponseWriter, r *http.Request) {
	req, ok := decodeFile(w, r)
	if !ok {
		return
	}
	s.Unload(req.File)
	writeJSON(w, r, map[string]any{"ok": true})
}

func (s *Server) adminStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, r, Status{
		Server: s.name, PID: os.Getpid(), Boot: s.boot, Version: Version, Started: s.started,
		Idle: s.Idle(), Streams: s.streams.Load(), Goroutines: runtime.NumGoroutine(), Widgets: s.Widgets(), Expiration: s.Expiration(s.defaultExpiration),
	})
}

func (s *Server) adminShutdown(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, r, map[string]any{"ok": true})
	s.Shutdown()
}

func (s *Server) adminToken(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, r, map[string]any{"token": s.RotateToken()})
}
