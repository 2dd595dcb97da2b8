// Package ipynb finds the syft-widget checkpoints in a saved Jupyter
// notebook and replaces them with fresh ones, leaving everything else as
// it was: what `syft-widget refresh` does, so that a notebook shared
// through sync carries current values even where no server runs.
//
// A checkpoint is recognised by the marker that `render` appends to its
// fragment, an HTML comment naming the manifest as it was given.
package ipynb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// markerRE matches the marker; its JSON cannot hold "-->" (encoding/json
// writes > as \u003e).
var markerRE = regexp.MustCompile(`<!-- syft-widget checkpoint (\{[^\n]*?\}) -->`)

// liveURLRE finds the live URL in the bootstrap's configuration.
var liveURLRE = regexp.MustCompile(`"liveURL":("(?:[^"\\]|\\.)*")`)

// Marker is the comment that marks a fragment rendered from manifest (the
// path as the user gave it, relative to the notebook's folder).
func Marker(manifest string) string {
	b, _ := json.Marshal(struct {
		Manifest string `json:"manifest"`
	}{manifest})
	return "<!-- syft-widget checkpoint " + string(b) + " -->"
}

// Checkpoint is one marked output found in a notebook.
type Checkpoint struct {
	Cell     int    // index of the cell, from 0
	Manifest string // as in the marker
	LiveURL  string // the live URL the old fragment used ("" if none)
}

// Rerender returns the new fragment (marker included) for a checkpoint.
type Rerender func(Checkpoint) (fragment string, err error)

// Refresh replaces the text/html of every marked output of the notebook nb
// with what rerender returns. Outputs rerender fails for are left as they
// were and reported in errs; everything else is written back as nbformat
// writes it (one-space indent, sorted keys, no escaping of <, > and &).
func Refresh(nb []byte, rerender Rerender) (out []byte, refreshed int, errs []error, err error) {
	dec := json.NewDecoder(bytes.NewReader(nb))
	dec.UseNumber() // numbers stay as written
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, 0, nil, fmt.Errorf("not a notebook: %w", err)
	}
	cells, ok := doc["cells"].([]any)
	if !ok {
		return nil, 0, nil, fmt.Errorf("not a notebook: no cells")
	}
	for i, c := range cells {
		cell, _ := c.(map[string]any)
		outputs, _ := cell["outputs"].([]any)
		for _, o := range outputs {
			output, _ := o.(map[string]any)
			data, _ := output["data"].(map[string]any)
			html, ok := joinLines(data["text/html"])
			if !ok {
				continue
			}
			m := markerRE.FindStringSubmatch(html)
			if m == nil {
				continue
			}
			var mark struct {
				Manifest string `json:"manifest"`
			}
			if json.Unmarshal([]byte(m[1]), &mark) != nil || mark.Manifest == "" {
				errs = append(errs, fmt.Errorf("cell %d: the checkpoint's marker is damaged", i+1))
				continue
			}
			cp := Checkpoint{Cell: i, Manifest: mark.Manifest}
			if u := liveURLRE.FindStringSubmatch(html); u != nil {
				json.Unmarshal([]byte(u[1]), &cp.LiveURL)
			}
			fresh, err := rerender(cp)
			if err != nil {
				errs = append(errs, fmt.Errorf("cell %d (%s): %w", i+1, mark.Manifest, err))
				continue
			}
			data["text/html"] = splitLines(fresh)
			refreshed++
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(doc); err != nil {
		return nil, 0, nil, err
	}
	return b.Bytes(), refreshed, errs, nil
}

// joinLines reads a multiline string of nbformat: a string or a list of
// strings.
func joinLines(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case []any:
		var b strings.Builder
		for _, s := range v {
			str, ok := s.(string)
			if !ok {
				return "", false
			}
			b.WriteString(str)
		}
		return b.String(), true
	}
	return "", false
}

// splitLines writes s as nbformat does: a list of lines, each but the last
// ending in a newline.
func splitLines(s string) []any {
	var out []any
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	if out == nil {
		out = []any{}
	}
	return out
}
