package widget

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/syft-widget/syft-widget/manifest"
	"github.com/syft-widget/syft-widget/render"
)

// Check loads a manifest and compiles its template without reading any
// data. notes says what the template cleaner removed.
func Check(path string) (m *manifest.Manifest, notes []string, err error) {
	m, err = manifest.Load(path)
	if err != nil {
		// Report the template's own problems in the same run.
		var list manifest.ErrorList
		if pm := manifest.Partial(err); pm != nil && errors.As(err, &list) {
			if _, _, terr := compileTemplate(pm, path); terr != nil {
				var tl manifest.ErrorList
				if errors.As(terr, &tl) {
					list = append(append(manifest.ErrorList{}, list...), tl...)
					list.Sort()
					return nil, nil, list
				}
			}
		}
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
		return nil, nil, manifest.ErrorList{{File: file, Pos: templateErrorPos(m, err.Error()), Msg: "template: " + err.Error()}}
	}
	// Tables keep the keys in the order the manifest wrote them.
	for _, ep := range m.Endpoints {
		for _, f := range ep.Fields {
			if sh := f.Shape; sh != nil && sh.Item != nil && sh.Item.Keys != nil {
				t.OrderKeys(f.Name, sh.Item.Keys)
			} else if sh != nil && sh.Keys != nil {
				t.OrderKeys(f.Name, sh.Keys)
			}
		}
	}
	t.ListLimit = m.ListLimit
	return t, removed, nil
}

var quotedRE = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// templateErrorPos finds where in the manifest a template error is: the
// attribute whose value the message quotes, or the data-each it is about;
// else where the template starts.
func templateErrorPos(m *manifest.Manifest, msg string) manifest.Pos {
	for _, q := range quotedRE.FindAllString(msg, -1) {
		v, err := strconv.Unquote(q)
		if err != nil {
			continue
		}
		for _, attr := range []string{"data-format", "data-each", "data-field"} {
			for _, quote := range []string{`"`, `'`} {
				if i := strings.Index(m.Template, attr+"="+quote+v+quote); i >= 0 {
					return m.TemplatePosAt(i)
				}
			}
		}
	}
	if strings.Contains(msg, "data-each") {
		if i := strings.Index(m.Template, "data-each"); i >= 0 {
			return m.TemplatePosAt(i)
		}
	}
	return m.TemplatePos
}
