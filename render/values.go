package render

import (
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/syft-widget/syft-widget/manifest"
)

// TimeLayout is how a time value reads in the page: local time, to the second.
const TimeLayout = "2006-01-02 15:04:05"

// maxDepth bounds how deep composite values are drawn as HTML; deeper parts
// are shown as compact JSON, so a self-referencing value cannot recurse forever.
const maxDepth = 16

// norm brings a value to one of the shapes the renderer knows: nil, bool,
// string, int64, uint64, float64, time.Time, []any, List,
// map[string]any. Values come from manifest.Plain already; anything else
// goes through it once. Children of lists and maps are normalised when
// they are visited.
func norm(v any) any {
	switch x := v.(type) {
	case nil, bool, string, int64, uint64, float64, time.Time, []any, List, map[string]any:
		return v
	case int:
		return int64(x)
	}
	switch p := manifest.Plain(v).(type) {
	case int:
		return int64(p)
	default:
		return p
	}
}

// List is a long list value read element by element: the incremental
// evaluation keeps a field's rows so (manifest.Chunks, or a list that
// makes an element when it is read), and the renderer reads only the rows
// it draws through Len and At. Slice is every element, made once and
// shared (not to be modified). A List draws and encodes as the []any of
// its elements.
type List interface {
	Len() int
	At(i int) any
	Slice() []any
}

// asList reads a normalised value as a list: its length and elements.
func asList(v any) (n int, at func(int) any, ok bool) {
	switch x := v.(type) {
	case []any:
		return len(x), func(i int) any { return x[i] }, true
	case List:
		return x.Len(), x.At, true
	}
	return 0, nil, false
}

// flatList is a normalised list value as one slice (a List's is made
// once and shared: it must not be modified).
func flatList(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case List:
		return x.Slice(), true
	}
	return nil, false
}

// scalarText is a scalar as people write it. Composite values read as
// compact JSON here; callers that can draw HTML handle them before.
func scalarText(v any) string {
	switch x := norm(v).(type) {
	case nil:
		return ""
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return formatFloat(x)
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.Local().Format(TimeLayout)
	default:
		return jsonText(x, false)
	}
}

// formatFloat writes 1285 for 1285.0, 0.25 for 0.25 and 0.3 for
// 0.1+0.2: at most 15 significant digits, no exponent for everyday sizes.
func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "∞"
	case math.IsInf(f, -1):
		return "-∞"
	case f == 0:
		return "0"
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	if a := math.Abs(r); a >= 1e21 || a < 1e-6 {
		return strconv.FormatFloat(r, 'g', -1, 64)
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// attrText is a value in an attribute: scalars as text, composites as JSON.
func attrText(v any) string {
	v = norm(v)
	switch v.(type) {
	case []any, List, map[string]any:
		return jsonText(v, false)
	}
	return scalarText(v)
}

// maxJSONDepth bounds how deep jsonText follows a value: as deep as sources
// read files, so only a self-referencing value reaches it.
const maxJSONDepth = 10_000

// jsonText encodes a value as JSON with sorted keys; NaN and infinities,
// which JSON cannot hold, become null. HTML characters stay as they are:
// callers escape the JSON for where it goes. A value nested deeper than
// maxJSONDepth reads as a JSON string that says so.
func jsonText(v any, indent bool) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	plain, err := jsonValue(v, 0)
	if err != nil {
		plain = err.Error()
	}
	if err := enc.Encode(plain); err != nil {
		return strconv.Quote(err.Error())
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// jsonValue brings v to what encoding/json writes as the page shows it:
// normalised scalars, times as RFC 3339 text, no NaN or infinity.
func jsonValue(v any, depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("(a value nested deeper than %d levels)", maxJSONDepth)
	}
	switch x := norm(v).(type) {
	case nil, bool, int64, uint64, string:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, nil
		}
		return x, nil
	case time.Time:
		return x.Format(time.RFC3339Nano), nil
	case []any, List:
		n, at, _ := asList(x)
		out := make([]any, n)
		for i := range n {
			var err error
			if out[i], err = jsonValue(at(i), depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			var err error
			if out[k], err = jsonValue(e, depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	default:
		return fmt.Sprint(x), nil
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// writeValueHTML draws a value for a text position: a list of objects as a
// table (header: the union of keys, sorted), any other list as <ul>, an
// object as key/value rows, scalars as escaped text.
func writeValueHTML(b *strings.Builder, v any, depth int) {
	writeValueHTMLOrdered(b, v, depth, nil)
}

// writeValueHTMLOrdered is writeValueHTML with the columns of a table (or
// the rows of an object) in the given order; keys it does not name follow,
// sorted. A list longer than MaxAutoRows shows its first rows and counts
// the rest.
func writeValueHTMLOrdered(b *strings.Builder, v any, depth int, order []string) {
	v = norm(v)
	switch x := v.(type) {
	case []any, List:
		n, at, _ := asList(x)
		if n == 0 {
			return
		}
		if depth >= maxDepth {
			b.WriteString(html.EscapeString(jsonText(x, false)))
			return
		}
		shown, more := n, 0
		if n > MaxAutoRows {
			shown, more = MaxAutoRows, n-MaxAutoRows
		}
		if rows, ok := objectRows(n, at, shown); ok {
			writeTableHTML(b, rows, depth, order, more)
			return
		}
		b.WriteString(`<ul class="sw-list">`)
		for i := range shown {
			b.WriteString("<li>")
			writeValueHTML(b, at(i), depth+1)
			b.WriteString("</li>")
		}
		if more > 0 {
			b.WriteString(`<li class="sw-more">` + moreText(more) + "</li>")
		}
		b.WriteString("</ul>")
	case map[string]any:
		if len(x) == 0 {
			return
		}
		if depth >= maxDepth {
			b.WriteString(html.EscapeString(jsonText(x, false)))
			return
		}
		b.WriteString(`<table class="sw-kv"><tbody>`)
		keys := sortedKeys(x)
		sortKeys(keys, order)
		for _, k := range keys {
			b.WriteString("<tr><th>")
			b.WriteString(html.EscapeString(k))
			b.WriteString("</th><td>")
			writeValueHTML(b, x[k], depth+1)
			b.WriteString("</td></tr>")
		}
		b.WriteString("</tbody></table>")
	default:
		b.WriteString(html.EscapeString(scalarText(x)))
	}
}

// objects returns the items of list as objects, if every one is.
func objects(list []any) ([]map[string]any, bool) {
	return objectRows(len(list), func(i int) any { return list[i] }, len(list))
}

// objectRows returns the first keep of the n items as objects, if every
// item is one.
func objectRows(n int, at func(int) any, keep int) ([]map[string]any, bool) {
	rows := make([]map[string]any, 0, keep)
	for i := range n {
		m, ok := norm(at(i)).(map[string]any)
		if !ok {
			return nil, false
		}
		if i < keep {
			rows = append(rows, m)
		}
	}
	return rows, true
}

// writeTableHTML draws a list of objects as a table whose columns are the
// union of their keys (see tableKeys).
func writeTableHTML(b *strings.Builder, rows []map[string]any, depth int, order []string, more int) {
	keys := tableKeys(rows, order)
	b.WriteString(`<table class="sw-table"><thead><tr>`)
	for _, k := range keys {
		b.WriteString("<th>")
		b.WriteString(html.EscapeString(k))
		b.WriteString("</th>")
	}
	b.WriteString("</tr></thead><tbody>")
	for _, r := range rows {
		writeRowHTML(b, r, keys, depth)
	}
	if more > 0 {
		b.WriteString(`<tr class="sw-more"><td colspan="` + strconv.Itoa(len(keys)) + `">` + moreText(more) + "</td></tr>")
	}
	b.WriteString("</tbody></table>")
}

// tableKeys is the union of the rows' keys, in order (see sortKeys).
func tableKeys(rows []map[string]any, order []string) []string {
	seen := map[string]bool{}
	var keys []string
	for _, r := range rows {
		for k := range r {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sortKeys(keys, order)
	return keys
}

// writeRowHTML draws one row of a table of objects, a cell per key.
func writeRowHTML(b *strings.Builder, r map[string]any, keys []string, depth int) {
	b.WriteString("<tr>")
	for _, k := range keys {
		b.WriteString("<td>")
		writeValueHTML(b, r[k], depth+1)
		b.WriteString("</td>")
	}
	b.WriteString("</tr>")
}

// Formats a data-format attribute may name.
var formats = map[string]bool{"json": true, "bytes": true, "ago": true, "percent": true, "sparkline": true, "bar": true}

// textValue renders a value for a text position, in the given data-format.
// The result is a string (html/template escapes it) or template.HTML built
// here with every piece of data escaped. A value a format cannot read falls
// back to the default rendering.
func textValue(v any, format string, now time.Time) any {
	return textValueOrdered(v, format, now, nil)
}

// textValueOrdered is textValue with a table's columns in order (see
// writeValueHTMLOrdered).
func textValueOrdered(v any, format string, now time.Time, order []string) any {
	v = norm(v)
	if out, ok := optionValue(v, format); ok {
		return out
	}
	switch format {
	case "json":
		return template.HTML(`<code class="sw-json" style="white-space:pre">` +
			html.EscapeString(jsonText(v, true)) + `</code>`)
	case "bytes":
		if n, ok := number(v); ok {
			return manifest.FormatSize(n)
		}
	case "percent":
		if n, ok := number(v); ok {
			return formatFloat(math.Round(n*1000)/10) + "%"
		}
	case "ago":
		if t, ok := asTime(v); ok {
			return template.HTML(`<span class="sw-ago" title="` + html.EscapeString(t.Local().Format(TimeLayout)) +
				`">` + html.EscapeString(manifest.Ago(t, now)) + `</span>`)
		}
	case "sparkline":
		if ns, ok := numbers(v); ok {
			return template.HTML(sparkline(ns))
		}
	case "bar":
		if n, ok := number(v); ok {
			return template.HTML(barOne(n))
		}
		if ns, ok := numbers(v); ok {
			return template.HTML(bars(ns))
		}
	}
	switch v.(type) {
	case []any, List, map[string]any:
		var b strings.Builder
		writeValueHTMLOrdered(&b, v, 0, order)
		return template.HTML(b.String())
	}
	return scalarText(v)
}

// number reads a number, or a string holding one.
func number(v any) (float64, bool) {
	switch x := norm(v).(type) {
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float64:
		return x, !math.IsNaN(x)
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil && !math.IsNaN(f)
	}
	return 0, false
}

// numbers reads a non-empty list of numbers; items that are not numbers
// are skipped.
func numbers(v any) ([]float64, bool) {
	n, at, ok := asList(norm(v))
	if !ok {
		return nil, false
	}
	out := make([]float64, 0, n)
	for i := range n {
		if n, ok := number(at(i)); ok && !math.IsInf(n, 0) {
			out = append(out, n)
		}
	}
	return out, len(out) > 0
}

// asTime reads a time the way expressions' ago() does (manifest.AsTime).
func asTime(v any) (time.Time, bool) {
	v = norm(v)
	if n, ok := number(v); ok {
		if _, isString := v.(string); !isString {
			v = n
		}
	}
	return manifest.AsTime(v)
}

// svgNum writes a coordinate with at most two decimals.
func svgNum(f float64) string {
	return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
}

func numList(ns []float64) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = formatFloat(n)
	}
	return strings.Join(parts, ", ")
}

// maxPoints bounds the points of a sparkline; longer lists are sampled.
const maxPoints = 1000

func sample(ns []float64) []float64 {
	if len(ns) <= maxPoints {
		return ns
	}
	out := make([]float64, maxPoints)
	for i := range out {
		out[i] = ns[i*(len(ns)-1)/(maxPoints-1)]
	}
	return out
}

// sparkline draws a list of numbers as a 100x20 polyline, lowest value at
// the bottom; the numbers themselves are in its <title>.
func sparkline(all []float64) string {
	ns := sample(all)
	lo, hi := slices.Min(ns), slices.Max(ns)
	var pts strings.Builder
	for i, n := range ns {
		x := 50.0
		if len(ns) > 1 {
			x = float64(i) * 100 / float64(len(ns)-1)
		}
		y := 10.0
		if hi > lo {
			y = 19 - (n-lo)/(hi-lo)*18
		}
		if i > 0 {
			pts.WriteByte(' ')
		}
		pts.WriteString(svgNum(x) + "," + svgNum(y))
	}
	label := html.EscapeString(numList(all))
	return `<svg class="sw-sparkline" ` + accent + ` width="100" height="20" viewBox="0 0 100 20" preserveAspectRatio="none" role="img" aria-label="` +
		label + `"><title>` + label + `</title><polyline fill="none" stroke="currentColor" stroke-width="1.5" ` +
		`stroke-linejoin="round" stroke-linecap="round" vector-effect="non-scaling-stroke" points="` + pts.String() + `"></polyline></svg>`
}

// barOne draws a fraction 0..1 as a filled horizontal bar (clamped).
func barOne(n float64) string {
	f := math.Max(0, math.Min(1, n))
	label := formatFloat(math.Round(n*1000)/10) + "%"
	return `<svg class="sw-bar" ` + accent + ` width="100" height="10" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="` +
		label + `"><title>` + label + `</title><rect width="100" height="10" fill="currentColor" opacity="0.15"></rect>` +
		`<rect width="` + svgNum(f*100) + `" height="10" fill="currentColor"></rect></svg>`
}

// bars draws a list of numbers as vertical bars scaled to the largest;
// negative values draw as empty bars.
func bars(all []float64) string {
	ns := sample(all)
	hi := math.Max(slices.Max(ns), 0)
	w := 100 / float64(len(ns))
	var b strings.Builder
	label := html.EscapeString(numList(all))
	b.WriteString(`<svg class="sw-bars" ` + accent + ` width="100" height="20" viewBox="0 0 100 20" preserveAspectRatio="none" role="img" aria-label="` +
		label + `"><title>` + label + `</title>`)
	for i, n := range ns {
		h := 0.0
		if hi > 0 {
			h = math.Max(0, n) / hi * 20
		}
		b.WriteString(`<rect x="` + svgNum(float64(i)*w+w*0.1) + `" y="` + svgNum(20-h) + `" width="` + svgNum(w*0.8) +
			`" height="` + svgNum(h) + `" fill="currentColor"></rect>`)
	}
	b.WriteString("</svg>")
	return b.String()
}

// safeImageURL is a data: URL of a raster or SVG image (SVG in <img> runs
// no script), the only image source a widget page loads.
var safeImageURL = regexp.MustCompile(`^data:image/(gif|jpeg|png|webp|avif|svg\+xml)(;[a-z0-9=.+-]+)*,`)

// srcValue is a value in an <img src>: a data: image passes as a URL,
// anything else is dropped (an empty src loads nothing): the static layer
// of a checkpoint has no CSP to stop an outside URL.
func srcValue(v any) any {
	s := attrText(v)
	if safeImageURL.MatchString(strings.ToLower(s[:min(len(s), 64)])) {
		return template.URL(s)
	}
	return ""
}
