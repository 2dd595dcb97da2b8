package manifest

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestARuntimeErrorLeavesTheOtherFieldsIntact(t *testing.T) {
	p := write(t, "w.yaml", `sources:
  jobs: "*.json"
endpoints:
  /a:
    total: len(jobs)
    first: jobs[0].data.name
    names: map(jobs, .name)
`)
	m, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	fields, errs := m.Endpoints[0].Eval(m.Env(map[string]any{"jobs": []*Record{}}))
	if fields["total"] != 0 || fields["first"] != nil || len(fields["names"].([]any)) != 0 {
		t.Errorf("fields = %#v", fields)
	}
	if len(errs) != 1 || !strings.Contains(errs["first"], "out of range") {
		t.Errorf("errs = %#v", errs)
	}
}

func TestResultsArePlainData(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	rec := &Record{Path: "a/b.json", Name: "b.json", Stem: "b", Ext: ".json", Dir: "a", Size: 3, Mtime: now, Exists: true, Data: map[string]any{"n": 1}}
	got := Plain([]*Record{rec})
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"data":{"n":1},"dir":"a","error":"","exists":true,"ext":".json","mtime":"2026-11-25T12:00:00Z","name":"b.json","path":"a/b.json","size":3,"stale":false,"stem":"b"}]`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	if Plain(math.NaN()) != nil || Plain(math.Inf(1)) != nil {
		t.Error("non-finite floats must become nil (JSON has no NaN)")
	}
	if Plain(90*time.Second) != "1m30s" {
		t.Errorf("durations read as Go durations, got %v", Plain(90*time.Second))
	}
	if m, ok := Plain(map[any][]any{"x": {int64(1)}}).(map[string]any); !ok || m["x"].([]any)[0] != 1 {
		t.Errorf("groupBy-like maps become map[string]any, got %#v", Plain(map[any][]any{"x": {int64(1)}}))
	}
}

func TestHelpers(t *testing.T) {
	p := write(t, "w.yaml", `endpoints:
  /a:
    b: basename("x/y/z.json")
    d: dirname("x/y/z.json")
    a: ago(now() - duration("90s"))
    t: title
`)
	m, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	fields, errs := m.Endpoints[0].Eval(m.Env(nil))
	if errs != nil {
		t.Fatal(errs)
	}
	if fields["b"] != "z.json" || fields["d"] != "x/y" || fields["a"] != "1 min ago" || fields["t"] != "w" {
		t.Errorf("fields = %#v", fields)
	}
}

func TestAgo(t *testing.T) {
	now := time.Now()
	for d, want := range map[time.Duration]string{
		0: "just now", 9 * time.Second: "just now", 42 * time.Second: "42 s ago", 5 * time.Minute: "5 min ago",
		3 * time.Hour: "3 h ago", 24 * time.Hour: "1 day ago", 72 * time.Hour: "3 days ago", -5 * time.Minute: "in 5 min",
	} {
		if got := Ago(now.Add(-d), now); got != want {
			t.Errorf("Ago(-%s) = %q, want %q", d, got, want)
		}
	}
}

func TestMemoryBudgetStopsRunawayExpressions(t *testing.T) {
	p := write(t, "w.yaml", "endpoints:\n  /a:\n    x: 'map(1..100000000, # * 2)'\n")
	m, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	_, errs := m.Endpoints[0].Eval(m.Env(nil))
	if !strings.Contains(errs["x"], "memory limit") {
		t.Errorf("errs = %v", errs)
	}
}

func TestARunawayLoopIsStoppedAtTheDeadline(t *testing.T) {
	defer func(d time.Duration) { evalTimeout = d }(evalTimeout)
	evalTimeout = 50 * time.Millisecond
	p := write(t, "w.yaml", `sources:
  files: "*.json"
endpoints:
  /a:
    slow: sum(files, sum(files, sum(files, .size)))
    fast: len(files)
`)
	m, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	files := make([]*Record, 2000) // 8e9 steps unbounded
	for i := range files {
		files[i] = &Record{}
	}
	fields, errs := m.Endpoints[0].Eval(m.Env(map[string]any{"files": files}))
	if !strings.Contains(errs["slow"], "evaluation took longer than 50ms") {
		t.Errorf("errs = %v", errs)
	}
	if fields["fast"] != 2000 {
		t.Errorf("the other field: %v", fields["fast"])
	}
}

func TestBudgetTicksDoNotChangeResults(t *testing.T) {
	p := write(t, "w.yaml", `sources:
  files: "*.json"
endpoints:
  /a:
    names: 'sortBy(map(filter(files, .size > 1), ({n: .name})), .n)'
    all: all(files, .size >= 0)
    sum: sum(map(files, .size))
    grouped: len(groupBy(files, .ext))
`)
	m, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	files := []*Record{{Name: "b", Size: 2, Ext: ".x"}, {Name: "a", Size: 3, Ext: ".y"}, {Name: "c", Size: 1, Ext: ".x"}}
	fields, errs := m.Endpoints[0].Eval(m.Env(map[string]any{"files": files}))
	if errs != nil {
		t.Fatal(errs)
	}
	got, _ := json.Marshal(fields)
	if string(got) != `{"all":true,"grouped":2,"names":[{"n":"a"},{"n":"b"}],"sum":6}` {
		t.Errorf("fields = %s", got)
	}
}

// BenchmarkCountOver100kRecords is a predicate over 100,000 records: the
// cost of the time budget's tick shows here.
func BenchmarkCountOver100kRecords(b *testing.B) {
	p := filepath.Join(b.TempDir(), "w.yaml")
	os.WriteFile(p, []byte("sources:\n  files: \"*.json\"\nendpoints:\n  /a:\n    n: count(files, .size > 10)\n"), 0o644)
	m, err := Load(p)
	if err != nil {
		b.Fatal(err)
	}
	files := make([]*Record, 100_000)
	for i := range files {
		files[i] = &Record{Size: int64(i % 20)}
	}
	env := m.Env(map[string]any{"files": files})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if v, err := m.Endpoints[0].Fields[0].Eval(env); err != nil || v != 45_000 {
			b.Fatal(v, err)
		}
	}
}

func TestMemberAccessIntoDataIsNilSafe(t *testing.T) {
	p := write(t, "w.yaml", `sources:
  jobs: "*.json"
endpoints:
  /a:
    names: map(jobs, .data.name)
    deep: map(jobs, .data.owner.email ?? "-")
    running: count(jobs, .data.state == "running")
    indexed: map(jobs, .data.tags[0])
    keyed: map(jobs, .data["name"])
    sorted: map(sortBy(jobs, .data.name ?? ""), .data.name)
`)
	m, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	jobs := []*Record{
		{Path: "a.json", Exists: true, Data: map[string]any{"name": "a", "state": "running", "tags": []any{"x"}, "owner": map[string]any{"email": "a@x"}}},
		{Path: "b.json", Exists: true, Error: "invalid JSON"},                 // never parsed: data null
		{Path: "c.json", Exists: true, Data: []any{1, 2}},                     // another shape
		{Path: "d.json", Exists: true, Data: "text", Error: "x", Stale: true}, // a string
	}
	fields, errs := m.Endpoints[0].Eval(m.Env(map[string]any{"jobs": jobs}))
	if len(errs) != 0 {
		t.Fatalf("errors = %v; one record without the path must not fail the field", errs)
	}
	want := map[string]string{
		"names":   `["a",null,null,null]`,
		"deep":    `["a@x","-","-","-"]`,
		"running": `1`,
		"indexed": `["x",null,null,null]`,
		"keyed":   `["a",null,null,null]`,
		"sorted":  `[null,null,null,"a"]`,
	}
	for k, w := range want {
		b, _ := json.Marshal(fields[k])
		if string(b) != w {
			t.Errorf("%s = %s, want %s", k, b, w)
		}
	}
}

func TestGroupsWhoseKeysReadTheSameAreMergedTheSameWayEveryTime(t *testing.T) {
	groups := map[any][]any{0: {"a", "b"}, 0.0: {"c"}, 1: {"d"}}
	for range 50 {
		got := Plain(groups)
		want := map[string]any{"0": []any{"c", "a", "b"}, "1": []any{"d"}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Plain = %v, want %v", got, want)
		}
	}
}
