package serve

import (
	"encoding/json"
	"net"
	"net/http"

	"github.com/gorilla/mux"
)

// where answers POST /servers/{name}/where: the loopback port that another
// server of the same home runs on now, for a page that lost it (its old
// port was taken, so it came back on another one). Like every path but
// /healthz it needs this server's token; the body must also carry the
// other server's token ({"token": "..."}), which the asking page holds
// already, so the answer tells nothing to anyone who could not reach that
// server anyway. It never carries a token. The answer also gives this
// server's own port ("here"): the page maps the one to the other in the
// address it reaches this server by (a proxy path, a public URL).
func (s *Server) where(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Token string `json:"token"`
	}
	notFound := func() {
		// One answer for unknown, stopped and wrong-token alike.
		http.Error(w, "no server of that name runs in this server's home with that token", http.StatusNotFound)
	}
	if s.locate == nil {
		notFound()
		return
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&req); err != nil || req.Token == "" {
		http.Error(w, `the body must be {"token": "the other server's token"}`, http.StatusBadRequest)
		return
	}
	here, _ := r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr)
	port, ok := s.locate(mux.Vars(r)["name"], req.Token)
	if !ok || here == nil {
		notFound()
		return
	}
	writeJSON(w, r, map[string]any{"server": mux.Vars(r)["name"], "port": port, "here": here.Port})
}
