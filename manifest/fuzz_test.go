package manifest

import (
	"strings"
	"testing"
)

// FuzzParse: no manifest, however broken, panics the loader; a failure is
// always a list of positioned errors.
func FuzzParse(f *testing.F) {
	f.Add([]byte("name: a\nsources:\n  jobs: \"*.json\"\nendpoints:\n  /a:\n    n: len(jobs)\n"))
	f.Add([]byte("a: &a [x]\nb: *a\n"))
	f.Add([]byte("endpoints:\n  /a:\n    x: |\n      1 +\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("/tmp/fuzz.yaml", data)
		if err == nil && m == nil {
			t.Fatal("no manifest and no error")
		}
		if err != nil {
			for _, e := range Errors(err) {
				if me, ok := e.(Error); ok && (me.Pos.Line < 1 || me.Pos.Col < 1) {
					t.Fatalf("error without a position: %v", e)
				}
			}
		}
	})
}

// Hints read parser messages and the manifest's lines: whatever they hold,
// a hint never panics and its position lies on a line of the file.
func FuzzHints(f *testing.F) {
	f.Add("did not find expected alphabetic or numeric character", "sources:\n  a: *.json\n", 2)
	f.Add("mapping values are not allowed in this context", "x: a: b\n", 1)
	f.Add("found character that cannot start any token", "\t\tx: 1\n", 9)
	f.Fuzz(func(t *testing.T, msg, text string, line int) {
		lines := strings.Split(text, "\n")
		pos, _ := yamlHint(msg, lines, line)
		if pos.Col < 1 {
			t.Fatalf("column %d", pos.Col)
		}
		m := &Manifest{Sources: []*Source{{Name: "jobs", Glob: "*"}}}
		exprHint(msg, text, line, len(text), m)
		identBefore(text, line, line)
		shapeOf(text, m)
	})
}
