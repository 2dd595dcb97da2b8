//go:build linux

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fieldsOf reads a widget's /data fields.
func fieldsOf(t *testing.T, widgetURL string) map[string]any {
	t.Helper()
	var data struct {
		Fields map[string]any `json:"fields"`
	}
	if err := json.Unmarshal([]byte(get(t, strings.Replace(widgetURL, "/?token=", "/data?token=", 1))), &data); err != nil {
		t.Fatal(err)
	}
	return data.Fields
}

// outsideSecret is a folder outside the served one, holding a secret.
func outsideSecret(t *testing.T) string {
	out := t.TempDir()
	os.WriteFile(filepath.Join(out, "secret.json"), []byte(`{"v": "SECRET-TOKEN"}`), 0o644)
	return out
}

// TestServeDirRefusesARootSwappedForASymlinkAfterLoad: the root of a
// widget of `serve DIR` is a real folder at load; replaced by a symlink to
// a folder outside DIR (say the servers folder, with every token), the
// next pass finds nothing rather than the outside files.
func TestServeDirRefusesARootSwappedForASymlinkAfterLoad(t *testing.T) {
	dir, out := t.TempDir(), outsideSecret(t)
	os.MkdirAll(filepath.Join(dir, "state"), 0o755)
	os.WriteFile(filepath.Join(dir, "state", "a.json"), []byte(`{"v": "inside"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "w.yaml"), []byte("root: state\nsources:\n  files: \"**/*.json\"\nendpoints:\n  /api:\n    values: map(files, .data?.v)\n"), 0o644)
	urls := startServing(t, 1, "serve", dir)
	if got := jsonOf(t, fieldsOf(t, urls["w"])["values"]); got != `["inside"]` {
		t.Fatalf("before the swap: %s", got)
	}
	os.Rename(filepath.Join(dir, "state"), filepath.Join(dir, "old"))
	if err := os.Symlink(out, filepath.Join(dir, "state")); err != nil {
		t.Fatal(err)
	}
	// The pass that sees the swap drops "inside"; without confinement the
	// same pass would read the secret.
	var got string
	waitFor(t, "the pass after the swap", func() bool {
		got = jsonOf(t, fieldsOf(t, urls["w"])["values"])
		return !strings.Contains(got, "inside")
	})
	if strings.Contains(got, "SECRET") {
		t.Fatalf("the widget read outside its folder: %s", got)
	}
}

// TestServeDirRefusesASubfolderSwappedForASymlinkAfterLoad: a folder below
// the root replaced by a symlink leading out is not followed, and a file
// written after the swap still shows (passes went on).
func TestServeDirRefusesASubfolderSwappedForASymlinkAfterLoad(t *testing.T) {
	dir, out := t.TempDir(), outsideSecret(t)
	os.MkdirAll(filepath.Join(dir, "data", "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "data", "sub", "a.json"), []byte(`{"v": "inside"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "w.yaml"), []byte("root: data\nsources:\n  files: \"**/*.json\"\nendpoints:\n  /api:\n    values: map(files, .data?.v)\n"), 0o644)
	urls := startServing(t, 1, "serve", dir)
	if got := jsonOf(t, fieldsOf(t, urls["w"])["values"]); got != `["inside"]` {
		t.Fatalf("before the swap: %s", got)
	}
	os.Rename(filepath.Join(dir, "data", "sub"), filepath.Join(dir, "old"))
	if err := os.Symlink(out, filepath.Join(dir, "data", "sub")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "data", "later.json"), []byte(`{"v": "later"}`), 0o644)
	var got string
	waitFor(t, "the file written after the swap", func() bool {
		got = jsonOf(t, fieldsOf(t, urls["w"])["values"])
		return strings.Contains(got, "later") && !strings.Contains(got, "inside")
	})
	if strings.Contains(got, "SECRET") {
		t.Fatalf("the widget read outside its folder: %s", got)
	}
}

func jsonOf(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
