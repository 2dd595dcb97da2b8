package sources

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/syft-widget/syft-widget/manifest"
)

// objectExprs read JSON objects every way an expression can: member access
// of every kind, each builtin that takes an object whole, objects kept in
// variables, lists and closure results, equality, formatting, and the
// errors of using an object wrongly.
var objectExprs = []string{
	// From the review of __list: results of filter and sortBy, # used whole
	// more than once, nested closures.
	`filter(obj.data.a, true)`, `count(obj.data.nested, true)`, `map(obj.data.nested, #)`, `sortBy(obj.data.body, #)`,
	`reduce(obj.data.nested, #acc, 0)`, `filter(obj.data, true)`, `all(obj.data.list[0], true)`, `len(obj.data.missing)`,
	`any(obj.data.missing, true)`, `map(obj.data.list[0], #)`, `reduce([], #acc, obj.data)`, `count(obj.data.list[0].k, true)`,
	`reduce(obj.data.list, #acc, filter(obj.data.list, true)) == obj.data.list`, `map(d, len(.data))`, `map(d, count(.data ?? [], true))`,
	`map(d, any(.data ?? [], # == {"a": 1}))`, `map(d, map(.data ?? [], type(#)))`, `sortBy(nd.data, type(#))`, `map(d, filter(.data?.tags ?? [], true))`,
	`map(d, filter(.data?.nested?.list ?? [], # == {"k": 1}))`, `map(obj.data.list, let o = #; map([1, 2], o == {"k": 1}))`,
	`map(obj.data.list, let o = #; filter(obj.data.list, # == o))`, `map(obj.data.list, let o = #; count(obj.data.list, # == o))`,
	`reduce(obj.data.list, #acc ?? #, nil)`, `reduce(obj.data.list, #, nil) == {"k": 2, "z": nil}`, `reduce(obj.data.list, [#acc, #], nil)`,
	`type(reduce(obj.data.list, #, nil))`, `sortBy(obj.data.list, #)`, `sortBy(obj.data.list, .k, "desc")[0] == {"k": 2, "z": nil}`,
	`find(obj.data.list, .k == 2)?.z`, `find(obj.data.list, .k == 9)?.z`, `find(obj.data.list, .k == 9) ?? "none"`, `find(obj.data.list, true) ?? 1`,
	`map(obj.data.list, true ? # : nil)`, `map(obj.data.list, [#])[0][0] == {"k": 1}`,
	`filter(obj.data.list, true)[1:]`, `map(obj.data.list, string(#))`, `map(obj.data.list, toJSON(#))`, `map(obj.data.list, # in obj.data.list)`,
	`map(obj.data.list, type(#))`, `map(d, map(.data?.nested?.list ?? [], # == {"k": 1}))`, `map(d, type(first(.data?.nested?.list ?? [])))`,
	`map(d, filter(.data ?? [], true) == .data)`, `map(d, type(.data) == "array" ? type(filter(.data, true)[1]) : "")`,
	`map(obj.data.list, #index)`, `filter(filter(obj.data.list, true), # == {"k": 1})`, `map(nd.data, filter(#, true))`,
	`map(nd.data, len(#))`, `any(nd.data, # == [3])`, `count(d, .data == nil)`, `map(obj.data.list, get(#, "k"))`,
	`map(obj.data.list, #?.k)`, `map(obj.data.list, #["k"])`, `groupBy(obj.data.list, #)`,
	`obj.data.list | sortBy(.k) | map(#)`, `obj.data.list | filter(true) | map(.k)`, `len(obj.data)`, `len(obj.data.nested)`,
	`map(obj.data.list, uniq([#, #]))`, `map(obj.data.list, # == obj.data.list[#index])`,
	`findLast(obj.data.list, true) == {"k": 2, "z": nil}`, `findIndex(obj.data.list, # == {"k": 2, "z": nil})`,
	`map(1..2, filter(obj.data.list, true)[0] == {"k": 1})`, `map(obj.data.list, let p = #; p)`, `let f = find(obj.data.list, true); f == {"k": 1}`,
	`let s = sortBy(obj.data.list, .k); s[0] == {"k": 1}`, `$env.obj.data.list | find(true) | type()`,
	`type(first(filter(obj.data.list, true)))`, `first(filter(obj.data.list, true)) == obj.data.list[0]`,
	`filter(obj.data.list, true) == obj.data.list`, `obj.data.list[0] in filter(obj.data.list, true)`,
	`keys(first(filter(obj.data.list, true)))`, `last(sortBy(obj.data.list, .k)) == {"k": 2, "z": nil}`,
	`sortBy(obj.data.list, .k) == obj.data.list`, `take(filter(obj.data.list, true), 1) == [{"k": 1}]`,
	`let f = filter(obj.data.list, true); first(f) == {"k": 1}`, `filter(obj.data.list, true) | first() | type()`,
	`type(reduce(filter(obj.data.list, true), #acc))`, `groupBy(filter(obj.data.list, true), .k)[1] == [{"k": 1}]`,
	`uniq(filter(obj.data.list, true))`, `len(uniq(concat(filter(obj.data.list, true), obj.data.list)))`,
	`string(filter(obj.data.list, true))`, `toJSON(filter(obj.data.list, true))`, `reverse(sortBy(obj.data.list, .k))[0] == {"k": 2, "z": nil}`,
	`type(last(filter(nd.data, true)))`, `map(d, first(filter(.data?.nested?.list ?? [], true)) == {"k": 1})`,
	`flatten([filter(obj.data.list, true)]) == obj.data.list`, `filter(obj.data.list, true)[0:1] == [{"k": 1}]`,
	`first(filter(obj.data.list, true)) in obj.data.list`, `filter(obj.data.list, true) == filter(obj.data.list, true)`,
	`type(first(sortBy(obj.data.list, .k)))`, `$env.obj.data.list | filter(true) | first() | type()`,
	`find(obj.data.list, true) == {"k": 1}`, `type(find(obj.data.list, true))`, `filter(obj.data.list, true) | map(#) | first() | type()`,
	`first(filter(obj.data.list, true)) ?? 1`, `true ? first(filter(obj.data.list, true)) : 1`, `{"a": first(filter(obj.data.list, true))}.a == {"k": 1}`,
	`sort(map(filter(obj.data.list, true), #.k))`, `max(filter(obj.data.list, true))`, `sum(filter(obj.data.list, true))`,
	`toPairs(first(filter(obj.data.list, true)))`, `values(first(filter(obj.data.list, true)))`,
	`reduce(filter(obj.data.list, true), #acc == {"k": 1}, true)`,
	// Lists walked without opening them whole (__list): # is opened where
	// a closure uses it whole, and what filter, find and sortBy give.
	`len(obj.data.list)`, `len(nd.data)`, `count(nd.data, .a > 0)`, `count(obj.data.list, # == {"k": 1})`,
	`filter(nd.data, # == nd.data[0])`, `filter(obj.data.list, true)`, `len(filter(obj.data.list, true))`,
	`find(obj.data.list, true)`, `find(obj.data.list, true) == obj.data.list[0]`, `find(obj.data.list, true).k`,
	`findLast(obj.data.list, true)`, `findIndex(nd.data, # == nd.data[1])`, `findLastIndex(obj.data.list, type(#) == "map")`,
	`map(obj.data.list, sort(keys(#)))`, `map(nd.data, #)`, `map(nd.data, toJSON(#))`, `map(nd.data, # == nd.data[0])`,
	`sortBy(nd.data, .a)`, `sortBy(obj.data.list, toJSON(#))`, `sortBy(obj.data.list, .k)[0]`, `sortBy(obj.data.list, .k)[0].k`,
	`reduce(obj.data.list, concat(#acc, [#]), [])`, `reduce(nd.data, #acc, nd.data[0])`, `reduce(obj.data.list, #acc)`, `reduce(obj.data.list, #)`, `any(obj.data.list, # == nil)`,
	`all(nd.data, "a" in #)`, `one(nd.data, # == nd.data[0])`, `none(obj.data.list, # == {})`,
	`map(d, len(.data.nested.list ?? []))`, `map(d, count(.data.nested.list ?? [], type(#) == "map"))`,
	`map(d, filter(.data.nested.list ?? [], true))`, `map(d, find(.data.nested.list ?? [], true))`,
	`map(d, map(.data.nested.list ?? [], #))`, `reduce(d, #acc + len(.data?.nested?.list ?? []), 0)`,
	`let l = obj.data.list; filter(l, # == l[0])`, `obj.data.list | filter(# == {"k": 1}) | len()`,
	`obj`, `obj.data`, `d`, `map(d, #)`, `map(d, .data)`, `nd`, `nd.data`, `nd.data[0]`, `map(nd.data, .a)`,
	`toJSON(nd.data)`, `map(d, type(.data))`, `map(d, string(.data))`, `map(d, toJSON(.data))`, `map(d, len(.data))`,
	`map(d, .data == d[0].data)`, `d[0].data == d[1].data`, `d[0].data != d[2].data`, `map(d, "name" in .data)`,
	`map(d, .data?.nested?.deep?.k)`, `map(d, .data["name"])`, `map(d, .data.nested.list[1].z)`,
	`map(d, .data.nested.list[-1])`, `map(d, .data.tags[0])`, `map(d, .data.missing)`, `map(d, .data.missing.deeper)`,
	`map(d, .data.name.x)`, `map(d, .data[0])`, `map(d, .data[1].a)`, `map(d, .data?.[1]?.a)`,
	`map(d, sort(keys(.data)))`, `map(d, len(keys(.data ?? {})))`, `sort(keys(obj.data))`, `sortBy(toPairs(obj.data), #[0])`,
	`fromPairs(toPairs(obj.data))`, `fromPairs(toPairs(obj.data)).nested.a`, `len(values(obj.data))`, `sum(values(obj.data.nums))`,
	`obj.data.nums | values() | sum()`, `toJSON(obj.data)`, `toJSON(obj)`, `toJSON(d)`, `string(obj)`, `string(obj.data)`,
	`string(d[0])`, `string(d[0].data.nested)`, `type(obj.data)`, `type(obj.data.nested)`, `type(obj.data.list)`, `type(obj)`,
	`let x = obj.data; x.a + x.b`, `let x = obj.data; x`, `let x = obj.data.list; map(x, .k)`,
	`let x = obj.data.nested; toJSON(x)`, `let x = obj; x.data.nested`, `obj.data.list | map(.k)`,
	`filter(obj.data.list, .k > 1)`, `map(obj.data.list, #)`, `map(obj.data.list, ({k: .k, all: #}))`,
	`first(obj.data.list)`, `last(obj.data.list)`, `obj.data.list[0:1]`, `obj.data.list[1:]`, `obj.data.arr == [1, 2]`,
	`obj.data in [obj.data]`, `[obj.data] == [obj.data]`, `{"a": obj.data}`, `{"a": obj.data}.a.nested.a.b`,
	`obj.data ?? 1`, `obj.data.missing ?? "default"`, `obj.data.a > 0 ? obj.data.nested : obj.data.list`,
	`get(obj.data, "nested")`, `get(obj.data, "a")`, `get(obj.data, "missing")`, `get(obj.data.list, 0)`,
	`$env.obj.data.a`, `$env["obj"].data.nested`, `$env.obj`, `obj.data + 1`, `len(obj.data.a)`, `keys(obj.data.a)`,
	`upper(obj.data)`, `obj.data.a.b()`, `obj.data.dup`, `d[0].data.dup`, `d[0].data["<tag>"]`, `d[0].data["ü"]`,
	`rpcBody(obj.data)`, `rpcBody(obj)`, `groupBy(d, type(.data))`, `groupBy(map(d, .data), .state)`,
	`groupBy(filter(map(d, .data), type(#) == "map"), .state)`, `uniq(map(d, .data))`, `uniq(map(d, .data.nested))`,
	`sortBy(filter(map(d, .data), type(#) == "map"), .name)`, `reduce(d, #acc + len(toJSON(.data)), 0)`,
	`reduce(obj.data.list, #acc + #.k, 0)`, `count(d, .data != nil)`, `map(d, .data.x * 2)`, `sum(map(d, .data.n ?? 0))`,
	`max(map(d, .data.n ?? 0))`, `mean(map(filter(d, type(.data?.x) in ["int", "float"]), .data.x))`,
	`map(d, .data | toJSON())`, `findIndex(d, .data?.name == "a")`, `find(d, .data?.state == "done")?.data`,
	`find(d, .data?.state == "none")?.data?.name`, `concat(obj.data.list, obj.data.list)`, `flatten([obj.data.list, [obj.data]])`,
	`join(map(obj.data.list, string(#)), ";")`, `map(d, .data.e)`, `map(d, len(.data.e ?? {}))`, `obj.data.nested.a`,
	`obj.data["nested"]["a"]["b"]`, `obj.data?.["nested"]`, `map(1..3, obj.data)`, `map(1..3, obj.data.list)`,
	`obj.data.empty`, `obj.data.empty == {}`, `len(obj.data.empty)`, `toJSON(obj.data.empty)`,
	`map(d, ({name: .data?.name, data: .data, n: .data?.n}))`, `sortBy(d, .data?.name ?? "")`, `sort(map(d, toJSON(.data)))`,
	`obj.data == fromPairs(toPairs(obj.data))`, `obj.data.nested == {"a": {"b": "c"}}`, `obj.data.arr[5]`, `obj.data.arr[-1]`,
	`map(d, .data?.tags)`, `"a" in obj.data.nested`, `"x" in obj.data`, `obj.data.list[0] in obj.data.list`,
	`all(obj.data.list, type(#) == "map")`, `any(d, type(.data) == "array")`, `string(obj.data.list)`,
	`trim(string(obj.data.nested))`, `toJSON({"x": obj.data, "y": [obj.data.nested]})`, `fromJSON(toJSON(obj.data))`,
	`fromJSON(toJSON(obj.data)) == obj.data`, `obj.data.big`, `map(d, .data.big)`, `d[-1].data`, `d[6].error`,
	`map(1..20000, obj.data)`, `len(toJSON(map(1..20000, obj.data)))`,
	`obj.data.x.y(1)`, `obj.data ? 1 : 2`, `not obj.data`, `obj.data[1:2]`,
	`obj.data.a.b.c.d`, `obj.data.list | filter(.k == 1) | map(.k)`, `d[0] == d[0]`, `d[0] == d[1]`, `obj == obj`, `d[0] == same`,
	`[same] == [d[0]]`, `obj.data.nested in [obj.data.nested]`, `sum(obj.data.list)`, `max(obj.data.list)`, `-obj.data.a`, `-obj.data`,
	`obj.data.list[0].k ** 2`, `obj.data matches "x"`, `obj.data.body startsWith "ey"`, `obj.data.nested.a contains "b"`,
	`obj.data.nested.a.b contains "c"`, `date(obj.data.a)`, `duration(obj.data.body)`, `int(obj.data)`, `float(obj.data.nested)`,
	`abs(obj.data.nested)`, `obj.data.list[obj.data.a]`, `obj.data[obj.data.body]`, `obj.data?.list?.[0]?.k`,
	`obj.data.nums.p + obj.data.nums.q`, `map(obj.data.list, #index)`, `count(obj.data.list)`, `toJSON(map(d, .data))`,
	`basename(obj.data.body)`, `obj.data?.nested.a?.b`, `reduce(1..1000, #acc + len(keys(obj.data)), 0)`,
	`sortBy(map(jobs, .data), .progress)`, `groupBy(jobs, .data.state)`, `map(jobs, .data)[0]`, `d[7].data.many.k5`, `len(d[7].data.many)`, `d[7].data.list[1]`, `d[7].data.list[2][0]`,
	`d[7].data.list[0].k99`, `sort(keys(d[7].data.many))[:3]`, `d[7].data`,
}

// The files objectExprs read: objects flat and nested, in lists and in
// ndjson, with repeated keys, empty, with their keys in other orders; and
// files that are no objects at all.
var objectFiles = map[string]string{
	"obj.json": `{"a":1,"b":2.5,"body":"eyJtc2ciOiJwaW5nIn0=","arr":[1,2],"nested":{"a":{"b":"c"}},` +
		`"list":[{"k":1},{"k":2,"z":null}],"nums":{"p":1,"q":2},"dup":"x","dup":"y","empty":{},"big":12345678901234567890}`,
	"d/a.json": `{"name":"a","state":"running","n":3,"x":1.5,"tags":["t1","t2"],"nested":{"deep":{"k":1},"list":[{"k":1},{"k":2,"z":null}]},` +
		`"e":{},"dup":1,"dup":2,"<tag>":"&amp;","ü":"ß"}`,
	"d/b.json": `{"x":1.5,"n":3,"name":"a","state":"running","tags":["t1","t2"],"nested":{"list":[{"k":1},{"z":null,"k":2}],"deep":{"k":1}},` +
		`"dup":2,"e":{},"<tag>":"&amp;","ü":"ß"}`,
	"d/c.json": `[1, {"a":1}, [{"b":2}], "s"]`,
	"d/d.json": `"just a string"`,
	"d/e.json": `null`,
	"d/f.json": `{}`,
	"d/g.json": `{"state":"done","n":12345678901234567890,"x":-0,"big":1e308,"name":"g","tags":[]}`,
	"d/h.json": `{"name":`,
	"d/i.json": `{"many":` + manyKeys + `,"list":[` + manyKeys + `,{},[{}]]}`,
	"x.ndjson": "{\"a\":1,\"b\":{\"c\":[1]}}\n{\"b\":{\"c\":[]},\"a\":2}\n[3]\n\"four\"\n{}\n",
	// As the examples of the documentation (schema/gen/examples) have them.
	"jobs/alice/eval.json":      `{"name": "eval", "state": "done", "progress": 0.8}`,
	"jobs/alice/train.json":     `{"name": "train", "state": "running", "progress": 0.42}`,
	"jobs/bob/aggregate.json":   `{"name": "aggregate", "state": "failed", "progress": 0, "error": "out of memory"}`,
	"config.yaml":               "threshold: 0.5\nowners: [alice, bob]\n",
	"syftbox/x/app_data/r.json": `{"id":"1","created":"2026-01-01T00:00:00Z","sender":"a@x.org","body":"e30="}`,
}

// manyKeys is an object of more keys than a layout is shared for.
var manyKeys = func() string {
	var b strings.Builder
	for i := range 100 {
		fmt.Fprintf(&b, `,"k%d":%d`, 99-i, i)
	}
	return "{" + b.String()[1:] + "}"
}()

const objectSources = `sources:
  obj: {file: obj.json}
  same: {file: d/a.json}
  nd: {file: x.ndjson}
  d: "d/*.json"
  jobs: "jobs/*/*.json"
  config: {file: config.yaml}
  rpc: "syftbox/**/*.json"
`

// TestObjectsReadAsTheMapsTheyStandFor evaluates every field of the
// examples and of the benchmark widgets, the expressions of the
// documentation and objectExprs, with JSON objects decoded to
// manifest.Object and, as they were before it, to maps: every value and
// every error is the same.
func TestObjectsReadAsTheMapsTheyStandFor(t *testing.T) {
	root := t.TempDir()
	for p, c := range objectFiles {
		write(t, root, p, c)
	}
	for i := range 60 {
		state := []string{"queued", "running", "done", "failed"}[i%4]
		write(t, root, fmt.Sprintf("jobs/d%d/job%03d.json", i%3, i), fmt.Sprintf(
			`{"name":"job-%d","state":%q,"owner":"user%d@example.org","rows":%d,"cpu_seconds":%d.%03d,"progress":0.%02d,"started":"2026-01-01T00:%02d:00Z"}`,
			i, state, i%7, i*37%1000, i*13, i, i%100, i%60))
	}
	var manifests []*manifest.Manifest
	load := func(path string, data []byte) {
		m, err := manifest.Parse(path, data)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		manifests = append(manifests, m)
	}
	examples, _ := filepath.Glob("../examples/manifests/*.yaml")
	bench, _ := filepath.Glob("../testdata/bench/*.yaml")
	if len(examples) == 0 || len(bench) == 0 {
		t.Fatal("no examples or benchmark widgets found")
	}
	for _, f := range examples {
		load(f, readFile(t, f))
	}
	for _, f := range bench {
		// Over the jobs written above.
		load(filepath.Join(root, filepath.Base(f)), readFile(t, f))
	}
	exprs := append(slices.Clone(objectExprs), docExprs(t)...)
	for i, e := range exprs {
		doc := fmt.Sprintf("name: e%d\n%sendpoints:\n  /api:\n    v: %q\ntemplate: '{v}'\n", i, objectSources, e)
		m, err := manifest.Parse(filepath.Join(root, "e.yaml"), []byte(doc))
		if err != nil {
			if i < len(objectExprs) {
				t.Errorf("%s does not compile: %v", e, err)
			}
			continue // a documentation example over other sources
		}
		manifests = append(manifests, m)
	}
	fields := 0
	for _, m := range manifests {
		objects, maps := snapshotBothWays(t, m)
		for _, ep := range m.Endpoints {
			for _, f := range ep.Fields {
				fields++
				for try := 0; ; try++ {
					a, aerr := f.Eval(m.Env(objects))
					b, berr := f.Eval(m.Env(maps))
					same := reflect.DeepEqual(a, b) && fmt.Sprint(aerr) == fmt.Sprint(berr)
					if same {
						break
					}
					if f.UsesNow && try < 3 {
						continue // the clock moved between the two
					}
					t.Errorf("%s: field %s = %s:\nwith objects %#v (error %v)\nwith maps    %#v (error %v)", m.Name, f.Name, f.Expr, a, aerr, b, berr)
					break
				}
			}
		}
	}
	if fields < len(objectExprs)+100 {
		t.Fatalf("compared %d fields only", fields)
	}
	t.Logf("%d fields of %d manifests read the same", fields, len(manifests))
}

// snapshotBothWays reads m's sources with objects decoded to manifest.Object
// and to maps.
func snapshotBothWays(t *testing.T, m *manifest.Manifest) (objects, maps map[string]any) {
	t.Helper()
	read := func(asMaps bool) map[string]any {
		decodeMaps.Store(asMaps)
		defer decodeMaps.Store(false)
		c := NewCache(m.Root, m.Sources)
		c.Scan()
		return c.Snapshot()
	}
	objects, maps = read(false), read(true)
	if !hasObject(objects) {
		t.Logf("%s reads no JSON object", m.Name)
	}
	return objects, maps
}

func hasObject(snap map[string]any) bool {
	for _, v := range snap {
		switch x := v.(type) {
		case *manifest.Record:
			if _, ok := x.Data.(*manifest.Object); ok {
				return true
			}
		case *manifest.Chunks[*manifest.Record]:
			for _, r := range x.All() {
				if _, ok := r.Data.(*manifest.Object); ok {
					return true
				}
			}
		}
	}
	return false
}

// docExprs are the expressions of the tables of the documentation.
func docExprs(t *testing.T) []string {
	files, _ := filepath.Glob("../schema/gen/examples/*.yaml")
	re := regexp.MustCompile(`(?m)^\s*- expr: (.*)$`)
	var out []string
	for _, f := range files {
		for _, m := range re.FindAllStringSubmatch(string(readFile(t, f)), -1) {
			e := strings.TrimSpace(m[1])
			if len(e) > 1 && (e[0] == '\'' && e[len(e)-1] == '\'') {
				e = strings.ReplaceAll(e[1:len(e)-1], "''", "'")
			}
			out = append(out, e)
		}
	}
	if len(out) < 20 {
		t.Fatalf("found %d expressions in the documentation's examples", len(out))
	}
	return out
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Objects are compact in small files, where a tree of many files gains;
// a large file keeps maps, so that using its data whole (len(log.data),
// last(log.data)) makes nothing.
func TestObjectsAreCompactInSmallFilesOnly(t *testing.T) {
	line := `{"i":1,"level":"info"}` + "\n"
	for _, c := range []struct {
		format, text string
		compact      bool
	}{
		{"json", `{"a":1}`, true},
		{"json", `{"a":"` + strings.Repeat("x", compactFileBytes-8) + `"}`, true},
		{"json", `{"a":"` + strings.Repeat("x", compactFileBytes-7) + `"}`, false},
		{"ndjson", strings.Repeat(line, 10), true},
		{"ndjson", strings.Repeat(line, compactFileBytes/len(line)+1), false},
	} {
		v, err := Parse(c.format, []byte(c.text))
		if err != nil {
			t.Fatal(err)
		}
		var first any = v
		if list, ok := v.([]any); ok {
			first = list[0]
		} else if c.format == "ndjson" {
			first = reflect.ValueOf(v).Index(0).Interface()
		}
		_, isObject := first.(*manifest.Object)
		_, isMap := first.(map[string]any)
		if isObject != c.compact || isMap == c.compact {
			t.Errorf("%s of %d bytes: an object is %T, want compact %v", c.format, len(c.text), first, c.compact)
		}
	}
}
