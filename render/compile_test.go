package render

import (
	"strings"
	"testing"
	"time"
)

// render compiles src with the given fields and renders it with values.
func render(t *testing.T, src string, values map[string]any, fields ...string) string {
	t.Helper()
	for k := range values {
		fields = append(fields, k)
	}
	tm, _, err := Compile(src, fields)
	if err != nil {
		t.Fatalf("Compile(%q): %v", src, err)
	}
	out, err := tm.Body(values, nil)
	if err != nil {
		t.Fatalf("Body: %v", err)
	}
	return out
}

func wantContains(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("output lacks %q\noutput: %s", w, got)
		}
	}
}

func wantLacks(t *testing.T, got string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(got, b) {
			t.Errorf("output contains %q\noutput: %s", b, got)
		}
	}
}

func TestMarkupInDataIsEscapedInText(t *testing.T) {
	got := render(t, `<p>{msg}</p>`, map[string]any{"msg": `<script>alert(1)</script><b onclick="x">`})
	wantContains(t, got, `&lt;script&gt;alert(1)&lt;/script&gt;&lt;b onclick=&#34;x&#34;&gt;`)
	wantLacks(t, got, "<script", "<b ")
}

func TestMarkupInDataIsEscapedInAttributes(t *testing.T) {
	got := render(t, `<span class="{c}" title="{c}">x</span>`, map[string]any{"c": `a" onmouseover="alert(1)`})
	wantContains(t, got, `class="a&#34; onmouseover=&#34;alert(1)"`)
	wantLacks(t, got, `" onmouseover="`)
}

func TestJavascriptURLFromDataNeverReachesHref(t *testing.T) {
	for _, u := range []string{"javascript:alert(1)", " JavaScript:alert(1)", "vbscript:x", "data:text/html,<script>x</script>"} {
		got := render(t, `<a href="{u}">go</a>`, map[string]any{"u": u})
		wantContains(t, got, `href="#ZgotmplZ"`)
		wantLacks(t, got, "script:")
	}
	got := render(t, `<a href="{u}">go</a><a href="https://example.org/jobs/{id}">job</a>`,
		map[string]any{"u": "https://example.org/a?b=1&c=2", "id": "a b/\"c"})
	wantContains(t, got, `href="https://example.org/a?b=1&amp;c=2"`, `href="https://example.org/jobs/a%20b/%22c"`)
}

func TestDataImageFromDataShowsAndOtherSourcesDoNot(t *testing.T) {
	png := "data:image/png;base64,iVBORw0KGgo="
	got := render(t, `<img src="{a}"><img src="{b}"><img src="{c}"><img src="{d}"><img src="{e}">`,
		map[string]any{"a": png, "b": "javascript:alert(1)", "c": "https://outside.example/x.png", "d": "//outside.example/x.png", "e": "x.png"})
	wantContains(t, got, `<img src="`+png+`"><img src=""><img src=""><img src=""><img src="">`)
}

func TestUnknownBraceGroupsStayAsWritten(t *testing.T) {
	src := `<p style="a{color:red}">{nope} {a b} {{total.x.y}} {total.x.y} {.} x{}y</p>`
	got := render(t, src, map[string]any{"total": map[string]any{"x": map[string]any{"y": 7}}})
	wantContains(t, got, `style="a{color:red}"`, `{nope} {a b} {7} 7 {.} x{}y`)
}

func TestTemplateDelimitersInTextAreLiteral(t *testing.T) {
	got := render(t, `<p>{{ .Secret }} <{x}> {{end}} }}</p>`, map[string]any{"x": 1})
	wantContains(t, got, "{{ .Secret }} &lt;1&gt; {{end}} }}")
}

func TestDottedPathsReadInsideValues(t *testing.T) {
	vals := map[string]any{
		"cfg":  map[string]any{"owner": map[string]any{"name": "ada"}, "tags": []any{"x", "y"}},
		"jobs": []any{map[string]any{"name": "first"}},
	}
	got := render(t, `<p>{cfg.owner.name} {cfg.tags.1} {jobs.0.name} [{cfg.missing.deep}] [{cfg.tags.9}]</p>`, vals)
	wantContains(t, got, "<p>ada y first [] []</p>")
}

func TestTitleIsAlwaysAPlaceholder(t *testing.T) {
	tm, _, err := Compile(`<h1>{title}</h1>`, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := tm.Body(map[string]any{"title": "Jobs & more"}, nil)
	wantContains(t, got, "<h1>Jobs &amp; more</h1>")
}

func TestDataEachRepeatsItemsWithTheirKeys(t *testing.T) {
	src := `<ul data-field="jobs"><template data-each><li class="{state}">{name} — {state}</li></template></ul>`
	got := render(t, src, map[string]any{"jobs": []any{
		map[string]any{"name": "a", "state": "running"},
		map[string]any{"name": "<b>", "state": "failed"},
	}})
	want := `<ul data-field="jobs"><li class="running">a — running</li><li class="failed">&lt;b&gt; — failed</li></ul>`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestDataEachDotIsTheItem(t *testing.T) {
	got := render(t, `<ol data-field="xs"><template data-each><li>{.}</li></template></ol>`,
		map[string]any{"xs": []any{"a", 2, 2.5, true, nil}})
	wantContains(t, got, "<li>a</li><li>2</li><li>2.5</li><li>true</li><li></li>")
	wantLacks(t, got, "template")
}

func TestDataEachNests(t *testing.T) {
	src := `<ul data-field="groups"><template data-each><li>{name}: <ol data-field="members">` +
		`<template data-each><li>{.} of {name} in {title}</li></template></ol></li></template></ul>`
	got := render(t, src, map[string]any{"title": "T", "groups": []any{
		map[string]any{"name": "g1", "members": []any{"ann", "bob"}},
		map[string]any{"name": "g2", "members": []any{}},
	}})
	want := `<ul data-field="groups"><li>g1: <ol data-field="members"><li>ann of g1 in T</li><li>bob of g1 in T</li></ol></li>` +
		`<li>g2: <ol data-field="members"></ol></li></ul>`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestDataEachInTableRows(t *testing.T) {
	src := `<table><tbody data-field="rows"><template data-each><tr><td>{a}</td><td>{b}</td></tr></template></tbody></table>`
	got := render(t, src, map[string]any{"rows": []any{map[string]any{"a": 1, "b": "x"}, map[string]any{"a": 2}}})
	wantContains(t, got, `<tbody data-field="rows"><tr><td>1</td><td>x</td></tr><tr><td>2</td><td></td></tr></tbody>`)
}

func TestDataEachFindsItsList(t *testing.T) {
	vals := map[string]any{"xs": []any{"a", "b"}}
	// By name on the template.
	wantContains(t, render(t, `<ul><template data-each="xs"><li>{.}</li></template></ul>`, vals), "<ul><li>a</li><li>b</li></ul>")
	// By the parent's only placeholder.
	wantContains(t, render(t, `<ul title="{xs}"><template data-each><li>{.}</li></template></ul>`, vals), "<li>a</li><li>b</li></ul>")
	// An object repeats its entries, sorted by key.
	wantContains(t, render(t, `<dl data-field="m"><template data-each><dt>{key}</dt><dd>{value}</dd></template></dl>`,
		map[string]any{"m": map[string]any{"b": 2, "a": 1}}), "<dt>a</dt><dd>1</dd><dt>b</dt><dd>2</dd>")
	// Null repeats nothing.
	wantContains(t, render(t, `<ul data-field="xs"><template data-each><li>{.}</li></template></ul>`, map[string]any{"xs": nil}),
		`<ul data-field="xs"></ul>`)
}

func TestDataEachWithoutAListIsAnError(t *testing.T) {
	for _, src := range []string{
		`<ul><template data-each><li>{.}</li></template></ul>`,
		`<ul data-field="nope"><template data-each><li>{.}</li></template></ul>`,
		`<ul><template data-each="a b"><li>{.}</li></template></ul>`,
	} {
		if _, _, err := Compile(src, []string{"xs"}); err == nil {
			t.Errorf("Compile(%q) gave no error", src)
		} else if !strings.Contains(err.Error(), "data-each") {
			t.Errorf("Compile(%q) error does not name data-each: %v", src, err)
		}
	}
}

func TestUnknownDataFormatIsAnError(t *testing.T) {
	_, _, err := Compile(`<span data-format="fancy">{x}</span>`, []string{"x"})
	if err == nil || !strings.Contains(err.Error(), `"fancy"`) {
		t.Errorf("want an error naming the format, got %v", err)
	}
}

func TestItemKeysShadowFieldsAndMissingKeysAreEmpty(t *testing.T) {
	src := `<ul data-field="xs"><template data-each><li>{name}|{other}|{total}|{zzz}</li></template></ul>`
	got := render(t, src, map[string]any{"total": 9, "name": "outer", "xs": []any{map[string]any{"name": "inner"}, "plain"}})
	wantContains(t, got, "<li>inner||9|</li>", "<li>outer|{other}|9|{zzz}</li>")
}

func TestStaleFieldsAreMarked(t *testing.T) {
	src := `<p><span data-field="total" class="big">{total}</span><b data-field="ok" title="fine">{ok}</b><i data-field="total">x</i></p>`
	tm, _, err := Compile(src, []string{"total", "ok"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := tm.Body(map[string]any{"total": 3, "ok": 1}, map[string]string{"total": `division by zero <"x">`})
	if err != nil {
		t.Fatal(err)
	}
	wantContains(t, got,
		`<span data-field="total" class="big sw-stale" title="division by zero &lt;&#34;x&#34;&gt;">3</span>`,
		`<b data-field="ok" title="fine">1</b>`,
		`<i data-field="total" class="sw-stale" title="division by zero &lt;&#34;x&#34;&gt;">x</i>`)
	fresh, _ := tm.Body(map[string]any{"total": 3, "ok": 1}, nil)
	wantLacks(t, fresh, "sw-stale")
}

func TestCleanerRemovesDangerousMarkupAndSaysSo(t *testing.T) {
	src := `<div onclick="steal()">a</div><script>alert(1)</script><img src="data:image/png;base64,iVBORw0KGgo=" onerror="x()">` +
		`<a href="javascript:alert(1)">j</a><a href=" jav&#x09;ascript:alert(1)">k</a><iframe src="https://evil"></iframe>` +
		`<object data="x"></object><embed src="x"><base href="https://evil/"><meta http-equiv="refresh" content="0">` +
		`<style>body{}</style><svg><circle onload="x()"></circle></svg><form action="/x"><b>kept</b></form>` +
		`<a href="https://ok.example/">ok</a><a href="rel/path">rel</a><img src="https://tracker.example/p.gif">`
	tm, removed, err := Compile(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"removed attribute onclick from <div>",
		"removed <script> element",
		"removed attribute onerror from <img>",
		"removed javascript: URL from href of <a> (2 times)",
		"removed <iframe> element",
		"removed <object> element",
		"removed <embed> element",
		"removed <base> element",
		"removed <meta> element",
		"removed <style> element",
		"removed <svg> element",
		"removed <form> element (kept its content)",
		"removed https: URL from src of <img> (widget pages show only base64 data: images)",
	} {
		found := false
		for _, r := range removed {
			found = found || r == want
		}
		if !found {
			t.Errorf("removed lacks %q; got %q", want, removed)
		}
	}
	got, _ := tm.Body(nil, nil)
	wantLacks(t, got, "onclick", "onerror", "onload", "<script", "javascript", "<iframe", "<object", "<embed",
		"<base", "<meta", "<style", "<svg", "<form", "tracker", "alert")
	wantContains(t, got, "<b>kept</b>", `href="https://ok.example/"`, `href="rel/path"`, `src="data:image/png;base64,iVBORw0KGgo="`)
}

func TestCleanerRefusesAPlaceholderThatCouldCompleteAScheme(t *testing.T) {
	tm, removed, err := Compile(`<a href="java{x}">a</a><a href="./{x}">b</a>`, []string{"x"})
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || !strings.Contains(removed[0], "href of <a>") {
		t.Errorf("removed = %q", removed)
	}
	got, _ := tm.Body(map[string]any{"x": "script:alert(1)"}, nil)
	wantLacks(t, got, "javascript")
}

func TestCleanTemplateReportsNothing(t *testing.T) {
	_, removed, err := Compile(`<h3 id="h" class="c" style="color:red" title="t">{title}</h3>`+
		`<details open><summary>s</summary><table><tr><th colspan="2">x</th></tr></table></details>`+
		`<progress value="{p}" max="1"></progress><a href="https://x.example/{p}">x</a>`, []string{"p"})
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 0 {
		t.Errorf("removed = %q, want nothing", removed)
	}
}

func TestOwnDataAttributesTakePlaceholdersButSettingsDoNot(t *testing.T) {
	got := render(t, `<p data-field="x" data-state="{x}" data-format="bytes">{x}</p>`, map[string]any{"x": 2048})
	wantContains(t, got, `<p data-field="x" data-state="2048" data-format="bytes">2 KiB</p>`)
}

func TestElementsKeepIdClassAndStyle(t *testing.T) {
	got := render(t, `<section id="main" class="card {kind}" style="width: {w}%">x</section>`, map[string]any{"kind": "big", "w": 40})
	wantContains(t, got, `<section id="main" class="card big" style="width: 40%">x</section>`)
}

func TestStyleAttributeValuesFromDataAreFiltered(t *testing.T) {
	got := render(t, `<p style="color: {c}">x</p>`, map[string]any{"c": "red; background: url(https://evil.example/)"})
	wantLacks(t, got, "evil")
}

func TestFormatsApplyToTheElementHoldingThePlaceholder(t *testing.T) {
	now := time.Now()
	vals := map[string]any{
		"size": 1536, "cfg": map[string]any{"a": []any{1, "x"}}, "when": now.Add(-5 * time.Minute),
		"p": 0.25, "xs": []any{1, 3, 2}, "f": 0.5,
	}
	got := render(t, `<span data-format="bytes">{size}</span>|<div data-format="json">{cfg}</div>|`+
		`<span data-format="ago">{when}</span>|<span data-format="percent">{p}</span>|`+
		`<span data-format="sparkline">{xs}</span>|<span data-format="bar">{f}</span>|<span data-format="bar">{xs}</span>|`+
		`<b data-format="bytes"><i>{size}</i></b>`, vals)
	wantContains(t, got,
		`<span data-format="bytes">1.5 KiB</span>`,
		"<code class=\"sw-json\" style=\"white-space:pre\">{\n  &#34;a&#34;: [\n    1,\n    &#34;x&#34;\n  ]\n}</code>",
		`>5 min ago</span>`,
		`<span data-format="percent">25%</span>`,
		`<svg class="sw-sparkline"`, `points="0,19 50,1 100,10"`,
		`<svg class="sw-bar"`, `<rect width="50" height="10" fill="currentColor">`,
		`<svg class="sw-bars"`,
		`<i>1536</i>`) // the format belongs to <b>, not to <i>
}

func TestDeeplyNestedDataEachIsRefused(t *testing.T) {
	src := strings.Repeat(`<div><template data-each="xs">`, maxEachDepth+1) + "{.}" + strings.Repeat(`</template></div>`, maxEachDepth+1)
	if _, _, err := Compile(src, []string{"xs"}); err == nil || !strings.Contains(err.Error(), "nest deeper") {
		t.Errorf("want an error about nesting, got %v", err)
	}
}

func TestARunawayRenderStopsWithAnError(t *testing.T) {
	src := strings.Repeat(`<div><template data-each="xs">`, maxEachDepth) + "{.}" + strings.Repeat(`</template></div>`, maxEachDepth)
	tm, _, err := Compile(src, []string{"xs"})
	if err != nil {
		t.Fatal(err)
	}
	tm.maxBody = 1 << 20
	xs := make([]any, 20) // 20^8 items if nothing stopped it
	for i := range xs {
		xs[i] = strings.Repeat("x", 100)
	}
	if _, err := tm.Body(map[string]any{"xs": xs}, nil); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("want an error about the size, got %v", err)
	}
}
