package render

import (
	"encoding/json"
	"errors"
	"html/template"
	"math"
	"strings"
	"testing"
	"time"
)

func TestNumbersReadAsPeopleWriteThem(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{1285.0, "1285"}, {0.25, "0.25"}, {0.1 + 0.2, "0.3"}, {int64(9007199254740993), "9007199254740993"},
		{-3, "-3"}, {1e6, "1000000"}, {1.5e-3, "0.0015"}, {1e21, "1e+21"}, {math.Copysign(0, -1), "0"},
		{uint64(math.MaxUint64), "18446744073709551615"}, {float32(2.5), "2.5"}, {json.Number("42"), "42"},
		{json.Number("4.20"), "4.2"}, {math.NaN(), "NaN"}, {math.Inf(1), "∞"}, {int8(-7), "-7"},
	} {
		if got := scalarText(c.in); got != c.want {
			t.Errorf("scalarText(%#v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestScalarsReadPlainly(t *testing.T) {
	when := time.Date(2026, 11, 25, 20, 1, 2, 0, time.Local)
	type named string
	for _, c := range []struct {
		in   any
		want string
	}{
		{nil, ""}, {true, "true"}, {false, "false"}, {"text", "text"}, {when, "2026-11-25 20:01:02"},
		{&when, "2026-11-25 20:01:02"}, {time.Time{}, ""}, {90 * time.Second, "1m30s"}, {named("n"), "n"},
		{[]byte("raw"), "raw"}, {errors.New("it broke"), "it broke"}, {(*time.Time)(nil), ""},
	} {
		if got := scalarText(c.in); got != c.want {
			t.Errorf("scalarText(%#v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func htmlOf(v any) string {
	r := textValue(v, "", time.Now())
	switch x := r.(type) {
	case template.HTML:
		return string(x)
	case string:
		return template.HTMLEscapeString(x)
	}
	return "?"
}

func TestListOfObjectsIsATableWithTheUnionOfKeys(t *testing.T) {
	got := htmlOf([]any{map[string]any{"name": "a", "n": 1}, map[string]any{"name": "<b>", "x": true}})
	want := `<table class="sw-table"><thead><tr><th>n</th><th>name</th><th>x</th></tr></thead><tbody>` +
		`<tr><td>1</td><td>a</td><td></td></tr><tr><td></td><td>&lt;b&gt;</td><td>true</td></tr></tbody></table>`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestListOfScalarsIsAList(t *testing.T) {
	got := htmlOf([]any{"a<", 2, nil})
	if want := `<ul class="sw-list"><li>a&lt;</li><li>2</li><li></li></ul>`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got := htmlOf([]any{}); got != "" {
		t.Errorf("an empty list renders %q, want nothing", got)
	}
}

func TestObjectIsKeyValueRows(t *testing.T) {
	got := htmlOf(map[string]any{"b": []any{1, 2}, "a": "x&y"})
	want := `<table class="sw-kv"><tbody><tr><th>a</th><td>x&amp;y</td></tr>` +
		`<tr><th>b</th><td><ul class="sw-list"><li>1</li><li>2</li></ul></td></tr></tbody></table>`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestOtherGoValuesRenderReadablyNeverAsGoRepr(t *testing.T) {
	type rec struct {
		Path string `json:"path"`
		Size int64  `json:"size"`
	}
	for _, c := range []struct {
		in   any
		want string
	}{
		{[]string{"x", "y"}, `<ul class="sw-list"><li>x</li><li>y</li></ul>`},
		{map[string]int{"k": 1}, `<table class="sw-kv"><tbody><tr><th>k</th><td>1</td></tr></tbody></table>`},
		{rec{"a.json", 3}, `<table class="sw-kv"><tbody><tr><th>path</th><td>a.json</td></tr><tr><th>size</th><td>3</td></tr></tbody></table>`},
		{[]map[string]any{{"a": 1}}, `<table class="sw-table"><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>`},
		{map[int]string{2: "b"}, `<table class="sw-kv"><tbody><tr><th>2</th><td>b</td></tr></tbody></table>`},
	} {
		got := htmlOf(c.in)
		if got != c.want {
			t.Errorf("%#v renders\n %s\nwant\n %s", c.in, got, c.want)
		}
		if strings.Contains(got, "map[") || strings.Contains(got, "{a.json") {
			t.Errorf("%#v renders a Go repr: %s", c.in, got)
		}
	}
}

func TestDeepValuesStopAtADepth(t *testing.T) {
	var v any = "leaf"
	for range 40 {
		v = []any{v}
	}
	got := htmlOf(v)
	if !strings.Contains(got, "[[") || strings.Count(got, "<ul") > maxDepth+1 {
		t.Errorf("deep value not cut to JSON: %s", got)
	}
}

func TestAttributeValuesAreTextOrCompactJSON(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{"x", "x"}, {1285.0, "1285"}, {nil, ""}, {[]any{1, "a"}, `[1,"a"]`},
		{map[string]any{"b": 1, "a": []any{}}, `{"a":[],"b":1}`}, {[]any{math.NaN()}, "[null]"},
	} {
		if got := attrText(c.in); got != c.want {
			t.Errorf("attrText(%#v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestBytesFormat(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{0, "0 B"}, {512, "512 B"}, {1536, "1.5 KiB"}, {1048576, "1 MiB"}, {int64(5) << 30, "5 GiB"},
		{"2048", "2 KiB"}, {-1536, "-1.5 KiB"}, {"n/a", "n/a"},
	} {
		if got := textValue(c.in, "bytes", time.Now()); got != c.want {
			t.Errorf("bytes(%v) = %v, want %q", c.in, got, c.want)
		}
	}
}

func TestPercentFormatTakesFractions(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{0.25, "25%"}, {1, "100%"}, {1.5, "150%"}, {0.3333, "33.3%"}, {0, "0%"}, {"0.5", "50%"},
	} {
		if got := textValue(c.in, "percent", time.Now()); got != c.want {
			t.Errorf("percent(%v) = %v, want %q", c.in, got, c.want)
		}
	}
}

func TestAgoFormatReadsTimesStringsAndUnixSeconds(t *testing.T) {
	now := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   any
		want string
	}{
		{now.Add(-5 * time.Minute), "5 min ago"},
		{now.Add(-3 * time.Second).Format(time.RFC3339), "just now"},
		{float64(now.Add(-42 * time.Second).Unix()), "42 s ago"},
		{now.Add(-3 * time.Hour).UnixMilli(), "3 h ago"},
		{now.Add(-49 * time.Hour), "2 days ago"},
		{now.Add(-25 * time.Hour), "1 day ago"},
		{now.Add(5 * time.Minute), "in 5 min"},
	} {
		got, ok := textValue(c.in, "ago", now).(template.HTML)
		if !ok || !strings.Contains(string(got), ">"+c.want+"</span>") {
			t.Errorf("ago(%v) = %v, want %q", c.in, got, c.want)
		}
	}
	if got := textValue("not a time", "ago", now); got != "not a time" {
		t.Errorf("ago of text = %v, want the text", got)
	}
}

func TestSparklineAndBarAreInlineSVG(t *testing.T) {
	got := string(textValue([]any{1, 2, 3}, "sparkline", time.Now()).(template.HTML))
	for _, w := range []string{`<svg class="sw-sparkline"`, `points="0,19 50,10 100,1"`, "<title>1, 2, 3</title>"} {
		if !strings.Contains(got, w) {
			t.Errorf("sparkline lacks %q: %s", w, got)
		}
	}
	if got := string(textValue([]any{5}, "sparkline", time.Now()).(template.HTML)); !strings.Contains(got, `points="50,10"`) {
		t.Errorf("one-point sparkline: %s", got)
	}
	got = string(textValue(1.7, "bar", time.Now()).(template.HTML))
	if !strings.Contains(got, `<rect width="100" height="10" fill="currentColor"></rect>`) {
		t.Errorf("bar above 1 is not clamped: %s", got)
	}
	got = string(textValue([]any{2, 4}, "bar", time.Now()).(template.HTML))
	if !strings.Contains(got, `y="10" width="40" height="10"`) || !strings.Contains(got, `y="0" width="40" height="20"`) {
		t.Errorf("bars: %s", got)
	}
	if got := textValue("x", "sparkline", time.Now()); got != "x" {
		t.Errorf("sparkline of text = %v, want the text", got)
	}
}

func TestJSONFormatIsPrettyAndEscaped(t *testing.T) {
	got := string(textValue(map[string]any{"k": "</code><script>"}, "json", time.Now()).(template.HTML))
	want := "<code class=\"sw-json\" style=\"white-space:pre\">{\n  &#34;k&#34;: &#34;&lt;/code&gt;&lt;script&gt;&#34;\n}</code>"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestJSONTextIsValidJSON(t *testing.T) {
	v := map[string]any{"s": "q\"\\\n\t\x01\u2028é\xff", "n": []any{1, 2.5, nil, true}, "t": time.Unix(0, 0).UTC(), "e": map[string]any{}}
	for _, indent := range []bool{false, true} {
		var back map[string]any
		if err := json.Unmarshal([]byte(jsonText(v, indent)), &back); err != nil {
			t.Fatalf("jsonText(indent=%v) is not JSON: %v\n%s", indent, err, jsonText(v, indent))
		}
		if back["s"] != "q\"\\\n\t\x01\u2028é\ufffd" || back["t"] != "1970-01-01T00:00:00Z" {
			t.Errorf("round trip changed values: %#v", back)
		}
	}
}

func TestDeepJSONIsWrittenWholeAndACycleSaysSo(t *testing.T) {
	var v any = "leaf"
	for range 100 {
		v = []any{v}
	}
	want := strings.Repeat("[", 100) + `"leaf"` + strings.Repeat("]", 100)
	if got := jsonText(v, false); got != want {
		t.Errorf("a value 100 levels deep: %s", got)
	}
	cycle := map[string]any{}
	cycle["self"] = cycle
	if got := jsonText(cycle, false); !strings.Contains(got, "nested deeper than") {
		t.Errorf("a self-referencing value: %.200s", got)
	}
}
