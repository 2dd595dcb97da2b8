package serve

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"
	"github.com/syft-widget/syft-widget/render"
)

// rows answers GET /w/{name}/rows/{path}?offset=&limit=&sort=&desc=1&q=:
// one page of a list the widget's template draws (each=1: its data-each
// list at path, rather than a table drawn for it), sorted, filtered and
// paged over all its rows from the current state, as HTML rows drawn by
// the same code as the page (so escaped the same way), with the version,
// the list's total and how many rows match. limit is at most
// render.MaxPageRows; the live page's pager asks for render.PageRows.
func (s *Server) rows(w http.ResponseWriter, r *http.Request) {
	wd := s.widgetOr404(w, r)
	if wd == nil {
		return
	}
	q := r.URL.Query()
	var rq render.RowQuery
	for _, p := range []struct {
		name string
		to   *int
	}{{"offset", &rq.Offset}, {"limit", &rq.Limit}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				http.Error(w, p.name+" must be a whole number", http.StatusBadRequest)
				return
			}
			*p.to = n
		}
	}
	rq.Each = q.Get("each") == "1"
	rq.Sort = q.Get("sort")
	rq.Desc = q.Get("desc") == "1"
	rq.Text = q.Get("q")
	page, version, err := wd.Rows(mux.Vars(r)["path"], rq)
	switch {
	case errors.Is(err, render.ErrNoList):
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, r, struct {
		Version uint64 `json:"version"`
		render.Rows
	}{version, page})
}
