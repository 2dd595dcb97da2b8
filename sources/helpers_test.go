package sources

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/syft-widget/syft-widget/manifest"
)

// write creates (or replaces in place) a file below root, making its folders.
func write(t testing.TB, root, rel, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func globSource(name, glob string, exclude ...string) *manifest.Source {
	return &manifest.Source{Name: name, Glob: glob, Format: "auto", Exclude: exclude, MaxFileSize: manifest.DefaultMaxFileSize, Watch: "auto"}
}

func fileSource(name, file string) *manifest.Source {
	return &manifest.Source{Name: name, File: file, Format: "auto", MaxFileSize: manifest.DefaultMaxFileSize, Watch: "auto"}
}

func records(t testing.TB, c *Cache, name string) []*manifest.Record {
	t.Helper()
	v, ok := c.Snapshot()[name].(*manifest.Chunks[*manifest.Record])
	if !ok {
		t.Fatalf("source %s is %T, want *manifest.Chunks[*manifest.Record]", name, c.Snapshot()[name])
	}
	return v.Slice()
}

func paths(recs []*manifest.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Path
	}
	return out
}

// state renders a source as "path=data" lines (or "path!error"), the exact
// thing the watching tests compare.
func state(v any) string {
	var recs []*manifest.Record
	switch x := v.(type) {
	case *manifest.Chunks[*manifest.Record]:
		recs = x.Slice()
	case *manifest.Record:
		if !x.Exists {
			return "(missing " + x.Path + ")"
		}
		recs = []*manifest.Record{x}
	}
	var b strings.Builder
	for _, r := range recs {
		if r.Error != "" {
			fmt.Fprintf(&b, "%s!%s\n", r.Path, r.Error)
			continue
		}
		fmt.Fprintf(&b, "%s=%v\n", r.Path, r.Data)
	}
	return b.String()
}

// want builds the expected state from path -> data pairs.
func want(pairs map[string]any) string {
	keys := make([]string, 0, len(pairs))
	for k := range pairs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%v\n", k, pairs[k])
	}
	return b.String()
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond) // polling interval, not synchronisation
	}
}

// waitState waits until a source shows exactly the expected state.
func waitState(t testing.TB, c *Cache, name, expect string) {
	t.Helper()
	var got string
	deadline := time.Now().Add(15 * time.Second)
	for {
		got = state(c.Snapshot()[name])
		if got == expect {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("source %s never reached the expected state\ngot:\n%s\nwant:\n%s", name, got, expect)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
