package render

import (
	"html/template"
	"strings"
	"testing"
	"time"
)

func TestNumberFormatsGroupThousandsAndRound(t *testing.T) {
	for _, c := range []struct {
		in     any
		format string
		want   string
	}{
		{0.4911111111111111, "number", "0.49"},
		{1234567.891, "number", "1,234,567.89"},
		{-1234.5, "number", "-1,234.5"},
		{42, "number", "42"},
		{"9876.5", "number:2", "9,876.50"},
		{3.14159, "number:0", "3"},
		{0.4911111111111111, "percent:1", "49.1%"},
		{0.5, "percent:2", "50.00%"},
		{12.5, "percent:0", "1,250%"},
		{0.4911111111111111, "percent", "49.1%"},
		{"n/a", "number", "n/a"},
	} {
		if got := textValue(c.in, c.format, time.Now()); got != c.want {
			t.Errorf("%v as %s = %q, want %q", c.in, c.format, got, c.want)
		}
	}
}

func TestDurationsReadAsPeopleSayThem(t *testing.T) {
	for _, c := range []struct {
		in     any
		format string
		want   string
	}{
		{0.25, "duration", "250 ms"},
		{4.24, "duration", "4.2 s"},
		{303, "duration", "5 min 3 s"},
		{3600*2 + 300, "duration", "2 h 5 min"},
		{86400*3 + 3600*4, "duration", "3 days 4 h"},
		{86400, "duration", "1 day"},
		{1500, "duration:ms", "1.5 s"},
		{"1m30s", "duration", "1 min 30 s"},
		{-90, "duration", "-1 min 30 s"},
	} {
		if got := textValue(c.in, c.format, time.Now()); got != c.want {
			t.Errorf("%v as %s = %q, want %q", c.in, c.format, got, c.want)
		}
	}
}

func TestDatesShowLocalTimeWithItsZone(t *testing.T) {
	loc := time.Local
	time.Local = time.FixedZone("CET", 3600)
	defer func() { time.Local = loc }()
	at := "2026-11-30T03:15:17Z"
	for format, want := range map[string]string{
		"date":         `<time datetime="2026-11-30T04:15:17+01:00">2026-11-30</time>`,
		"time":         `<time datetime="2026-11-30T04:15:17+01:00">04:15:17</time>`,
		"datetime":     `<time datetime="2026-11-30T04:15:17+01:00">2026-11-30 04:15:17 CET</time>`,
		"datetime:utc": `<time datetime="2026-11-30T03:15:17Z">2026-11-30 03:15:17 UTC</time>`,
	} {
		if got := textValue(at, format, time.Now()); got != template.HTML(want) {
			t.Errorf("%s: %q, want %q", format, got, want)
		}
	}
	if got := textValue("soon", "date", time.Now()); got != "soon" {
		t.Errorf("not a time: %q", got)
	}
}

func TestSparklinesShowMinMaxLastInTheAccentColour(t *testing.T) {
	got := string(textValue([]any{3, 1, 9, 4}, "sparkline:min,max,last", time.Now()).(template.HTML))
	for _, want := range []string{`style="color:var(--sw-accent,#0969da)"`, `<span class="sw-spark-stats">min 1 · max 9 · last 4</span>`} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %s: %s", want, got)
		}
	}
	if n := strings.Count(got, "<circle"); n != 3 {
		t.Errorf("%d markers, want 3", n)
	}
	bar := string(textValue(0.5, "bar", time.Now()).(template.HTML))
	if !strings.Contains(bar, `style="color:var(--sw-accent,#0969da)"`) {
		t.Errorf("bar is not in the accent colour: %s", bar)
	}
}

func TestUnknownFormatsAndOptionsAreTemplateErrors(t *testing.T) {
	for _, f := range []string{"number:x", "percent:-1", "duration:h", "sparkline:avg", "json:2", "dates"} {
		if _, _, err := Compile(`<p data-format="`+f+`">{a}</p>`, []string{"a"}); err == nil || !strings.Contains(err.Error(), "unknown data-format") {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, f := range []string{"number", "number:3", "percent:1", "duration:ms", "datetime:utc", "sparkline:last"} {
		if _, _, err := Compile(`<p data-format="`+f+`">{a}</p>`, []string{"a"}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestAutoTablesKeepTheOrderWritten(t *testing.T) {
	tm, _, err := Compile(`<div>{rows}</div><div>{obj}</div>`, []string{"rows", "obj"})
	if err != nil {
		t.Fatal(err)
	}
	tm.OrderKeys("rows", []string{"name", "state", "age"})
	tm.OrderKeys("obj", []string{"z", "a"})
	body, err := tm.Body(map[string]any{
		"rows": []any{map[string]any{"age": 1, "state": "ok", "name": "a", "extra": true}},
		"obj":  map[string]any{"a": 1, "z": 2},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "<th>name</th><th>state</th><th>age</th><th>extra</th>") {
		t.Errorf("columns: %s", body)
	}
	if !strings.Contains(body, "<tr><th>z</th><td>2</td></tr><tr><th>a</th><td>1</td></tr>") {
		t.Errorf("rows of an object: %s", body)
	}
}

func TestLongAutoTablesShowTheFirstRowsAndCountTheRest(t *testing.T) {
	var rows, items []any
	for i := range 3000 {
		rows = append(rows, map[string]any{"id": i})
		items = append(items, i)
	}
	table := string(textValue(rows, "", time.Now()).(template.HTML))
	if n := strings.Count(table, "<tr>"); n != MaxAutoRows+1 { // + the header row
		t.Errorf("%d rows drawn", n)
	}
	if !strings.HasSuffix(table, `<tr class="sw-more"><td colspan="1">… and 2,800 more</td></tr></tbody></table>`) {
		t.Errorf("table ends %q", table[len(table)-120:])
	}
	list := string(textValue(items, "", time.Now()).(template.HTML))
	if !strings.Contains(list, `<li class="sw-more">… and 2,800 more</li>`) || strings.Count(list, "<li>") != MaxAutoRows {
		t.Errorf("list: %d items, ends %q", strings.Count(list, "<li>"), list[len(list)-80:])
	}
}
