package sources

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/syft-widget/syft-widget/manifest"
)

func mustParse(t *testing.T, format, content string) any {
	t.Helper()
	v, err := Parse(format, []byte(content))
	if err != nil {
		t.Fatalf("Parse(%s, %q): %v", format, content, err)
	}
	return v
}

func parseErr(t *testing.T, format, content string) string {
	t.Helper()
	v, err := Parse(format, []byte(content))
	if err == nil {
		t.Fatalf("Parse(%s, %q) = %#v, want an error", format, content, v)
	}
	return err.Error()
}

func TestJSONNumbersAreIntsWhenWhole(t *testing.T) {
	v := mustParse(t, "json", `{"a":3,"b":3.5,"c":1e3,"d":3.0,"e":-0,"f":12345678901234567890,"g":-9223372036854775808,"h":1e400}`)
	want := map[string]any{
		"a": 3, "b": 3.5, "c": 1000, "d": 3, "e": 0,
		"f": 12345678901234567890.0, "g": math.MinInt64, "h": nil,
	}
	if !reflect.DeepEqual(manifest.Open(v), want) {
		t.Fatalf("got %#v\nwant %#v", v, want)
	}
}

func TestJSONDecodesLikeEncodingJSON(t *testing.T) {
	docs := []string{
		`null`, `true`, `false`, `"x"`, `[]`, `{}`, ` [1, "two", {"three": [3]}, null] `,
		`"esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00 \ud800 x"`,
		`{"dup": 1, "dup": 2}`, `{"nested": {"deep": {"deeper": [true, false]}}}`,
		"\"caf\xc3\xa9\"", `[0.5, -1.25e-3, 1E+2]`,
	}
	for _, d := range docs {
		got, err := Parse("json", []byte(d))
		if err != nil {
			t.Errorf("Parse(%s): %v", d, err)
			continue
		}
		var want any
		if err := json.Unmarshal([]byte(d), &want); err != nil {
			t.Fatalf("encoding/json rejects %s: %v", d, err)
		}
		if !reflect.DeepEqual(asFloats(manifest.Open(got)), want) {
			t.Errorf("Parse(%s) = %#v, encoding/json gives %#v", d, got, want)
		}
	}
}

func TestJSONSharesTheValuesOfAKeyThatRepeats(t *testing.T) {
	var first string
	for i := range 1000 {
		doc := fmt.Sprintf(`{"shared_state": "fail\u0065d", "unique_name": "job-%d", "unique_n": %d.5}`, i, i)
		m := manifest.Open(mustParse(t, "json", doc)).(map[string]any)
		if m["shared_state"] != "failed" || m["unique_name"] != fmt.Sprintf("job-%d", i) || m["unique_n"] != float64(i)+0.5 {
			t.Fatalf("Parse(%s) = %#v", doc, m)
		}
		state := m["shared_state"].(string)
		if i == 0 {
			first = state
		} else if unsafe.StringData(state) != unsafe.StringData(first) {
			t.Fatalf("file %d has its own copy of a repeated value", i)
		}
	}
}

// asFloats turns ints into float64 so values compare with encoding/json's.
func asFloats(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = asFloats(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = asFloats(e)
		}
		return out
	}
	return v
}

func TestJSONIgnoresAByteOrderMark(t *testing.T) {
	if v := mustParse(t, "json", "\xef\xbb\xbf{\"a\":1}"); !reflect.DeepEqual(manifest.Open(v), map[string]any{"a": 1}) {
		t.Fatalf("got %#v", v)
	}
}

func TestJSONErrorsNameLineAndColumn(t *testing.T) {
	cases := map[string]string{
		"{\n  \"a\": 1,\n  \"b\": x\n}": "line 3, column 8",
		"{\"name\": \"job\", ":          "line 1, column 17: unexpected end of input",
		"[1, 2,]":                       "line 1, column 6",
		"{\"a\": 01}":                   "line 1, column 8",
		"\"tab\there\"":                 "control character",
		"{\"é\": 1 2}":                  "line 1, column 9", // columns count characters
		"[1] [2]":                       "after the value",
	}
	for in, want := range cases {
		if got := parseErr(t, "json", in); !strings.Contains(got, want) {
			t.Errorf("Parse(%q) error = %q, want it to contain %q", in, got, want)
		}
	}
}

func TestJSONRefusesNestingDeeperThanTheLimit(t *testing.T) {
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	if got := parseErr(t, "json", deep); !strings.Contains(got, "nesting deeper") {
		t.Fatalf("error = %q", got)
	}
	ok := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	mustParse(t, "json", ok)
}

func TestYAMLKeepsTimesAndStringKeys(t *testing.T) {
	v := mustParse(t, "yaml", "when: 2024-05-01T10:00:00Z\n1: one\ntrue: yes\nn: 3\nf: 2.5\nw: 4.0\ns: '7'\nnil: ~\nlist: [a, 1]\nbig: 18446744073709551615\ninf: .inf\n")
	m := v.(map[string]any)
	if tm, ok := m["when"].(time.Time); !ok || !tm.Equal(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("when = %#v, want a time.Time", m["when"])
	}
	want := map[string]any{
		"1": "one", "true": "yes", "n": 3, "f": 2.5, "w": 4, "s": "7", "nil": nil,
		"list": []any{"a", 1}, "big": 18446744073709551615.0, "inf": nil,
	}
	for k, w := range want {
		if !reflect.DeepEqual(m[k], w) {
			t.Errorf("%s = %#v, want %#v", k, m[k], w)
		}
	}
}

func TestYAMLDateKeysReadAsWritten(t *testing.T) {
	v := mustParse(t, "yaml", "2024-05-01: 3\n2024-05-02T10:00:00Z: 4\n")
	if want := map[string]any{"2024-05-01": 3, "2024-05-02T10:00:00Z": 4}; !reflect.DeepEqual(v, want) {
		t.Fatalf("got %#v, want %#v", v, want)
	}
}

func TestYAMLMergeKeysFillMissingKeysOnly(t *testing.T) {
	v := mustParse(t, "yaml", "base: &b {a: 1, b: 2}\nitem:\n  <<: *b\n  b: 3\n")
	item := v.(map[string]any)["item"]
	if want := map[string]any{"a": 1, "b": 3}; !reflect.DeepEqual(item, want) {
		t.Fatalf("item = %#v, want %#v", item, want)
	}
}

func TestYAMLRefusesAliasBombs(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 9; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	if got := parseErr(t, "yaml", b.String()); !strings.Contains(got, "aliases") {
		t.Fatalf("error = %q", got)
	}
}

func TestYAMLSeveralDocumentsMakeAList(t *testing.T) {
	v := mustParse(t, "yaml", "a: 1\n---\nb: 2\n")
	if want := []any{map[string]any{"a": 1}, map[string]any{"b": 2}}; !reflect.DeepEqual(v, want) {
		t.Fatalf("got %#v", v)
	}
	if v := mustParse(t, "yaml", ""); v != nil {
		t.Fatalf("empty YAML = %#v, want nil", v)
	}
}

func TestYAMLKeyErrorsNameLineAndColumn(t *testing.T) {
	for in, want := range map[string]string{
		"a:\n  ? [1]\n  : 2\n": "line 2, column 5: a mapping key must be a plain value",
		"b:\n  <<: [1]\n":      "line 2, column 3: a merge key (<<) needs a mapping",
	} {
		if got := parseErr(t, "yaml", in); !strings.Contains(got, want) {
			t.Errorf("Parse(%q) error = %q, want it to contain %q", in, got, want)
		}
	}
}

func TestYAMLErrorsNameTheLine(t *testing.T) {
	if got := parseErr(t, "yaml", "a: 1\nb: [1, 2\nc: 3\n"); !strings.Contains(got, "line") {
		t.Fatalf("error = %q, want a line number", got)
	}
}

func TestCSVRowsAreObjectsKeyedByHeaderWithNumericColumns(t *testing.T) {
	in := "\xef\xbb\xbfname,n,ratio,ok,zip,mixed,empty\n" +
		"a,1,0.5,true,007,1,\n" +
		"\"b, quoted\",2,1.0,False,010,x,\n" +
		"c,,2.5,TRUE,123,3,\n"
	v := mustParse(t, "csv", in)
	want := []any{
		map[string]any{"name": "a", "n": 1, "ratio": 0.5, "ok": true, "zip": 7, "mixed": "1", "empty": nil},
		map[string]any{"name": "b, quoted", "n": 2, "ratio": 1, "ok": false, "zip": 10, "mixed": "x", "empty": nil},
		map[string]any{"name": "c", "n": nil, "ratio": 2.5, "ok": true, "zip": 123, "mixed": "3", "empty": nil},
	}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("got  %#v\nwant %#v", v, want)
	}
}

func TestCSVRaggedRowsAndOddHeaders(t *testing.T) {
	v := mustParse(t, "csv", "a,a,\n1,2,3,4\n5\n")
	want := []any{
		map[string]any{"a": 1, "a.1": 2, "column_3": 3, "column_4": 4},
		map[string]any{"a": 5, "a.1": nil, "column_3": nil, "column_4": nil},
	}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("got  %#v\nwant %#v", v, want)
	}
	if v := mustParse(t, "csv", ""); !reflect.DeepEqual(v, []any{}) {
		t.Fatalf("empty CSV = %#v, want []", v)
	}
	if v := mustParse(t, "csv", "a,b\n"); !reflect.DeepEqual(v, []any{}) {
		t.Fatalf("header-only CSV = %#v, want []", v)
	}
}

func TestCSVErrorsNameLineAndColumn(t *testing.T) {
	if got := parseErr(t, "csv", "a,b\n1,2\n3,\"x\"y\n"); !strings.Contains(got, "line 3") {
		t.Fatalf("error = %q", got)
	}
}

func TestTSVSplitsOnTabsAndToleratesStrayQuotes(t *testing.T) {
	v := mustParse(t, "tsv", "screen\tsize\n5\" wide\t12\n")
	want := []any{map[string]any{"screen": "5\" wide", "size": 12}}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("got %#v", v)
	}
}

func TestNDJSONIsAListOfValuesWithLineNumbersInErrors(t *testing.T) {
	v := mustParse(t, "ndjson", "{\"a\":1}\n\n[2]\r\n\"three\"\n")
	if want := []any{map[string]any{"a": 1}, []any{2}, "three"}; !reflect.DeepEqual(manifest.Open(v), want) {
		t.Fatalf("got %#v", v)
	}
	if got := parseErr(t, "ndjson", "{\"a\":1}\n{\"b\":\n"); !strings.Contains(got, "line 2") {
		t.Fatalf("error = %q, want line 2", got)
	}
	if v := mustParse(t, "ndjson", ""); !reflect.DeepEqual(v, []any{}) {
		t.Fatalf("empty ndjson = %#v", v)
	}
}

func TestTextAndLines(t *testing.T) {
	if v := mustParse(t, "text", "\xef\xbb\xbfhello\nworld\n"); v != "hello\nworld\n" {
		t.Errorf("text = %q", v)
	}
	if v := mustParse(t, "text", "bad \xff byte"); v != "bad \uFFFD byte" {
		t.Errorf("text with invalid UTF-8 = %q", v)
	}
	if v := mustParse(t, "lines", "one\r\ntwo\n\nfour"); !reflect.DeepEqual(v, []any{"one", "two", "", "four"}) {
		t.Errorf("lines = %#v", v)
	}
	if v := mustParse(t, "lines", "one\n"); !reflect.DeepEqual(v, []any{"one"}) {
		t.Errorf("lines with a final newline = %#v", v)
	}
	if v := mustParse(t, "none", "anything"); v != nil {
		t.Errorf("none = %#v", v)
	}
	if got := parseErr(t, "xml", "<a/>"); !strings.Contains(got, "unknown format") {
		t.Errorf("error = %q", got)
	}
}

func TestFormatForPicksByExtension(t *testing.T) {
	cases := map[string]string{
		"a.json": "json", "A.JSON": "json", "b.yaml": "yaml", "b.yml": "yaml", "c.csv": "csv",
		"d.tsv": "tsv", "e.ndjson": "ndjson", "e.jsonl": "ndjson", "f.txt": "text", "g.md": "text",
		"h.log": "lines", "i.bin": "", "noext": "", ".json": "", "dir/x.yaml": "yaml",
	}
	for name, want := range cases {
		if got := FormatFor(name); got != want {
			t.Errorf("FormatFor(%q) = %q, want %q", name, got, want)
		}
	}
}
