package widget

import (
	"fmt"

	"github.com/syft-widget/syft-widget/manifest"
	"github.com/syft-widget/syft-widget/render"
)

// Check loads a manifest and compiles its template without reading any
// data. notes says what the template cleaner removed.
func Check(path string) (m *manifest.Manifest, notes []string, err error) {
	m, err = manifest.Load(path)
	if err != nil {
		return nil, nil, err
	}
	_, removed, err := compileTemplate(m, path)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range removed {
		notes = append(notes, fmt.Sprintf("%s:%d:%d: template: %s", path, m.TemplatePos.Line, m.TemplatePos.Col, r))
	}
	_, removed = render.CleanStyle(m.Style)
	for _, r := range removed {
		notes = append(notes, fmt.Sprintf("%s:%d:%d: style: %s", path, m.StylePos.Line, m.StylePos.Col, r))
	}
	return m, notes, nil
}

// compileTemplate compiles m's template; errors name the manifest as file.
func compileTemplate(m *manifest.Manifest, file string) (*render.Template, []string, error) {
	var names []string
	for _, ep := range m.Endpoints {
		for _, f := range ep.Fields {
			names = append(names, f.Name)
		}
	}
	t, removed, err := render.Compile(m.Template, names)
	if err != nil {
		return nil, nil, manifest.ErrorList{{File: file, Pos: m.TemplatePos, Msg: "template: " + err.Error()}}
	}
	t.ListLimit = m.ListLimit
	return t, removed, nil
}
