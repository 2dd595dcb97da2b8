package render

import (
	"html"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A data-format is a name and, after a colon, options:
//
//	number, number:N     thousands grouped; at most 2 decimals, or exactly N
//	percent:N            a fraction as a percentage with exactly N decimals
//	duration, duration:ms  seconds (or milliseconds, or a Go duration string) as "1 h 2 min"
//	date, time, datetime   a time in the server's local zone: 2026-11-30, 03:15:17,
//	                       2026-11-30 03:15:17 UTC (datetime names the zone);
//	                       date:utc, time:utc, datetime:utc show UTC
//	sparkline:min,max,last   also mark and write the lowest, highest and last values
//
// The other formats (json, bytes, ago, percent, sparkline, bar) take no
// options.

// splitFormat reads "name:options".
func splitFormat(format string) (name, opt string) {
	name, opt, _ = strings.Cut(strings.TrimSpace(format), ":")
	return strings.TrimSpace(name), strings.TrimSpace(opt)
}

// knownFormat reports whether a data-format attribute is valid.
func knownFormat(format string) bool {
	name, opt := splitFormat(format)
	switch name {
	case "number", "percent":
		if opt == "" {
			return true
		}
		n, err := strconv.Atoi(opt)
		return err == nil && n >= 0 && n <= 10
	case "duration":
		return opt == "" || opt == "s" || opt == "ms"
	case "date", "time", "datetime":
		return opt == "" || opt == "utc" || opt == "local"
	case "sparkline":
		if opt == "" {
			return true
		}
		for _, o := range strings.Split(opt, ",") {
			if !slices.Contains([]string{"min", "max", "last"}, strings.TrimSpace(o)) {
				return false
			}
		}
		return true
	}
	return opt == "" && formats[name]
}

// formatNames are the data-formats a typo is compared with.
var formatNames = []string{"json", "bytes", "ago", "percent", "number", "duration", "date", "time", "datetime", "sparkline", "bar"}

// formatList is what an unknown data-format's message offers.
const formatList = "json, bytes, ago, percent, percent:N, number, number:N, duration, duration:ms, date, time, datetime (with :utc), sparkline, sparkline:min,max,last or bar"

// optionValue renders the formats of this file; ok is false when the format
// is not one of them or the value does not fit it (the caller falls back).
func optionValue(v any, format string) (any, bool) {
	name, opt := splitFormat(format)
	switch name {
	case "number":
		if n, ok := number(v); ok {
			if opt == "" {
				return groupThousands(formatFloat(math.Round(n*100) / 100)), true
			}
			d, _ := strconv.Atoi(opt)
			return groupThousands(strconv.FormatFloat(n, 'f', d, 64)), true
		}
	case "percent":
		if n, ok := number(v); ok && opt != "" {
			d, _ := strconv.Atoi(opt)
			return groupThousands(strconv.FormatFloat(n*100, 'f', d, 64)) + "%", true
		}
	case "duration":
		if d, ok := asDuration(v, opt); ok {
			return humanDuration(d), true
		}
	case "date", "time", "datetime":
		if t, ok := asTime(v); ok && !t.IsZero() {
			if opt == "utc" {
				t = t.UTC()
			} else {
				t = t.Local()
			}
			layout := map[string]string{"date": "2006-01-02", "time": "15:04:05", "datetime": "2006-01-02 15:04:05 MST"}[name]
			return template.HTML(`<time datetime="` + html.EscapeString(t.Format(time.RFC3339)) + `">` +
				html.EscapeString(t.Format(layout)) + `</time>`), true
		}
	case "sparkline":
		if ns, ok := numbers(v); ok && opt != "" {
			return template.HTML(sparklineWith(ns, strings.Split(opt, ","))), true
		}
	}
	return nil, false
}

// groupThousands puts commas between groups of three digits of the whole
// part of a decimal number: 1234567.5 -> 1,234,567.5.
func groupThousands(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if len(whole) <= 3 || strings.ContainsAny(whole, "eE∞N") {
		return sign + s
	}
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}

// asDuration reads a duration: a number of seconds (milliseconds with unit
// "ms"), or a Go duration string ("1m30s", as expressions write them).
func asDuration(v any, unit string) (time.Duration, bool) {
	if s, ok := norm(v).(string); ok {
		if d, err := time.ParseDuration(strings.TrimSpace(s)); err == nil {
			return d, true
		}
	}
	n, ok := number(v)
	if !ok || math.IsInf(n, 0) || math.Abs(n) > 1e12 {
		return 0, false
	}
	if unit == "ms" {
		return time.Duration(n * float64(time.Millisecond)), true
	}
	return time.Duration(n * float64(time.Second)), true
}

// humanDuration says a duration the way people do, to two units:
// 350 ms, 4.2 s, 5 min 3 s, 2 h 5 min, 3 days 4 h.
func humanDuration(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	switch {
	case d < time.Millisecond:
		return sign + formatFloat(float64(d)/1e3) + " µs"
	case d < time.Second:
		return sign + formatFloat(math.Round(float64(d)/1e6)) + " ms"
	case d < time.Minute:
		return sign + formatFloat(math.Round(d.Seconds()*10)/10) + " s"
	}
	parts := func(big, small time.Duration, bigName, smallName string) string {
		b, s := d/big, (d%big)/small
		out := sign + strconv.FormatInt(int64(b), 10) + " " + bigName
		if s > 0 {
			out += " " + strconv.FormatInt(int64(s), 10) + " " + smallName
		}
		return out
	}
	switch {
	case d < time.Hour:
		return parts(time.Minute, time.Second, "min", "s")
	case d < 24*time.Hour:
		return parts(time.Hour, time.Minute, "h", "min")
	}
	days := d / (24 * time.Hour)
	name := "days"
	if days == 1 {
		name = "day"
	}
	out := sign + strconv.FormatInt(int64(days), 10) + " " + name
	if h := (d % (24 * time.Hour)) / time.Hour; h > 0 {
		out += " " + strconv.FormatInt(int64(h), 10) + " h"
	}
	return out
}

// accent is the inline colour of drawn values: the theme's accent, with
// the light theme's as the fallback where no style sheet applies.
const accent = `style="color:var(--sw-accent,#0969da)"`

// sparklineWith draws a sparkline that also marks and writes its lowest,
// highest and last values, as asked.
func sparklineWith(all []float64, want []string) string {
	svg := sparkline(all)
	ns := sample(all)
	lo, hi := slices.Min(ns), slices.Max(ns)
	point := func(i int) (string, string) {
		x := 50.0
		if len(ns) > 1 {
			x = float64(i) * 100 / float64(len(ns)-1)
		}
		y := 10.0
		if hi > lo {
			y = 19 - (ns[i]-lo)/(hi-lo)*18
		}
		return svgNum(x), svgNum(y)
	}
	var marks, words []string
	for _, w := range want {
		i, label := 0, strings.TrimSpace(w)
		switch label {
		case "min":
			i = slices.Index(ns, lo)
		case "max":
			i = slices.Index(ns, hi)
		case "last":
			i = len(ns) - 1
		default:
			continue
		}
		x, y := point(i)
		marks = append(marks, `<circle cx="`+x+`" cy="`+y+`" r="1.8" fill="currentColor"></circle>`)
		var v float64 // of every value, not only the sampled ones drawn
		switch label {
		case "last":
			v = all[len(all)-1]
		case "min":
			v = slices.Min(all)
		default:
			v = slices.Max(all)
		}
		words = append(words, label+" "+html.EscapeString(formatFloat(v)))
	}
	// The markers use a non-scaling viewBox: circles go in a second layer
	// drawn the same size as the line.
	svg = strings.Replace(svg, "</svg>", strings.Join(marks, "")+"</svg>", 1)
	return svg + ` <span class="sw-spark-stats">` + strings.Join(words, " · ") + `</span>`
}

// sortKeys sorts keys by their place in order; the keys order does not
// name follow, sorted.
func sortKeys(keys, order []string) {
	rank := func(k string) int {
		if i := slices.Index(order, k); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortStableFunc(keys, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
}

// OrderKeys makes the tables and key/value rows drawn for the field name
// (a list of objects, an object) show their keys in this order, the order
// the manifest wrote them in, instead of sorted. Call it before the
// template is used.
func (t *Template) OrderKeys(name string, keys []string) {
	for i := range t.ph {
		if p := &t.ph[i]; len(p.path) == 1 && p.path[0] == name && p.field {
			p.order = keys
		}
	}
}

// MaxAutoRows bounds the rows of a table (or items of a list) drawn for a
// list value; the rest are counted in a last row ("… and 2,800 more"). The
// endpoint's JSON stays complete. 3,000 pending requests once made a 340 KB
// page; a person reads the first screens, then filters or sorts.
const MaxAutoRows = 200

func moreText(n int) string {
	return "… and " + groupThousands(strconv.Itoa(n)) + " more"
}
