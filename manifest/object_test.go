package manifest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestObjectIsTheMapItStandsFor(t *testing.T) {
	// Written {"b": 1, "a": [{"c": "<b>&\u2028"}], "b": 2}: a repeated key keeps its last value.
	keys, slots := NewKeySet([]string{"b", "a", "b"})
	inner, _ := NewKeySet([]string{"c"})
	vals := make([]any, keys.Len())
	for i, v := range []any{1, NewArray([]any{NewObject(inner, []any{"<b>&\u2028"})}), 2} {
		vals[slots[i]] = v
	}
	o := NewObject(keys, vals)
	want := map[string]any{"a": []any{map[string]any{"c": "<b>&\u2028"}}, "b": 2}
	if got := Open(o); !reflect.DeepEqual(got, want) {
		t.Fatalf("Open = %#v, want %#v", got, want)
	}
	if got := Plain(o); !reflect.DeepEqual(got, want) {
		t.Fatalf("Plain = %#v, want %#v", got, want)
	}
	if v, ok := o.Get("b"); v != 2 || !ok {
		t.Fatalf(`Get("b") = %v, %v`, v, ok)
	}
	if v, ok := o.Get("z"); v != nil || ok {
		t.Fatalf(`Get("z") = %v, %v`, v, ok)
	}
	for _, escape := range []bool{true, false} {
		encode := func(v any) string {
			var b strings.Builder
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(escape)
			enc.SetIndent("", "  ")
			if err := enc.Encode([]any{v, "<&>"}); err != nil {
				t.Fatal(err)
			}
			return b.String()
		}
		if got, w := encode(o), encode(want); got != w {
			t.Errorf("escaping HTML %v: JSON %s, the map's %s", escape, got, w)
		}
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%10v"} {
		if got, w := fmt.Sprintf(format, o), fmt.Sprintf(format, want); got != w {
			t.Errorf("%s prints %s, the map %s", format, got, w)
		}
	}
	if sizeOf(o, 1<<20, true) != sizeOf(want, 1<<20, true) {
		t.Errorf("size %d, the map's %d", sizeOf(o, 1<<20, true), sizeOf(want, 1<<20, true))
	}
}

func TestOpenKeepsAListWithoutObjects(t *testing.T) {
	l := []any{1, "x", []any{2.5}, map[string]any{"k": 1}}
	if a, ok := NewArray(l).([]any); !ok || &a[0] != &l[0] {
		t.Fatalf("NewArray made %T of a list that holds no object", NewArray(l))
	}
	if got := Open(l).([]any); &got[0] != &l[0] {
		t.Fatal("Open copied a list that holds no object")
	}
	keys, _ := NewKeySet(nil)
	deep := NewArray([]any{1, NewArray([]any{NewObject(keys, nil)})})
	if got := Open(deep); !reflect.DeepEqual(got, []any{1, []any{map[string]any{}}}) {
		t.Fatalf("Open = %#v", got)
	}
}

// TestOpeningAnObjectSpendsTheBudget: the map an object becomes where an
// expression uses it whole counts toward the memory limit of the
// evaluation, before it is made (map(1..1000, big.data) makes 1,000 maps).
func TestOpeningAnObjectSpendsTheBudget(t *testing.T) {
	keys := make([]string, 100)
	vals := make([]any, 100)
	for i := range keys {
		keys[i], vals[i] = fmt.Sprintf("k%03d", i), i
	}
	set, _ := NewKeySet(keys)
	o := NewObject(set, vals)
	b := newBudget()
	b.bytes = 101 * elemBytes
	if v, err := open(b, o); err != nil || len(v.(map[string]any)) != 100 || b.bytes != 0 {
		t.Fatalf("open = %T, %v; %d bytes left", v, err, b.bytes)
	}
	_, err := open(b, o)
	if want := "reading an object of a file would make 4.7 KiB more, after 256.0 MiB, over the memory limit of one evaluation (256.0 MiB)"; err == nil || err.Error() != want {
		t.Fatalf("open with no budget left: %v, want %s", err, want)
	}
	if v, err := open(b, []any{1, 2}); err != nil || len(v.([]any)) != 2 {
		t.Fatalf("opening a list without objects spent the budget: %v", err)
	}
}

func TestTheZeroObjectIsAnEmptyObject(t *testing.T) {
	var o Object
	if v, ok := o.Get("x"); v != nil || ok {
		t.Errorf(`Get("x") = %v, %v`, v, ok)
	}
	if got := fmt.Sprint(&o); got != "map[]" {
		t.Errorf("prints %q, want map[]", got)
	}
	if b, err := json.Marshal(&o); err != nil || string(b) != "{}" {
		t.Errorf("JSON %s, %v; want {}", b, err)
	}
	if got := Plain(&Record{Data: &o}).(map[string]any)["data"]; !reflect.DeepEqual(got, map[string]any{}) {
		t.Errorf("Plain gives data %#v, want an empty map", got)
	}
}

// The data of a record reached through an optional chain is opened after
// the chain: when the chain stops at nil, nothing of the call is left
// behind (an argument pushed before the chain's value once was, and the
// fields below read another value or failed with our names in the error).
func TestAnOptionalChainToDataStopsCleanlyAtNil(t *testing.T) {
	p := write(t, "w.yaml", `sources:
  jobs: "*.json"
endpoints:
  /a:
    state: '"state: " + (find(jobs, .name == "build.json")?.data?.state ?? "missing")'
    newest: '{count: len(jobs), newest: last(jobs)?.data}'
    sizes: '[len(jobs), last(jobs)?.data?.size ?? 0]'
    latest: '"Latest: " + (last(jobs)?.data.name ?? "none")'
    twice: map(1..2, last(jobs)?.data)
`)
	m, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	fields, errs := m.Endpoints[0].Eval(m.Env(map[string]any{"jobs": []*Record{}}))
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	want := map[string]any{
		"state":  "state: missing",
		"newest": map[string]any{"count": 0, "newest": nil},
		"sizes":  []any{0, 0},
		"latest": "Latest: none",
		"twice":  []any{nil, nil},
	}
	if !reflect.DeepEqual(fields, want) {
		t.Errorf("fields = %#v\nwant     %#v", fields, want)
	}
}

// Counting or walking a file's list of objects opens none of them whole:
// over 3,000 records of 1,000 rows each, opening every row would be over
// the 256 MiB an evaluation may make.
func TestWalkingListsOfObjectsOpensNone(t *testing.T) {
	rowKeys, _ := NewKeySet([]string{"a", "b"})
	rows := make([]any, 1000)
	for i := range rows {
		rows[i] = NewObject(rowKeys, []any{i, 2})
	}
	dataKeys, _ := NewKeySet([]string{"name", "rows"})
	data := NewObject(dataKeys, []any{"r", NewArray(rows)})
	recs := make([]*Record, 3000)
	for i := range recs {
		recs[i] = &Record{Path: fmt.Sprintf("res/r%d.json", i), Data: data, Exists: true}
	}
	p := write(t, "w.yaml", `sources:
  res: "res/*.json"
endpoints:
  /a:
    rows: 'reduce(res, #acc + len(#.data.rows), 0)'
    twos: 'reduce(res, #acc + count(#.data.rows, .b == 2), 0)'
    found: 'reduce(res, #acc + len(filter(#.data.rows, .a < 10)), 0)'
`)
	m, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	fields, errs := m.Endpoints[0].Eval(m.Env(map[string]any{"res": recs}))
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if fields["rows"] != 3_000_000 || fields["twos"] != 3_000_000 || fields["found"] != 30_000 {
		t.Errorf("fields = %v", fields)
	}
}
