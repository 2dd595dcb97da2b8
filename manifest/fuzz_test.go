package manifest

import "testing"

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
