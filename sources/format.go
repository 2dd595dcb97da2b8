package sources

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/syft-widget/syft-widget/manifest"
)

// formats lists the formats Parse understands; "auto" is resolved per file
// by FormatFor.
var formats = []string{"json", "yaml", "csv", "tsv", "ndjson", "text", "lines", "none"}

// FormatFor returns the format that `format: auto` gives a file name, by its
// extension (case-insensitive): .json; .yaml/.yml; .csv; .tsv/.tab;
// .ndjson/.jsonl; .txt/.md -> text; .log -> lines (a log is read line by
// line); SyftBox's RPC files .request/.response -> json. It returns "" for any other extension: such a file is read as text
// when its content is valid UTF-8, and as none (data null) otherwise.
func FormatFor(name string) string {
	switch strings.ToLower(extOf(name)) {
	case ".json", ".request", ".response":
		return "json"
	case ".yaml", ".yml":
		return "yaml"
	case ".csv":
		return "csv"
	case ".tsv", ".tab":
		return "tsv"
	case ".ndjson", ".jsonl":
		return "ndjson"
	case ".txt", ".md", ".text", ".markdown":
		return "text"
	case ".log":
		return "lines"
	}
	return ""
}

// Parse decodes content in a format: json, yaml, csv, tsv, ndjson, text,
// lines or none. A UTF-8 byte order mark at the start is ignored. Data shapes:
//   - json, yaml: the value; objects are map[string]any (JSON's are
//     *manifest.Object, which expressions read as that map; see manifest.Open),
//     numbers are int when
//     whole and within int's range, else float64 (so 3 stays 3); YAML
//     timestamps are time.Time, YAML map keys become strings, NaN and
//     infinities become nil; a YAML file of several documents is a list of them.
//   - csv, tsv: []any of map[string]any keyed by the header row. Like pandas,
//     a column whose non-empty cells all look like decimal numbers holds
//     numbers (int when whole), a column of true/false holds bools, and an
//     empty cell is nil. Missing cells are nil; cells beyond the header are
//     keyed column_N (N counting from 1); duplicate headers get .1, .2 as in pandas.
//   - ndjson: []any, one value per non-blank line.
//   - text: the content as a string (a UTF-8 BOM dropped, invalid bytes
//     replaced by U+FFFD).
//   - lines: []any of strings, without line endings.
//   - none: nil.
//
// Errors name the line (and column where the decoder knows it).
func Parse(format string, b []byte) (any, error) {
	switch format {
	case "json":
		return parseJSON(bytes.TrimPrefix(b, bom))
	case "yaml":
		return parseYAML(b)
	case "csv":
		return parseCSV(b, ',')
	case "tsv":
		return parseCSV(b, '\t')
	case "ndjson":
		return parseNDJSON(bytes.TrimPrefix(b, bom))
	case "text":
		return text(b), nil
	case "lines":
		return lines(b), nil
	case "none":
		return nil, nil
	}
	return nil, fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(formats, ", "))
}

var bom = []byte("\xef\xbb\xbf")

func text(b []byte) string {
	b = bytes.TrimPrefix(b, bom)
	if !utf8.Valid(b) {
		return fixUTF8(b)
	}
	return string(b)
}

func lines(b []byte) []any {
	s := text(b)
	out := make([]any, 0, strings.Count(s, "\n")+1)
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		var l string
		if i < 0 {
			l, s = s, ""
		} else {
			l, s = s[:i], s[i+1:]
		}
		out = append(out, strings.TrimSuffix(l, "\r"))
	}
	return out
}

func parseNDJSON(b []byte) (any, error) {
	out := []any{}
	objects := compact(b)
	line := 0
	for len(b) > 0 {
		line++
		i := bytes.IndexByte(b, '\n')
		var l []byte
		if i < 0 {
			l, b = b, nil
		} else {
			l, b = b[:i], b[i+1:]
		}
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		v, err := decodeJSON(l, line-1, objects)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if !objects {
		return out, nil
	}
	return manifest.NewArray(out), nil
}

// parseCSV reads a header row and then records; see Parse for the shapes.
//
// One pass: a column is stored converted (numbers, bools) for as long as
// every cell fits, keeping the raw cells aside; the first cell that does not
// fit turns the column back into strings. Repeated values of a column share
// one boxed value, which saves most allocations in categorical columns.
func parseCSV(b []byte, comma rune) (any, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, bom)))
	r.Comma = comma
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	// Tab-separated files rarely quote, and a stray quote must not fail them.
	r.LazyQuotes = comma == '\t'
	head, err := r.Read()
	if err == io.EOF {
		return []any{}, nil
	}
	if err != nil {
		return nil, csvError(err)
	}
	var cols []*column
	for _, k := range headerKeys(head) {
		cols = append(cols, &column{key: k})
	}
	// Sized from the line count, so the big slices do not grow by copying.
	rows := make([]any, 0, bytes.Count(b, []byte{'\n'}))
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		for len(rec) > len(cols) {
			cols = append(cols, &column{key: "column_" + strconv.Itoa(len(cols)+1), start: len(rows)})
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			cell := ""
			if i < len(rec) {
				cell = rec[i]
			}
			row[c.key] = c.add(cell, rows)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

type colKind uint8

const (
	colUnknown colKind = iota // only empty cells so far
	colNumber
	colBool
	colString
)

// column is what the cells of one column look like so far.
type column struct {
	key   string
	kind  colKind
	start int      // row where the column began (columns beyond the header)
	raw   []string // the cells stored converted, by row from start
	cache map[string]any
}

// add returns the value to store for the next cell of the column.
func (c *column) add(cell string, rows []any) any {
	if cell == "" {
		if c.kind == colNumber || c.kind == colBool {
			c.raw = append(c.raw, "")
		}
		return nil
	}
	if c.kind == colUnknown {
		switch {
		case isNumber(cell):
			c.kind = colNumber
		case isBool(cell):
			c.kind = colBool
		default:
			c.kind = colString
		}
		// Earlier rows of the column were empty.
		c.raw = make([]string, len(rows)-c.start, cap(rows)-c.start+1)
	}
	switch c.kind {
	case colNumber:
		if isNumber(cell) {
			c.raw = append(c.raw, cell)
			return c.value(cell, numberOf)
		}
		c.demote(rows)
	case colBool:
		if isBool(cell) {
			c.raw = append(c.raw, cell)
			v, _ := csvBool(cell)
			return v
		}
		c.demote(rows)
	}
	return c.value(cell, stringOf)
}

// demote turns a column stored as numbers or bools back into strings.
func (c *column) demote(rows []any) {
	c.kind = colString
	c.cache = nil
	for k, s := range c.raw {
		if s != "" {
			rows[c.start+k].(map[string]any)[c.key] = c.value(s, stringOf)
		}
	}
	c.raw = nil
}

const maxCachedValues = 256

// value converts a cell, sharing the result among equal cells while the
// column has few distinct values.
func (c *column) value(cell string, conv func(string) any) any {
	if c.cache == nil {
		c.cache = make(map[string]any)
	}
	if v, ok := c.cache[cell]; ok {
		return v
	}
	v := conv(cell)
	if len(c.cache) < maxCachedValues {
		if s, ok := v.(string); ok {
			// Keep the value, not the whole line it was cut from.
			v = strings.Clone(s)
			c.cache[v.(string)] = v
		} else {
			c.cache[strings.Clone(cell)] = v
		}
	}
	return v
}

func stringOf(s string) any { return s }

func numberOf(s string) any {
	t := strings.TrimSpace(s)
	if n, err := strconv.ParseInt(t, 10, strconv.IntSize); err == nil {
		return int(n)
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil && math.IsInf(f, 0) {
		return nil
	}
	return wholeToInt(f)
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("invalid CSV at line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	return fmt.Errorf("invalid CSV: %v", err)
}

// headerKeys names the columns: blank headers become column_N, repeated ones
// get .1, .2 (pandas' mangling).
func headerKeys(head []string) []string {
	keys := make([]string, len(head))
	seen := make(map[string]int, len(head))
	for i, h := range head {
		k := strings.TrimSpace(h)
		if k == "" {
			k = "column_" + strconv.Itoa(i+1)
		}
		if n, dup := seen[k]; dup {
			seen[k] = n + 1
			k = k + "." + strconv.Itoa(n+1)
		} else {
			seen[k] = 0
		}
		keys[i] = intern([]byte(k))
	}
	return keys
}

func isBool(s string) bool {
	_, ok := csvBool(s)
	return ok
}

func csvBool(s string) (value, ok bool) {
	switch s {
	case "true", "True", "TRUE":
		return true, true
	case "false", "False", "FALSE":
		return false, true
	}
	return false, false
}

func isNumber(s string) bool {
	ok, _ := looksNumeric(s)
	return ok
}

// looksNumeric reports whether s (spaces trimmed) is a plain decimal number:
// an optional sign, digits, an optional fraction and exponent. Hex, NaN, Inf,
// thousands separators and the like stay strings.
func looksNumeric(s string) (isNum, isInt bool) {
	s = strings.TrimSpace(s)
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	d := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intDigits := i - d
	isInt = true
	if i < len(s) && s[i] == '.' {
		isInt = false
		i++
		f := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if intDigits == 0 && i == f {
			return false, false
		}
	} else if intDigits == 0 {
		return false, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		isInt = false
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		e := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == e {
			return false, false
		}
	}
	if i != len(s) {
		return false, false
	}
	return true, isInt
}

// YAML is decoded by the yaml package into any, which refuses a document
// whose aliases multiply it ("billion laughs"), applies merge keys (<<) and
// reads timestamps as times; yamlValue then gives the values the shapes the
// other formats give.

func parseYAML(b []byte) (any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []any
	for {
		var v any
		err := dec.Decode(&v)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, yamlError(err, b)
		}
		docs = append(docs, yamlValue(v))
	}
	switch len(docs) {
	case 0:
		return nil, nil
	case 1:
		return docs[0], nil
	}
	return docs, nil
}

func yamlError(err error, b []byte) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	switch {
	case strings.Contains(msg, "excessive aliasing"):
		msg = "aliases expand the document too far (" + msg + ")"
	case strings.HasPrefix(msg, "invalid map key"), strings.HasPrefix(msg, "map merge requires"):
		// The decoder does not say where: find the key.
		if n, what := badYAMLKey(b); n != nil {
			return fmt.Errorf("invalid YAML at line %d, column %d: %s", n.Line, n.Column, what)
		}
	}
	return fmt.Errorf("invalid YAML: %s", msg)
}

// badYAMLKey finds the first mapping key that is a list or a mapping, or
// merge key (<<) whose value is not a mapping or a list of them.
func badYAMLKey(b []byte) (*yaml.Node, string) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var doc yaml.Node
		if dec.Decode(&doc) != nil {
			return nil, ""
		}
		if n, what := findBadKey(&doc, 0); n != nil {
			return n, what
		}
	}
}

func findBadKey(n *yaml.Node, depth int) (*yaml.Node, string) {
	if n == nil || depth > maxDepth {
		return nil, ""
	}
	for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], unalias(n.Content[i+1])
		if k.Kind != yaml.ScalarNode && k.Kind != yaml.AliasNode {
			return k, "a mapping key must be a plain value, not a list or a mapping"
		}
		if k.ShortTag() != "!!merge" {
			continue
		}
		srcs := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			srcs = v.Content
		}
		for _, src := range srcs {
			if unalias(src).Kind != yaml.MappingNode {
				return k, "a merge key (<<) needs a mapping or a list of mappings"
			}
		}
	}
	for _, c := range n.Content {
		if bad, what := findBadKey(c, depth+1); bad != nil {
			return bad, what
		}
	}
	return nil, ""
}

func unalias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// yamlValue gives a decoded YAML value the shapes of JSON's: maps keyed by
// text (shared keys interned), whole numbers as int, numbers beyond int as
// float64, NaN and infinities as nil. Times stay times.
func yamlValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[intern([]byte(k))] = yamlValue(e)
		}
		return m
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[intern([]byte(yamlKey(k)))] = yamlValue(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = yamlValue(e)
		}
		return x
	case float64:
		return wholeToInt(x)
	case int64:
		if x >= math.MinInt && x <= math.MaxInt {
			return int(x)
		}
		return float64(x)
	case uint64:
		if x <= math.MaxInt {
			return int(x)
		}
		return float64(x)
	}
	return v
}

// yamlKey is the text of a key that YAML read as another type: a date as
// written (2024-05-01), anything else as Go prints it (1, true, 2.5).
func yamlKey(k any) string {
	if t, ok := k.(time.Time); ok {
		if t.Equal(t.Truncate(24 * time.Hour)) {
			return t.Format(time.DateOnly)
		}
		return t.Format(time.RFC3339Nano)
	}
	return fmt.Sprint(k)
}
