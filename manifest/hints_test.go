package manifest

import (
	"strings"
	"testing"
)

// The mistakes a new user made (issue 12), each with the message and
// position it must give. want is "LINE:COL: fragment" or several
// fragments; the hint must be in the message.
func TestCommonMistakesGetAHintAtTheirPosition(t *testing.T) {
	const head = "sources:\n  jobs: \"jobs/*.json\"\n  conf:\n    file: c.json\nendpoints:\n  /x:\n"
	for _, c := range []struct{ name, text, pos, want string }{
		{"unquoted glob starting with *", "sources:\n  jobs: *.json\n",
			"2:9", "quote it, as in \"*.json\""},
		{"unquoted glob key form", "sources:\n  jobs:\n    glob: **/*.request\n",
			"3:11", "read as a YAML alias"},
		{"unquoted map literal", head + "    rows: map(jobs, ({name: .name}))\n",
			"7:27", "block scalar"},
		{"tab at its column", head + "  \ty: 1\n",
			"7:3", "a tab: YAML indents with spaces only"},
		{"tab after spaces inside a key's value block", "sources:\n    \tjobs: \"*.json\"\n",
			"2:5", "tab"},
		{"map literal without parentheses", head + "    rows: \"map(jobs, {name: .name})\"\n",
			"7:27", "needs parentheses: map(xs, ({key: .value}))"},
		{"member of a list of records", head + "    owner: jobs.data.owner\n",
			"7:17", "jobs is a list of records: use map(jobs"},
		{"unknown name did you mean", head + "    n: len(job)\n",
			"7:12", "unknown name job; did you mean jobs?"},
		{"record field did you mean", head + "    n: conf.nmae\n",
			"7:13", "did you mean .name?"},
		{"number and string", head + "    n: conf.size + \"B\"\n",
			"7:18", "string(n) to write a number as text"},
		{"time and string", head + "    n: conf.mtime > \"2026-01-01\"\n",
			"7:19", "date(\"2026-01-02\")"},
		{"argument conversion", head + "    n: upper(conf.size)\n",
			"7:", "with string(x)"},
		{"unknown top-level key", "endpoint:\n  /x:\n    a: 1\n",
			"1:1", "did you mean endpoints?"},
		{"unknown source key", "sources:\n  a:\n    globb: \"*.json\"\n",
			"3:5", "did you mean glob?"},
	} {
		t.Run(c.name, func(t *testing.T) {
			errs := errorsOf(t, c.text)
			for _, e := range errs {
				if strings.HasPrefix(e, "F:"+c.pos) && strings.Contains(e, c.want) {
					return
				}
			}
			t.Errorf("want an error at %s containing %q; got:\n%s", c.pos, c.want, strings.Join(errs, "\n"))
		})
	}
}

func TestTemplatePlaceholdersAreCheckedAgainstTheFields(t *testing.T) {
	errs := errorsOf(t, `sources:
  jobs: "jobs/*.json"
endpoints:
  /x:
    total: len(jobs)
    rows: "map(jobs, ({name: .name, state: .data.state}))"
    recs: filter(jobs, .size > 0)
    broken: len(jbs)
template: |
  <style>.a {x} p{color:red}</style>
  <h3>{title}: {totl} jobs, {broken} {rows.0.name} { not a placeholder } {a b}</h3>
  <!-- {commented} -->
  <p>&#123;literal}</p>
  <ul data-field="rows">
    <template data-each><li>{name} {stat} {total} {.}</li></template>
  </ul>
  <ul data-field="recs"><template data-each><li>{path} {nme} {data.owner}</li></template></ul>
  <ul><template data-each="rowz"><li>{anything}</li></template></ul>
  <p>{.}</p>
`)
	want := []string{
		"F:8:17: field broken: unknown name jbs; did you mean jobs?",
		"F:11:16: template: {totl} is not a field of this widget (fields: total, rows, recs, broken, title); did you mean {total}?",
		"F:15:36: template: {stat} is not a key of the items of rows (keys: name, state) nor a field; did you mean {state}?",
		"F:17:56: template: {nme} is not a key of the items of recs (keys: path, name, stem, ext, dir, size, mtime, exists, data, error, stale, datasite, conflict, rejected) nor a field; did you mean {name}?",
		"F:18:17: template: data-each names \"rowz\", which is not a field of this widget; did you mean {rows}?",
		"F:19:6: template: {.} stands for an item: use it inside a <template data-each>",
	}
	if strings.Join(errs, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(errs, "\n"), strings.Join(want, "\n"))
	}
}

func TestTemplateErrorsInAQuotedTemplateAreOnItsLine(t *testing.T) {
	errs := errorsOf(t, "endpoints:\n  /x:\n    a: 1\ntemplate: \"<b>{a}</b> {b}\"\n")
	if len(errs) != 1 || !strings.HasPrefix(errs[0], "F:4:23: template: {b} is not a field") {
		t.Errorf("got %q", errs)
	}
}

func TestShapesFollowTheBuiltinsThatKeepItems(t *testing.T) {
	m := &Manifest{Sources: []*Source{{Name: "jobs", Glob: "*"}, {Name: "conf", File: "c"}}}
	for src, want := range map[string]string{
		"jobs":                                   "[path name stem ext dir size mtime exists data error stale datasite conflict rejected]",
		"sortBy(filter(jobs, .size > 0), .name)": "[path name stem ext dir size mtime exists data error stale datasite conflict rejected]",
		"map(jobs, ({a: 1, b: .name}))":          "[a b]",
		"map(sortBy(jobs, .size), ({a: .name}))": "[a]",
		"[{x: 1}, {x: 2}]":                       "[x]",
		"map(jobs, .data)":                       "unknown",
		"groupBy(jobs, .dir)":                    "unknown",
	} {
		sh := shapeOf(src, m)
		got := "unknown"
		if sh != nil && sh.Item != nil && sh.Item.Keys != nil {
			got = strings.Join([]string{"[", strings.Join(sh.Item.Keys, " "), "]"}, "")
		}
		if got != want {
			t.Errorf("shapeOf(%s) items = %s, want %s", src, got, want)
		}
	}
}

// Run-time errors with a known cause say it. (A .request read as text once
// failed with "invalid operation: int(string)" and nothing more; member
// access into data is now nil-safe, so .data?.sender on text is null.)
func TestRuntimeErrorsGetAHint(t *testing.T) {
	p := write(t, "w.yaml", "sources:\n  r: \"*.request\"\nendpoints:\n  /x:\n    s: map(r, .data?.sender)\n    u: r[0].data + 1\n    v: r[3]\n")
	m, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	text := []*Record{{Path: "a.request", Name: "a.request", Exists: true, Data: `{"sender":"bob"}`}}
	fields, errs := m.Endpoints[0].Eval(m.Env(map[string]any{"r": text}))
	for field, want := range map[string]string{
		"u": "string(n) to write a number as text",
		"v": "check len(xs) first, or use first(xs) or last(xs)",
	} {
		if !strings.Contains(errs[field], want) {
			t.Errorf("%s: %q lacks %q", field, errs[field], want)
		}
	}
	if msg := runtimeHint("invalid operation: int(string)"); !strings.Contains(msg, "is the file parsed with the right format") {
		t.Errorf("int(string): %q", msg)
	}
	if s, ok := fields["s"].([]any); !ok || len(s) != 1 || s[0] != nil || errs["s"] != "" {
		t.Errorf("s = %#v (%q)", fields["s"], errs["s"])
	}
}

// {rejected.length} once rendered empty without a word: a dotted path into
// a field whose shape is known is checked too.
func TestDottedPathsIntoKnownShapesAreChecked(t *testing.T) {
	errs := errorsOf(t, "sources:\n  jobs: \"*.json\"\nendpoints:\n  /x:\n    xs: map(jobs, .name)\n    o: \"{a: 1, bee: 2}\"\n    r: jobs[0]\ntemplate: |\n  <p>{xs.length} {xs.0} {o.be} {o.a} {r.name} {r.data.anything}</p>\n")
	want := []string{
		`F:9:6: template: {xs.length}: xs is a list, which has items 0, 1, ..., not "length"; count it in a field of its own (len(...))`,
		`F:9:25: template: {o.be}: o has no key "be" (keys: a, bee); did you mean {o.bee}?`,
	}
	if strings.Join(errs, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(errs, "\n"), strings.Join(want, "\n"))
	}
}
