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
)

// Formats lists the formats Parse understands; "auto" is resolved per file
// by FormatFor.
var Formats = []string{"json", "yaml", "csv", "tsv", "ndjson", "text", "lines", "none"}

// FormatFor returns the format that `format: auto` gives a file name, by its
// extension (case-insensitive): .json; .yaml/.yml; .csv; .tsv/.tab;
// .ndjson/.jsonl; .txt/.md -> text; .log -> lines (a log is read line by
// line). It returns "" for any other extension: such a file is read as text
// when its content is valid UTF-8, and as none (data null) otherwise.
func FormatFor(name string) string {
	switch strings.ToLower(extOf(name)) {
	case ".json":
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

// Parse decodes content in one of Formats. Data shapes:
//   - json, yaml: the value; objects are map[string]any, numbers are int when
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
		return parseJSON(b)
	case "yaml":
		return parseYAML(b)
	case "csv":
		return parseCSV(b, ',')
	case "tsv":
		return parseCSV(b, '\t')
	case "ndjson":
		return parseNDJSON(b)
	case "text":
		return text(b), nil
	case "lines":
		return lines(b), nil
	case "none":
		return nil, nil
	}
	return nil, fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

var bom = []byte("\xef\xbb\xbf")

func text(b []byte) string {
	b = bytes.TrimPrefix(b, bom)
	if !utf8.Valid(b) {
		return strings.ToValidUTF8(string(b), "\uFFFD")
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
		p := jsonParser{b: l, line0: line - 1}
		p.space()
		v, err := p.value()
		if err == nil {
			p.space()
			if p.i < len(p.b) {
				err = p.errorf("unexpected %s after the value", p.quoteAt())
			}
		}
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// parseCSV reads a header row and then records; see Parse for the shapes.
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
	keys := headerKeys(head)
	var cols []column
	for i := range keys {
		cols = append(cols, column{key: keys[i], num: true, integer: true, boolean: true})
	}
	rows := []any{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		for len(rec) > len(cols) {
			n := len(cols) + 1
			cols = append(cols, column{key: "column_" + strconv.Itoa(n), num: true, integer: true, boolean: true})
		}
		row := make(map[string]any, len(cols))
		for i := range cols {
			c := &cols[i]
			if i >= len(rec) || rec[i] == "" {
				row[c.key] = nil
				continue
			}
			c.observe(rec[i])
			row[c.key] = rec[i]
		}
		rows = append(rows, row)
	}
	// Second pass: convert the columns that turned out numeric or boolean.
	for i := range cols {
		c := &cols[i]
		if !c.seen || !(c.num || c.boolean) {
			continue
		}
		for _, r := range rows {
			row := r.(map[string]any)
			s, ok := row[c.key].(string)
			if !ok {
				continue
			}
			row[c.key] = c.convert(s)
		}
	}
	return rows, nil
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

// column tracks what the non-empty cells of one column look like.
type column struct {
	key                    string
	seen                   bool // some non-empty cell
	num, integer, boolean bool // every non-empty cell so far is a number / an integer / a bool
}

func (c *column) observe(s string) {
	c.seen = true
	if c.num {
		isNum, isInt := looksNumeric(s)
		c.num = isNum
		c.integer = c.integer && isInt
	}
	if c.boolean {
		_, c.boolean = csvBool(s)
	}
}

func (c *column) convert(s string) any {
	if c.num {
		t := strings.TrimSpace(s)
		if c.integer {
			if n, err := strconv.ParseInt(t, 10, strconv.IntSize); err == nil {
				return int(n)
			}
		}
		f, err := strconv.ParseFloat(t, 64)
		if err != nil && math.IsInf(f, 0) {
			return nil
		}
		return wholeToInt(f)
	}
	b, _ := csvBool(s)
	return b
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

// YAML. Decoding goes through yaml.Node so aliases can be counted before
// anything is expanded: a "billion laughs" file is refused instead of
// eating the memory.

// yamlMaxNodes bounds the size of a document with its aliases expanded.
const yamlMaxNodes = 1_000_000

func parseYAML(b []byte) (any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []any
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, yamlError(err)
		}
		c := yamlConv{sizes: map[*yaml.Node]int{}}
		if size := c.size(&n, 0); size > yamlMaxNodes {
			return nil, fmt.Errorf("invalid YAML: the document expands to more than %d values through aliases", yamlMaxNodes)
		}
		v, err := c.value(&n)
		if err != nil {
			return nil, err
		}
		docs = append(docs, v)
	}
	switch len(docs) {
	case 0:
		return nil, nil
	case 1:
		return docs[0], nil
	}
	out := make([]any, len(docs))
	copy(out, docs)
	return out, nil
}

func yamlError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	return fmt.Errorf("invalid YAML: %s", msg)
}

type yamlConv struct {
	sizes map[*yaml.Node]int // expanded size of each node, memoised
}

// size counts the values a node stands for once its aliases are expanded,
// saturating above yamlMaxNodes. Memoising per node keeps it linear.
func (c *yamlConv) size(n *yaml.Node, depth int) int {
	if n == nil {
		return 0
	}
	if s, ok := c.sizes[n]; ok {
		return s
	}
	if depth > maxDepth {
		return yamlMaxNodes + 1
	}
	c.sizes[n] = yamlMaxNodes + 1 // a cycle counts as too big
	s := 1
	if n.Kind == yaml.AliasNode {
		s = c.size(n.Alias, depth+1)
	}
	for _, k := range n.Content {
		s += c.size(k, depth+1)
		if s > yamlMaxNodes {
			s = yamlMaxNodes + 1
			break
		}
	}
	c.sizes[n] = s
	return s
}

func (c *yamlConv) value(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.value(n.Content[0])
	case yaml.AliasNode:
		return c.value(n.Alias)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, k := range n.Content {
			v, err := c.value(k)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		if err := c.mapping(n, m, false); err != nil {
			return nil, err
		}
		return m, nil
	case yaml.ScalarNode:
		return c.scalar(n)
	}
	return nil, fmt.Errorf("invalid YAML at line %d, column %d: unexpected node", n.Line, n.Column)
}

// mapping fills m from a mapping node; merge keys (<<) fill in only the keys
// the mapping does not set itself.
func (c *yamlConv) mapping(n *yaml.Node, m map[string]any, merged bool) error {
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		key, err := c.key(k)
		if err != nil {
			return err
		}
		if _, set := m[key]; merged && set {
			continue
		}
		val, err := c.value(v)
		if err != nil {
			return err
		}
		m[key] = val
	}
	for _, v := range merges {
		for v.Kind == yaml.AliasNode {
			v = v.Alias
		}
		srcs := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			srcs = v.Content
		}
		for _, s := range srcs {
			for s.Kind == yaml.AliasNode {
				s = s.Alias
			}
			if s.Kind != yaml.MappingNode {
				return fmt.Errorf("invalid YAML at line %d, column %d: a merge key (<<) needs a mapping", s.Line, s.Column)
			}
			if err := c.mapping(s, m, true); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *yamlConv) key(k *yaml.Node) (string, error) {
	for k.Kind == yaml.AliasNode {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("invalid YAML at line %d, column %d: a mapping key must be a plain value, not a list or a mapping", k.Line, k.Column)
	}
	return intern([]byte(k.Value)), nil
}

func (c *yamlConv) scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!str":
		return n.Value, nil
	case "!!null":
		return nil, nil
	case "!!bool", "!!int", "!!float", "!!timestamp", "!!binary":
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("invalid YAML at line %d, column %d: %s", n.Line, n.Column, strings.TrimPrefix(err.Error(), "yaml: "))
		}
		switch x := v.(type) {
		case float64:
			return wholeToInt(x), nil
		case int64:
			if x >= math.MinInt && x <= math.MaxInt {
				return int(x), nil
			}
			return float64(x), nil
		case uint64:
			if x <= math.MaxInt {
				return int(x), nil
			}
			return float64(x), nil
		case time.Time:
			return x, nil
		}
		return v, nil
	}
	// Custom tags (!Ref and the like) keep their text.
	return n.Value, nil
}
