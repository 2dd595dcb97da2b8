package render

import (
	"fmt"
	"strings"
	"testing"
)

func longList(n int) []any {
	list := make([]any, n)
	for i := range list {
		list[i] = map[string]any{"name": fmt.Sprintf("n%03d", i), "size": int64(n - i)}
	}
	return list
}

func TestADataEachListLongerThanAPageIsMarkedAndItsRowsDrawnByItsTemplate(t *testing.T) {
	tmpl, _, err := Compile(`<table><tbody data-field="jobs"><template data-each><tr><td>{name}</td><td title="{name}">{size}</td></tr></template></tbody></table>`, []string{"jobs"})
	if err != nil {
		t.Fatal(err)
	}
	short, err := tmpl.Body(map[string]any{"jobs": longList(3)}, nil)
	if err != nil || strings.Contains(short, "data-sw-") {
		t.Errorf("a short list is marked: %s %v", short, err)
	}
	body, err := tmpl.Body(map[string]any{"jobs": longList(450)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, `<tbody data-field="jobs" data-sw-rows="jobs" data-sw-kind="each" data-sw-total="450" data-sw-page="200">`) {
		t.Errorf("the long list is not marked: %.200s", body)
	}
	vals := map[string]any{"jobs": append(longList(450), map[string]any{"name": `<b>"x"</b>`, "size": int64(0)})}
	r, err := tmpl.Rows(vals, "jobs", RowQuery{Each: true, Sort: "size", Limit: 2, Offset: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != 451 || r.Matched != 451 || r.HTML != `<tr><td>n449</td><td title="n449">1</td></tr><tr><td>n448</td><td title="n448">2</td></tr>` {
		t.Errorf("sorted by size from the second: %+v", r)
	}
	r, _ = tmpl.Rows(vals, "jobs", RowQuery{Each: true, Text: "<B>"})
	if r.Matched != 1 || r.HTML != `<tr><td>&lt;b&gt;&#34;x&#34;&lt;/b&gt;</td><td title="&lt;b&gt;&#34;x&#34;&lt;/b&gt;">0</td></tr>` {
		t.Errorf("filtered and escaped for text and attribute: %+v", r)
	}
	if _, err := tmpl.Rows(vals, "jobs", RowQuery{}); err != ErrNoList {
		t.Errorf("no table is drawn for jobs, yet: %v", err)
	}
}

func TestAListOfScalarsIsPagedLikeATable(t *testing.T) {
	tmpl, _, err := Compile(`<div>{tags}</div>`, []string{"tags"})
	if err != nil {
		t.Fatal(err)
	}
	tags := make([]any, 300)
	for i := range tags {
		tags[i] = fmt.Sprintf("t%03d", 299-i)
	}
	body, _ := tmpl.Body(map[string]any{"tags": tags}, nil)
	if !strings.HasPrefix(body, `<div><ul class="sw-list" data-sw-rows="tags" data-sw-total="300" data-sw-page="200"><li>t299</li>`) {
		t.Errorf("the list is not marked: %.120s", body)
	}
	r, err := tmpl.Rows(map[string]any{"tags": tags}, "tags", RowQuery{Sort: ".", Limit: 2})
	if err != nil || r.HTML != "<li>t000</li><li>t001</li>" {
		t.Errorf("sorted: %+v %v", r, err)
	}
}

func TestCellsCompareNumbersFirstThenTextThenEmpty(t *testing.T) {
	in := []any{"b", nil, int64(10), "2", "A", 1.5, ""}
	idx := pick(len(in), func(i int, _ string) any { return in[i] }, func(int) string { return "" }, RowQuery{Sort: "x"})
	var got []string
	for _, i := range idx {
		got = append(got, fmt.Sprint(in[i]))
	}
	if strings.Join(got, ",") != "1.5,2,10,A,b,<nil>," {
		t.Errorf("order: %v", got)
	}
	idx = pick(len(in), func(i int, _ string) any { return in[i] }, func(int) string { return "" }, RowQuery{Sort: "x", Desc: true})
	got = got[:0]
	for _, i := range idx {
		got = append(got, fmt.Sprint(in[i]))
	}
	if strings.Join(got, ",") != "b,A,10,2,1.5,<nil>," {
		t.Errorf("descending order (empty cells still last): %v", got)
	}
}

func TestOnlyListsOfTheBodysFieldsAreMarkedNotTablesInsideItems(t *testing.T) {
	tmpl, _, err := Compile(`<div data-field="groups"><template data-each><section>{rows}</section></template></div>`, []string{"groups"})
	if err != nil {
		t.Fatal(err)
	}
	body, err := tmpl.Body(map[string]any{"groups": []any{map[string]any{"rows": longList(300)}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(body, "data-sw-") || !strings.Contains(body, "… and 100 more") {
		t.Errorf("a table inside an item is marked for paging, or not cut: %.200s", body)
	}
}
