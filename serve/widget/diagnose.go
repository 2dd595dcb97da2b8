package widget

import (
	"html"
	"slices"
	"strings"

	"github.com/syft-widget/syft-widget/manifest"
	"github.com/syft-widget/syft-widget/sources"
)

// Diagnose reads m's sources once and says what each matches, with every
// warning that would explain an empty widget; check and eval --explain
// print it.
func Diagnose(m *manifest.Manifest) sources.Diagnosis {
	c := sources.NewCache(m.Root, m.Sources)
	c.Scan()
	return c.Diagnose()
}

// Diagnose reports on the widget's sources as they are now.
func (w *Widget) Diagnose() sources.Diagnosis { return w.cache.Diagnose() }

// notice is the quiet note above the body when something is wrong with
// the sources (a missing root, an unreadable folder). Every warning,
// including a source that matches nothing, is logged once when it appears.
func (w *Widget) notice() string {
	warnings := w.cache.Warnings()
	w.mu.Lock()
	var fresh []string
	for _, msg := range warnings {
		if !slices.Contains(w.warnings, msg) {
			fresh = append(fresh, msg)
		}
	}
	w.warnings = warnings
	w.mu.Unlock()
	for _, msg := range fresh {
		w.log.Warn(msg)
	}
	notices := w.cache.Notices()
	if len(notices) == 0 {
		return ""
	}
	warnings = notices
	var b strings.Builder
	b.WriteString(`<div class="sw-notice" role="status"><ul>`)
	for _, msg := range warnings {
		b.WriteString("<li>" + html.EscapeString(msg) + "</li>")
	}
	b.WriteString("</ul></div>")
	return b.String()
}
