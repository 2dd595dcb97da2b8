package manifest

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// hostile are expressions known to take a process down without limits:
// string doubling, nested repeats, ranges and joins that allocate
// gigabytes, loops that run for hours.
var hostile = []string{
	`len(reduce(1..40, #acc + #acc, "x"))`,
	`len(repeat(repeat("ab", 100000), 100000))`,
	`len(reduce(1..100, #acc + #acc + #acc, "abc"))`,
	`len(join(map(1..1000000, repeat("x", 1000))))`,
	`len(join(map(1..100000, repeat("x", 10000)), "--"))`,
	`len(toJSON(map(1..100000, repeat("x", 10000))))`,
	`len(string(map(1..5000, 1..5000)))`,
	`len(replace(repeat("a", 1000000), "", repeat("b", 1000)))`,
	`len(split(repeat("a", 100000000), ""))`,
	`sum(map(1..100000000, #))`,
	`len(1..9223372036854775807)`,
	`count(1..1000000, count(1..1000000, # > 0) > 0)`,
	`all(1..100000, all(1..100000, true))`,
	`len(flatten(map(1..3000, map(1..3000, [#, #]))))`,
	`len(uniq(map(1..5000000, string(#))))`,
	`map(1..1000, repeat("x", 100000))`,
	`len(upper(repeat("ɐ", 200000000)))`,
	`len(toBase64(repeat(repeat("x", 10000), 20000)))`,
	`len(concat(1..20000000, 1..20000000))`,
	`len(sort(map(1..30000000, -#)))`,
	`len(reduce(1..64, concat(#acc, #acc), [1]))`,
	`len(reduce(1..30, #acc + string(#acc), "1"))`,
	`len(reduce(1..64, toJSON([#acc, #acc]), "x"))`,
}

// TestHostileExpressionsFailOnlyTheirField: each known hostile expression
// fails its own field with a limit's message, the field beside it is
// computed, and the process survives without allocating what was asked.
func TestHostileExpressionsFailOnlyTheirField(t *testing.T) {
	defer func(d time.Duration) { evalTimeout = d }(evalTimeout)
	evalTimeout = time.Second
	for _, x := range hostile {
		t.Run(x, func(t *testing.T) {
			p := write(t, "w.yaml", fmt.Sprintf("sources:\n  files: \"*.txt\"\nendpoints:\n  /a:\n    bad: '%s'\n    ok: len(files)\n", x))
			m, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			files := []*Record{{Name: "a", Data: "0123456789"}, {Name: "b", Data: "abc"}}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			fields, errs := m.Endpoints[0].Eval(m.Env(map[string]any{"files": files}))
			runtime.ReadMemStats(&after)
			if !isLimitError(errs["bad"]) {
				t.Errorf("bad = %.80v, error %q; want a limit's message", fields["bad"], errs["bad"])
			}
			if fields["ok"] != 2 || errs["ok"] != "" {
				t.Errorf("the other field: %v, %q", fields["ok"], errs["ok"])
			}
			// Everything the evaluation made: its budgets plus the VM's
			// own stacks and boxing, never what the expression asked for.
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 2*(MaxEvalBytes+MemoryBudget*16) {
				t.Errorf("allocated %s", sizeText(int64(grew)))
			}
		})
	}
}

func isLimitError(msg string) bool {
	for _, s := range []string{"memory limit", "took longer", "output limit", "list elements, over the limit"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func TestEveryLoopChecksTheClockNotOnlyNestedOnes(t *testing.T) {
	defer func(d time.Duration) { evalTimeout = d }(evalTimeout)
	evalTimeout = time.Nanosecond
	for _, x := range []string{`sum(1..1000, #)`, `reduce(1..1000, #acc + 1, 0)`, `len(map(files, .name))`, `len(repeat("a", 3))`} {
		p := write(t, "w.yaml", "sources:\n  files: \"*.txt\"\nendpoints:\n  /a:\n    x: '"+x+"'\n")
		m, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		_, errs := m.Endpoints[0].Eval(m.Env(map[string]any{"files": []*Record{{Name: "a"}}}))
		if !strings.Contains(errs["x"], "took longer than 1ns") {
			t.Errorf("%s: errs = %v", x, errs)
		}
	}
}

// TestLimitsDoNotChangeResults: the guarded builtins, ranges and
// concatenations give what expr's own give.
func TestLimitsDoNotChangeResults(t *testing.T) {
	cases := map[string]string{
		`repeat("ab", 3)`:                       `"ababab"`,
		`"a" + "b" + files[0].data`:             `"ab0123"`,
		`files[0].data + files[1].data`:         `"0123abc"`,
		`files[0].size + 1`:                     `4`,
		`reduce(1..4, #acc + string(#), "")`:    `"1234"`,
		`join(["a", "b"], "-")`:                 `"a-b"`,
		`join(map(files, .name))`:               `"ab"`,
		`replace("aXbX", "X", "--")`:            `"a--b--"`,
		`replace("aXbX", "X", "-", 1)`:          `"a-bX"`,
		`split("a,b,c", ",")`:                   `["a","b","c"]`,
		`split("a,b,c", ",", 2)`:                `["a","b,c"]`,
		`splitAfter("a,b", ",")`:                `["a,","b"]`,
		`upper("abc") + lower("DEF")`:           `"ABCdef"`,
		`toJSON({a: 1})`:                        `"{\n  \"a\": 1\n}"`,
		`fromJSON("[1,2]")`:                     `[1,2]`,
		`fromBase64(toBase64("hi"))`:            `"hi"`,
		`concat([1], [2, 3])`:                   `[1,2,3]`,
		`flatten([[1], [2, [3]]])`:              `[1,2,3]`,
		`reverse(1..3)`:                         `[3,2,1]`,
		`uniq([1, 1, 2])`:                       `[1,2]`,
		`sort([3, 1, 2])`:                       `[1,2,3]`,
		`sort(["b", "a"], "desc")`:              `["b","a"]`,
		`keys({a: 1})`:                          `["a"]`,
		`values({a: 1})`:                        `[1]`,
		`take(1..5, 2)`:                         `[1,2]`,
		`median([1, 5, 3])`:                     `3`,
		`string(12)`:                            `"12"`,
		`len(5..1)`:                             `0`,
		`sum(1..10)`:                            `55`,
		`now() + duration("1h") > now()`:        `true`,
		`fromPairs(toPairs({a: 1}))`:            `{"a":1}`,
		`basename("a/b.json") + dirname("a/b")`: `"b.jsona"`,
	}
	for x, want := range cases {
		p := write(t, "w.yaml", "sources:\n  files: \"*.txt\"\nendpoints:\n  /a:\n    x: '"+strings.ReplaceAll(x, "'", "''")+"'\n")
		m, err := Load(p)
		if err != nil {
			t.Errorf("%s: %v", x, err)
			continue
		}
		files := []*Record{{Name: "a", Size: 3, Data: "0123"}, {Name: "b", Data: "abc"}}
		fields, errs := m.Endpoints[0].Eval(m.Env(map[string]any{"files": files}))
		if errs != nil {
			t.Errorf("%s: %v", x, errs)
			continue
		}
		if got := jsonText(t, fields["x"]); got != want {
			t.Errorf("%s = %s, want %s", x, got, want)
		}
	}
}

func TestCompileErrorsStayCompileErrors(t *testing.T) {
	for x, want := range map[string]string{
		`"a" + 1`:                             "mismatched types string and int",
		`repeat(1, 2)`:                        "cannot use int as argument (type string)",
		`split("a")`:                          "not enough arguments",
		`1.."x"`:                              "mismatched types",
		`len(__repeat(nil, "a", 1000000000))`: "__repeat is reserved",
		`__budget`:                            "__budget is reserved",
		`__member(1, "data")`:                 "__member is reserved",
		`__open(1, nil)`:                      "__open is reserved",
	} {
		msgs := errorsOf(t, "endpoints:\n  /a:\n    x: '"+x+"'\n")
		if len(msgs) != 1 || !strings.Contains(msgs[0], want) {
			t.Errorf("%s: %v, want %q", x, msgs, want)
		}
	}
}

func TestASourceMayNotTakeTheBudgetsName(t *testing.T) {
	msgs := errorsOf(t, "sources:\n  __budget: \"*.json\"\nendpoints:\n  /a:\n    n: len(__budget)\n")
	if len(msgs) == 0 || !strings.Contains(msgs[0], `source name "__budget" is reserved`) {
		t.Errorf("%v", msgs)
	}
}

func TestAValueOverTheOutputLimitFailsItsField(t *testing.T) {
	p := write(t, "w.yaml", "endpoints:\n  /a:\n    big: 'map(1..400, repeat(\"x\", 100000))'\n    small: 'len(map(1..400, repeat(\"x\", 100000)))'\n")
	m, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	fields, errs := m.Endpoints[0].Eval(m.Env(nil))
	if !strings.Contains(errs["big"], "over the output limit of one field (32.0 MiB, or 4 times the bytes of the files it reads)") || fields["big"] != nil {
		t.Errorf("big: %q", errs["big"])
	}
	if fields["small"] != 400 {
		t.Errorf("small: %v %q", fields["small"], errs["small"])
	}
}

// TestAnOutputAsLargeAsItsFilesPassesTheOutputLimit: a value over 32 MiB
// that its files' bytes account for (a row per record) is a result, not a
// bomb; the same value made from small files is refused.
func TestAnOutputAsLargeAsItsFilesPassesTheOutputLimit(t *testing.T) {
	p := write(t, "w.yaml", "sources:\n  files: \"*.txt\"\nendpoints:\n  /a:\n    rows: map(files, .data)\n    echo: map(files, [.data, .data, .data, .data, .data])\n")
	m, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	blob := strings.Repeat("x", 400_000)
	var files []*Record
	for i := range 100 { // 40 MB of files
		files = append(files, &Record{Name: fmt.Sprint(i), Size: int64(len(blob)), Data: blob})
	}
	fields, errs := m.Endpoints[0].Eval(m.Env(map[string]any{"files": files}))
	if errs["rows"] != "" || len(fields["rows"].([]any)) != 100 {
		t.Errorf("40 MB of rows from 40 MB of files: %q", errs["rows"])
	}
	if !strings.Contains(errs["echo"], "output limit") {
		t.Errorf("five times the files' bytes: %q, want the output limit's message", errs["echo"])
	}
	for i := range files {
		files[i] = &Record{Name: fmt.Sprint(i), Size: 10, Data: blob}
	}
	if _, errs := m.Endpoints[0].Eval(m.Env(map[string]any{"files": files})); !strings.Contains(errs["rows"], "output limit") {
		t.Errorf("40 MB of rows from files of 10 bytes: %q, want the output limit's message", errs["rows"])
	}
	// Big files the records do not hold (not read: over max_file_size,
	// format none; or stale) give nothing to make output from.
	p = write(t, "w.yaml", "sources:\n  files: \"*.txt\"\n  big: \"*.iso\"\nendpoints:\n  /a:\n    rows: 'len(big) >= 0 ? map(files, .data) : nil'\n")
	if m, err = Load(p); err != nil {
		t.Fatal(err)
	}
	isos := []*Record{{Name: "unread.iso", Size: 1 << 30}, {Name: "stale.iso", Size: 1 << 30, Data: "old", Stale: true}}
	if _, errs := m.Endpoints[0].Eval(m.Env(map[string]any{"files": files, "big": isos})); !strings.Contains(errs["rows"], "output limit") {
		t.Errorf("40 MB of rows next to 2 GB of files not read: %q, want the output limit's message", errs["rows"])
	}
}

// FuzzHostileExpressions builds expressions from a grammar of the
// constructs that allocate or loop, nested as the input says, and runs each
// under the limits: no input may crash the process or pass a limit.
func FuzzHostileExpressions(f *testing.F) {
	for _, seed := range []string{"\x00\x01\x02", "\x05\x05\x05\x01", "\x09\x03\x00\x07\x02", "\x0b\x0b\x0b\x0b\x0b\x00"} {
		f.Add([]byte(seed))
	}
	defer func(d time.Duration) { evalTimeout = d }(evalTimeout)
	evalTimeout = 500 * time.Millisecond
	f.Fuzz(func(t *testing.T, data []byte) {
		x := hostileExpr(&data, 0)
		p := write(t, "w.yaml", "sources:\n  files: \"*.txt\"\nendpoints:\n  /a:\n    x: '"+strings.ReplaceAll(x, "'", "''")+"'\n")
		m, err := Load(p)
		if err != nil {
			return // not every generated expression type-checks
		}
		files := []*Record{{Name: "a", Data: "0123456789"}, {Name: "b", Data: "abc"}}
		fields, errs := m.Endpoints[0].Eval(m.Env(map[string]any{"files": files}))
		if errs == nil && sizeOf(fields["x"], MaxOutputBytes, false) > MaxOutputBytes {
			t.Fatalf("%s: a value over the output limit passed", x)
		}
	})
}

// hostileExpr reads one production per byte of data.
func hostileExpr(data *[]byte, depth int) string {
	next := func() int {
		if len(*data) == 0 {
			return 0
		}
		b := (*data)[0]
		*data = (*data)[1:]
		return int(b)
	}
	sub := func() string { return hostileExpr(data, depth+1) }
	n := func() string {
		return []string{"2", "40", "1000", "100000", "1000000", "9223372036854775807", "-1"}[next()%7]
	}
	if depth > 6 {
		return `"ab"`
	}
	switch next() % 16 {
	case 0:
		return `"ab"`
	case 1:
		return `repeat(` + sub() + `, ` + n() + `)`
	case 2:
		return sub() + ` + ` + sub()
	case 3:
		return `reduce(1..` + n() + `, #acc + #acc, ` + sub() + `)`
	case 4:
		return `join(map(1..` + n() + `, ` + sub() + `))`
	case 5:
		return `toJSON(map(1..` + n() + `, ` + sub() + `))`
	case 6:
		return `string(1..` + n() + `)`
	case 7:
		return `replace(` + sub() + `, "", ` + sub() + `)`
	case 8:
		return `join(split(` + sub() + `, ""), ` + sub() + `)`
	case 9:
		return `string(flatten(map(1..` + n() + `, [` + sub() + `, ` + sub() + `])))`
	case 10:
		return `string(count(1..` + n() + `, len(` + sub() + `) > 0))`
	case 11:
		return `upper(` + sub() + `)`
	case 12:
		return `files[0].data + ` + sub()
	case 13:
		return `toBase64(` + sub() + `)`
	case 14:
		return `string(uniq(concat(1..` + n() + `, 1..` + n() + `)))`
	}
	return `reduce(files, #acc + .data + ` + sub() + `, "")`
}

func jsonText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
