package manifest

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/expr-lang/expr/builtin"
)

// This file turns the messages of the YAML parser and of expr into ones
// that say what to do: a column where the parser gives only a line, and a
// hint where a common cause is known.

// yamlError turns a YAML syntax error into FILE:LINE:COL form. yaml.v3 says
// "yaml: line N: msg" without a column; the column is found on the line
// from what the message is about, and a hint is added where the usual cause
// is known.
func (l *loader) yamlError(err error) error {
	msg := err.Error()
	line := 1
	if rest, ok := strings.CutPrefix(msg, "yaml: line "); ok {
		if i := strings.Index(rest, ":"); i > 0 {
			if n, e := strconv.Atoi(rest[:i]); e == nil {
				line, msg = n, strings.TrimSpace(rest[i+1:])
			}
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	pos, hint := yamlHint(msg, l.lines, line)
	if hint != "" {
		msg += ": " + hint
	}
	return ErrorList{{File: l.file, Pos: pos, Msg: "YAML: " + msg}}
}

// yamlHint finds the column of a YAML syntax error on its line (or the
// nearest line that shows the cause) and says what usually causes it.
func yamlHint(msg string, lines []string, line int) (Pos, string) {
	at := func(n int) string {
		if n >= 1 && n <= len(lines) {
			return lines[n-1]
		}
		return ""
	}
	// A tab anywhere near the reported line is the cause whatever the
	// message: YAML indentation is spaces only.
	for _, n := range []int{line, line + 1, line - 1} {
		if i := strings.IndexByte(indentPart(at(n)), '\t'); i >= 0 {
			return Pos{n, i + 1}, "a tab: YAML indents with spaces only"
		}
	}
	text := at(line)
	value := valueStart(text)
	switch {
	case strings.Contains(msg, "did not find expected alphabetic or numeric character"),
		strings.Contains(msg, "found undefined alias"):
		// `glob: *.json` reads as an alias named ".json".
		if i := strings.Index(text, "*"); i >= 0 {
			return Pos{line, i + 1}, "a value starting with * is read as a YAML alias: quote it, as in \"" + strings.TrimSpace(text[i:]) + "\""
		}
	case strings.Contains(msg, "mapping values are not allowed in this context"):
		// A second ": " on the line: the value holds one, e.g. a map literal.
		if value > 0 {
			if i := strings.Index(text[value:], ": "); i >= 0 {
				return Pos{line, value + i + 1}, "the value contains \": \", which YAML reads as a new key: quote the value, or write it as a block scalar (key: | and the value indented on the next lines)"
			}
		}
	case strings.Contains(msg, "found character that cannot start any token"):
		if i := strings.IndexAny(text, "`@"); i >= 0 {
			return Pos{line, i + 1}, "a value cannot start with ` or @ unquoted: quote it"
		}
	case strings.Contains(msg, "did not find expected key"), strings.Contains(msg, "did not find expected '-' indicator"):
		return Pos{line, len(indentPart(text)) + 1}, "the indentation of this line does not match the lines around it"
	}
	if value > 0 {
		return Pos{line, value + 1}, ""
	}
	return Pos{line, len(indentPart(text)) + 1}, ""
}

func indentPart(s string) string { return s[:len(s)-len(strings.TrimLeft(s, " \t"))] }

// valueStart is the 0-based offset of the value after the first "key: "
// of a line, or 0.
func valueStart(s string) int {
	i := strings.Index(s, ": ")
	if i < 0 {
		return 0
	}
	j := i + 2
	for j < len(s) && s[j] == ' ' {
		j++
	}
	return j
}

var (
	unknownNameRE  = regexp.MustCompile(`^unknown name ([A-Za-z_][A-Za-z0-9_]*)`)
	noFieldRE      = regexp.MustCompile(`^a record has no field ([A-Za-z_][A-Za-z0-9_]*)`)
	mismatchRE     = regexp.MustCompile(`mismatched types (\S+) and (\S+)\)`)
	argTypeRE      = regexp.MustCompile(`^cannot use (\S+) as argument \(type (\S+)\)`)
	recordKeys     = []string{"path", "name", "stem", "ext", "dir", "size", "mtime", "exists", "data", "error", "stale", "datasite", "conflict", "rejected"}
	helperNames    = append([]string{"ago", "basename", "dirname"}, syftboxNames...)
	conversionHint = map[string]string{
		"string":        "string(x)",
		"int":           "int(x)",
		"float64":       "float(x)",
		"time.Time":     "date(x)",
		"time.Duration": "duration(x)",
	}
)

// exprHint says what to do about an expr compile error, or "". src is the
// expression and col the 0-based column of the error on its line; names are
// the identifiers of the environment (sources and title).
func exprHint(msg, src string, line, col int, m *Manifest) string {
	if g := unknownNameRE.FindStringSubmatch(msg); g != nil {
		var cands []string
		for _, s := range m.Sources {
			cands = append(cands, s.Name)
		}
		cands = append(append(cands, "title"), helperNames...)
		var builtins []string
		for name := range builtin.Index {
			builtins = append(builtins, name)
		}
		slices.Sort(builtins)
		cands = append(cands, builtins...)
		if s := closest(g[1], cands); s != "" {
			return "did you mean " + s + "?"
		}
		return "names are the sources (" + sourceNames(m) + "), title, and the builtins"
	}
	if g := noFieldRE.FindStringSubmatch(msg); g != nil {
		if s := closest(g[1], recordKeys); s != "" {
			return "did you mean ." + s + "? A record has " + strings.Join(recordKeys, ", ") + "; the file's content is under .data"
		}
		return "a record has " + strings.Join(recordKeys, ", ") + "; the file's content is under .data, e.g. .data." + g[1]
	}
	if strings.HasPrefix(msg, "unexpected token Operator(\":\")") {
		return "a map literal as an argument needs parentheses: map(xs, ({key: .value})); braces alone are the body of a predicate"
	}
	if strings.Contains(msg, "array elements can only be selected using an integer") {
		if name := identBefore(src, line, col); name != "" {
			for _, s := range m.Sources {
				if s.Name == name && !s.IsFile() {
					return name + " is a list of records: use map(" + name + ", .data...) for every record, or " + name + "[0] for the first"
				}
			}
			return name + " is a list: use map(" + name + ", ...) to read inside every item, or " + name + "[0] for the first"
		}
		return "this is a list: use map(xs, ...) to read inside every item, or xs[0] for the first"
	}
	if g := mismatchRE.FindStringSubmatch(msg); g != nil {
		return conversion(g[1], g[2])
	}
	if g := argTypeRE.FindStringSubmatch(msg); g != nil {
		if c, ok := conversionHint[g[2]]; ok {
			return "convert the argument first, e.g. with " + c
		}
	}
	return ""
}

// conversion suggests how to bring two mismatched types together.
func conversion(a, b string) string {
	num := func(t string) bool { return strings.HasPrefix(t, "int") || strings.HasPrefix(t, "float") }
	for _, p := range [][2]string{{a, b}, {b, a}} {
		x, y := p[0], p[1]
		switch {
		case x == "time.Time" && y == "string":
			return "compare times with times: parse the string with date(\"2026-01-02\") (or date(s, \"layout\"))"
		case x == "time.Duration" && y == "string":
			return "parse the string with duration(\"5m\")"
		case num(x) && y == "string":
			return "convert one side: int(s) or float(s) to read a number from a string, string(n) to write a number as text"
		case x == "interface" || y == "interface":
			return ""
		}
	}
	return ""
}

// identBefore is the identifier just before the member access at (line,
// col) of src: for `jobs.data` at the column of "data", "jobs".
func identBefore(src string, line, col int) string {
	lines := strings.Split(src, "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	s := []rune(lines[line-1])
	i := min(col, len(s)) - 1
	for i >= 0 && (s[i] == '.' || s[i] == '?') {
		i--
	}
	end := i + 1
	for i >= 0 && (unicode.IsLetter(s[i]) || unicode.IsDigit(s[i]) || s[i] == '_') {
		i--
	}
	return string(s[i+1 : end])
}

func sourceNames(m *Manifest) string {
	var names []string
	for _, s := range m.Sources {
		names = append(names, s.Name)
	}
	if len(names) == 0 {
		return "none declared"
	}
	return strings.Join(names, ", ")
}

// closest is the candidate nearest to name by edit distance, if it is near
// enough to be a typo (at most a third of its letters, at least one); of
// equally near ones, the first.
func closest(name string, cands []string) string {
	best, bestD := "", max(1, len(name)/3)+1
	for _, c := range cands {
		if c == name {
			continue
		}
		d := editDistance(strings.ToLower(name), strings.ToLower(c))
		if strings.HasPrefix(c, name) || strings.HasPrefix(name, c) {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance counts the insertions, deletions, substitutions and
// swaps of neighbours that turn a into b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// Closest is the one of cands that name is most likely a typo of, or ""
// when none is near enough.
func Closest(name string, cands []string) string { return closest(name, cands) }

// didYouMean is "did you mean X? " for a near key, or "".
func didYouMean(key string, allowed []string) string {
	if s := closest(key, allowed); s != "" {
		return "did you mean " + s + "? "
	}
	return ""
}

// runtimeHint adds to the message of an error at run time what usually
// causes it.
func runtimeHint(msg string) string {
	switch {
	case msg == "invalid operation: int(string)":
		// Reading a key (.data.sender) of a value that is text.
		return msg + "; a key was read from text, not from an object: is the file parsed with the right format (format: json, yaml, ...)? SyftBox's .request/.response are JSON"
	case strings.HasPrefix(msg, "invalid operation: string + int"), strings.HasPrefix(msg, "invalid operation: int + string"):
		return msg + "; convert one side: int(s) or float(s) to read a number from text, string(n) to write a number as text"
	case strings.HasPrefix(msg, "index out of range"):
		return msg + "; the list is shorter than that: check len(xs) first, or use first(xs) or last(xs)"
	}
	return msg
}
