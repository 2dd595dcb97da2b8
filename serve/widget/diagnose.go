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

// notice is the quiet note above the body when a source is empty for a
// reason the user can fix (missing root, nothing matches, unreadable
// folder). A change of the warnings is logged once.
func (w *Widget) notice() string {
	warnings := w.cache.Warnings()
	w.mu.Lock()
	changed := !slices.Equal(warnings, w.warnings)
	w.warnings = warnings
	w.mu.Unlock()
	if changed {
		for _, msg := range warnings {
			w.log.Warn(msg)
		}
	}
	if len(warnings) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(`<div class="sw-notice" role="status"><ul>`)
	for _, msg := range warnings {
		b.WriteString("<li>" + html.EscapeString(msg) + "</li>")
	}
	b.WriteString("</ul></div>")
	return b.String()
}
