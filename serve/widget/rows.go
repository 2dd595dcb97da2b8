package widget

import "github.com/syft-widget/syft-widget/render"

// Rows draws one page of the list the template shows at path, from the
// current state's values (the last good ones, as the page shows them),
// with the state's version.
func (w *Widget) Rows(path string, q render.RowQuery) (render.Rows, uint64, error) {
	st := w.State()
	rows, err := w.tmpl.Rows(st.Good, path, q)
	return rows, st.Version, err
}
