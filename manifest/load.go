package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/bmatcuk/doublestar/v4"
	"go.yaml.in/yaml/v3"

	"github.com/syft-widget/syft-widget/manifest/syftbox"
)

// MaxFileSize bounds a manifest file; a manifest is a page of YAML, not data.
const MaxFileSize = 1 << 20

var (
	nameRE       = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	identRE      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	endpointRE   = regexp.MustCompile(`^(/[A-Za-z0-9_.-]+)+$`)
	cssLengthRE  = regexp.MustCompile(`^(0|[0-9]+(\.[0-9]+)?(px|%|em|rem|vh|vw|ch|ex|pt))$`)
	formats      = []string{"auto", "json", "yaml", "csv", "tsv", "ndjson", "text", "lines", "none"}
	reservedPath = map[string]bool{"/data": true, "/events": true}
)

// Load reads and validates the manifest at path.
func Load(path string) (*Manifest, error) {
	data, err := Read(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Read returns the bytes of the manifest file at path, refusing what cannot
// be a manifest (not a regular file, over MaxFileSize).
func Read(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("%s: manifest is %d bytes, over the limit of %d", path, st.Size(), MaxFileSize)
	}
	return io.ReadAll(io.LimitReader(f, MaxFileSize+1))
}

// Parse validates manifest data as if it were the file at path; relative
// roots are resolved against path's folder.
func Parse(path string, data []byte) (*Manifest, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return parse(path, abs, data)
}

// loader collects every problem of one manifest instead of stopping at the first.
type loader struct {
	file   string // as the user named it, for messages
	lines  []string
	errs   ErrorList
	m      *Manifest         // what is loaded so far, for hints
	fields map[string]*Field // every field defined, compiled or not
}

func (l *loader) errorf(n *yaml.Node, format string, args ...any) {
	l.errs = append(l.errs, Error{File: l.file, Pos: posOf(n), Msg: fmt.Sprintf(format, args...)})
}

func posOf(n *yaml.Node) Pos {
	if n == nil {
		return Pos{1, 1}
	}
	return Pos{n.Line, n.Column}
}

func parse(file, abs string, data []byte) (*Manifest, error) {
	l := &loader{file: file, lines: strings.Split(string(data), "\n")}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: manifest is %d bytes, over the limit of %d", file, len(data), MaxFileSize)
	}
	root, err := l.document(data)
	if err != nil {
		return nil, err
	}
	m := &Manifest{
		File:           abs,
		Width:          DefaultWidth,
		Height:         DefaultHeight,
		UpdateInterval: DefaultUpdateInterval,
		Expiration:     DefaultExpiration,
		ListLimit:      DefaultListLimit,
		Root:           filepath.Dir(abs),
		RootPos:        Pos{1, 1},
	}
	l.m = m
	sourcesNode, endpointsNode, templateNode := l.topLevel(m, root, abs)
	l.defaults(m, root, abs)
	if sourcesNode != nil {
		l.sources(m, sourcesNode)
	}
	if endpointsNode != nil {
		l.endpoints(m, endpointsNode)
	}
	if m.Template == "" {
		m.Template = defaultTemplate(m)
	} else if templateNode != nil {
		l.checkTemplate(m, templateNode)
	}
	if len(l.errs) > 0 {
		l.errs.Sort()
		return nil, partial{m, l.errs}
	}
	return m, nil
}

// partial is the error of a manifest that loaded with problems: the
// problems, and what was loaded despite them (for Partial).
type partial struct {
	m *Manifest
	ErrorList
}

func (p partial) Unwrap() error { return p.ErrorList }

// Partial returns what a failed Load or Parse could read of the manifest
// despite its problems (sources, the fields that compiled, the template),
// so that later stages can report their own problems in the same run; nil
// when there is nothing (a YAML syntax error).
func Partial(err error) *Manifest {
	var p partial
	if errors.As(err, &p) {
		return p.m
	}
	return nil
}

// Sort orders the problems by position.
func (l ErrorList) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Pos, l[j].Pos
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
}

// document decodes data and returns its top-level mapping, refusing an
// empty document, YAML anchors and anything but a mapping.
func (l *loader) document(data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, l.yamlError(err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		l.errs = append(l.errs, Error{File: l.file, Pos: Pos{1, 1}, Msg: "the manifest is empty"})
		return nil, l.errs
	}
	root := doc.Content[0]
	if bad := findAlias(&doc); bad != nil {
		l.errorf(bad, "anchors, aliases and merge keys are not supported in manifests")
		return nil, l.errs
	}
	if root.Kind != yaml.MappingNode {
		l.errorf(root, "a manifest is a mapping of keys (name, sources, endpoints, template, ...)")
		return nil, l.errs
	}
	return root, nil
}

// topLevel reads the manifest's own keys into m; sources and endpoints are
// returned to be read once the name and root are known.
func (l *loader) topLevel(m *Manifest, root *yaml.Node, abs string) (sourcesNode, endpointsNode, templateNode *yaml.Node) {
	l.mapping(root, func(key string, k, v *yaml.Node) {
		switch key {
		case "name":
			m.Name = l.name(v, key)
		case "title":
			m.Title, _ = l.str(v)
		case "server":
			m.Server = l.name(v, key)
		case "root":
			m.RootPos = posOf(v)
			if root, ok := l.rootDir(v, abs); ok {
				m.Root = root
			}
		case "width":
			if s, ok := l.length(v, false); ok {
				m.Width = s
			}
		case "height":
			if s, ok := l.length(v, true); ok {
				m.Height = s
			}
		case "update_interval":
			if d, ok := l.duration(v, false); ok {
				if d < MinUpdateInterval {
					l.errorf(v, "update_interval %s is below the minimum of %s", d, MinUpdateInterval)
				} else {
					m.UpdateInterval = d
				}
			}
		case "expiration":
			if d, ok := l.duration(v, true); ok {
				m.Expiration = d
			}
		case "list_limit":
			var n int
			if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || v.Decode(&n) != nil || n < 1 {
				l.errorf(v, "list_limit must be a whole number of rows, at least 1")
			} else {
				m.ListLimit = n
			}
		case "sources":
			sourcesNode = v
		case "endpoints":
			endpointsNode = v
		case "template":
			if s, ok := l.str(v); ok {
				m.Template = s
				m.TemplatePos = l.scalarStart(v)
				templateNode = v
			}
		case "style":
			if s, ok := l.str(v); ok {
				if strings.Contains(strings.ToLower(s), "</style") {
					l.errorf(v, "style must not contain </style")
				}
				m.Style = s
				m.StylePos = l.scalarStart(v)
			}
		default:
			l.unknown(k, key, "name, title, server, root, width, height, update_interval, expiration, list_limit, sources, endpoints, template, style")
		}
	})
	return sourcesNode, endpointsNode, templateNode
}

// rootDir reads root: absolute, or relative to the manifest's folder.
func (l *loader) rootDir(v *yaml.Node, abs string) (string, bool) {
	s, ok := l.str(v)
	switch {
	case !ok:
		return "", false
	case strings.HasPrefix(s, "syftbox:"):
		dir, found := syftbox.FindDataDir("")
		if !found {
			l.errorf(v, "root %q is in the SyftBox folder, which is not known here: pass --syftbox DIR, or set SYFTBOX_DIR", s)
			return "", false
		}
		return filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(s, "syftbox:"))), true
	case s == "":
		l.errorf(v, "root must not be empty")
		return "", false
	case filepath.IsAbs(s):
		return filepath.Clean(s), true
	}
	return filepath.Join(filepath.Dir(abs), filepath.FromSlash(s)), true
}

// defaults fills the name (from the file name), title and server that the
// manifest leaves out.
func (l *loader) defaults(m *Manifest, root *yaml.Node, abs string) {
	if m.Name == "" {
		m.Name = snakeName(abs)
		if !nameRE.MatchString(m.Name) {
			l.errorf(root, "the file name gives the widget name %q, which does not match ^[a-z0-9][a-z0-9_-]{0,63}$: set name", m.Name)
		}
	}
	if m.Title == "" {
		m.Title = m.Name
	}
	if m.Server == "" {
		m.Server = m.Name
	}
}

func findAlias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode || n.Anchor != "" || n.Tag == "!!merge" {
		return n
	}
	for _, c := range n.Content {
		if bad := findAlias(c); bad != nil {
			return bad
		}
	}
	return nil
}

// mapping walks a mapping node, reporting duplicate and non-scalar keys.
func (l *loader) mapping(n *yaml.Node, each func(key string, k, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "expected a mapping")
		return
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			l.errorf(k, "keys must be plain names")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			l.errorf(k, "%q is given twice (first at line %d)", k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		each(k.Value, k, v)
	}
}

func (l *loader) unknown(k *yaml.Node, key, allowed string) {
	l.errorf(k, "unknown key %q (%sallowed: %s)", key, didYouMean(key, strings.Split(allowed, ", ")), allowed)
}

func (l *loader) str(v *yaml.Node) (string, bool) {
	if v.Kind != yaml.ScalarNode {
		l.errorf(v, "expected a single value, not a %s", kindName(v))
		return "", false
	}
	if v.Tag == "!!null" {
		return "", true
	}
	return v.Value, true
}

func kindName(v *yaml.Node) string {
	switch v.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "value"
}

// name reads a widget or server name.
func (l *loader) name(v *yaml.Node, key string) string {
	s, ok := l.str(v)
	if ok && !nameRE.MatchString(s) {
		l.errorf(v, "%s %q must match ^[a-z0-9][a-z0-9_-]{0,63}$", key, s)
	}
	return s
}

// length accepts a CSS length; a bare number means pixels.
func (l *loader) length(v *yaml.Node, allowAuto bool) (string, bool) {
	s, ok := l.str(v)
	if !ok {
		return "", false
	}
	if allowAuto && s == "auto" {
		return s, true
	}
	length := s
	if f, err := strconv.ParseFloat(s, 64); err == nil && v.Tag != "!!str" {
		// A bare number is pixels, written as CSS takes it (1e3 is 1000px);
		// a negative one matches no length below and is refused.
		length = strconv.FormatFloat(f, 'f', -1, 64) + "px"
	}
	if !cssLengthRE.MatchString(length) {
		want := "a CSS length such as 100%, 480px or 30em"
		if allowAuto {
			want += ", or auto"
		}
		l.errorf(v, "%q is not %s", s, want)
		return "", false
	}
	return length, true
}

// duration accepts a Go duration or an integer number of milliseconds; with
// allowNever, "never" gives 0.
func (l *loader) duration(v *yaml.Node, allowNever bool) (time.Duration, bool) {
	s, ok := l.str(v)
	if !ok {
		return 0, false
	}
	if allowNever && s == "never" {
		return 0, true
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n <= 0 {
			l.errorf(v, "%q must be positive", s)
			return 0, false
		}
		return time.Duration(n) * time.Millisecond, true
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		want := "a duration such as 500ms, 2s or 1h, or a number of milliseconds"
		if allowNever {
			want += ", or never"
		}
		l.errorf(v, "%q is not %s", s, want)
		return 0, false
	}
	return d, true
}

var sizeUnits = map[string]float64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30,
	"k": 1 << 10, "m": 1 << 20, "g": 1 << 30,
}

var sizeRE = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$`)

// ParseSize reads a byte size such as 8MiB, 500KB or 1048576.
func ParseSize(s string) (int64, error) {
	m := sizeRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("%q is not a size such as 8MiB, 500KB or 1048576", s)
	}
	unit, ok := sizeUnits[strings.ToLower(m[2])]
	if !ok {
		return 0, fmt.Errorf("%q has an unknown unit %q (use B, KB, MB, GB, KiB, MiB, GiB)", s, m[2])
	}
	f, _ := strconv.ParseFloat(m[1], 64)
	if f*unit > 1<<50 || f*unit < 1 {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	return int64(f * unit), nil
}

// FormatSize writes a byte count in binary units, to one decimal, as
// people read it: 512 B, 1.5 KiB, 1 MiB; ParseSize reads it back.
func FormatSize(n float64) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	if n < 1024 {
		return sign + strconv.FormatFloat(math.Round(n), 'f', -1, 64) + " B"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := -1
	for n >= 1024 && i < len(units)-1 {
		n /= 1024
		i++
	}
	return sign + strconv.FormatFloat(math.Round(n*10)/10, 'f', -1, 64) + " " + units[i]
}

// IsCSSLength reports whether s is a width or height a manifest accepts
// as written: 0, or a number with one of the units px % em rem vh vw ch ex
// pt (the schema's pattern).
func IsCSSLength(s string) bool { return cssLengthRE.MatchString(s) }

// reservedNames cannot name a source: they are in every expression's
// environment, or are expr keywords and builtins a source would shadow.
var reservedNames = map[string]bool{
	"title": true, "ago": true, "basename": true, "dirname": true,
	"in": true, "not": true, "and": true, "or": true, "matches": true, "contains": true,
	"startsWith": true, "endsWith": true, "let": true, "if": true, "else": true,
	"nil": true, "true": true, "false": true,
}

func (l *loader) identifier(n *yaml.Node, what, name string) bool {
	if !identRE.MatchString(name) {
		l.errorf(n, "%s name %q must be an identifier (letters, digits, _; not starting with a digit)", what, name)
		return false
	}
	if reservedNames[name] || isBuiltin(name) || slices.Contains(syftboxNames, name) || strings.HasPrefix(name, "__") {
		l.errorf(n, "%s name %q is reserved (a keyword, builtin or helper of expressions)", what, name)
		return false
	}
	return true
}

func (l *loader) sources(m *Manifest, n *yaml.Node) {
	l.mapping(n, func(name string, k, v *yaml.Node) {
		if !l.identifier(k, "source", name) {
			return
		}
		src := &Source{Name: name, Format: "auto", MaxFileSize: DefaultMaxFileSize, Watch: "auto", Pos: posOf(k)}
		if v.Kind == yaml.ScalarNode {
			// Shorthand: `jobs: "jobs/**/*.json"`.
			src.Glob = v.Value
			l.pattern(v, src.Glob)
			m.Sources = append(m.Sources, src)
			return
		}
		given := 0
		l.mapping(v, func(key string, kk, vv *yaml.Node) {
			if key == "glob" || key == "file" {
				given++
			}
			switch key {
			case "glob":
				if s, ok := l.str(vv); ok && l.pattern(vv, s) {
					src.Glob = s
				}
			case "file":
				if s, ok := l.str(vv); ok && l.pattern(vv, s) {
					if strings.ContainsAny(s, "*?[{") {
						l.errorf(vv, "file %q names one file: use glob for patterns", s)
					}
					src.File = s
				}
			case "format":
				if s, ok := l.str(vv); ok {
					if !slices.Contains(formats, s) {
						l.errorf(vv, "format %q is not one of %s", s, strings.Join(formats, ", "))
					}
					src.Format = s
				}
			case "exclude":
				src.Exclude = l.patterns(vv)
			case "max_file_size":
				if s, ok := l.str(vv); ok {
					size, err := ParseSize(s)
					if err != nil {
						l.errorf(vv, "max_file_size: %v", err)
					} else if size > MaxFileSizeCeiling {
						l.errorf(vv, "max_file_size: %s is over the ceiling of 1GiB (a file is read whole into memory)", s)
					}
					src.MaxFileSize = size
				}
			case "watch":
				if s, ok := l.str(vv); ok {
					if s != "auto" && s != "poll" {
						l.errorf(vv, "watch %q is not auto or poll", s)
					}
					src.Watch = s
				}
			case "syftignore":
				if s, ok := l.str(vv); ok {
					if vv.Tag != "!!bool" {
						l.errorf(vv, "syftignore %q is not true or false", s)
					}
					src.NoSyftIgnore = s == "false"
				}
			default:
				l.unknown(kk, key, "glob, file, format, exclude, max_file_size, watch, syftignore")
			}
		})
		if given != 1 {
			l.errorf(k, "source %q needs exactly one of glob or file", name)
		}
		m.Sources = append(m.Sources, src)
	})
}

func (l *loader) patterns(v *yaml.Node) []string {
	if v.Kind == yaml.ScalarNode {
		if l.pattern(v, v.Value) {
			return []string{v.Value}
		}
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		l.errorf(v, "expected a list of patterns")
		return nil
	}
	var out []string
	for _, c := range v.Content {
		if s, ok := l.str(c); ok && l.pattern(c, s) {
			out = append(out, s)
		}
	}
	return out
}

// pattern checks that a pattern is valid and stays inside root.
func (l *loader) pattern(v *yaml.Node, p string) bool {
	switch {
	case p == "":
		l.errorf(v, "the pattern is empty")
	case strings.HasPrefix(p, "/") || filepath.IsAbs(p):
		l.errorf(v, "pattern %q must be relative to root (set root to read elsewhere)", p)
	case strings.Contains(p, "\\"):
		l.errorf(v, "pattern %q must use / as separator", p)
	case slices.Contains(strings.Split(p, "/"), ".."):
		l.errorf(v, "pattern %q must not leave root with ..", p)
	case !doublestar.ValidatePattern(p):
		l.errorf(v, "pattern %q is not a valid glob", p)
	default:
		return true
	}
	return false
}

func (l *loader) endpoints(m *Manifest, n *yaml.Node) {
	env := compileEnv(m)
	defined := map[string]*Field{}
	l.fields = defined
	l.mapping(n, func(path string, k, v *yaml.Node) {
		switch {
		case !endpointRE.MatchString(path) || strings.Contains(path, "/../") || strings.HasSuffix(path, "/.."):
			l.errorf(k, "endpoint %q must be a path like /api/jobs (letters, digits, _ - .)", path)
			return
		case strings.HasPrefix(path, "/rows/"):
			l.errorf(k, "endpoint %q is reserved: /rows/ serves the pages of the widget's long lists", path)
			return
		case reservedPath[path]:
			l.errorf(k, "endpoint %q is reserved for the widget's own %s", path, strings.TrimPrefix(path, "/"))
			return
		}
		ep := &Endpoint{Path: path, Pos: posOf(k)}
		uses := map[string]bool{}
		l.mapping(v, func(name string, fk, fv *yaml.Node) {
			if !identRE.MatchString(name) {
				l.errorf(fk, "field name %q must be an identifier (letters, digits, _; not starting with a digit)", name)
				return
			}
			if name == "title" {
				l.errorf(fk, "field name title is reserved: {title} is the widget's title")
				return
			}
			if first, dup := defined[name]; dup {
				l.errorf(fk, "field %q is already defined in endpoint %s (line %d)", name, first.Endpoint, first.Pos.Line)
				return
			}
			if fv.Kind != yaml.ScalarNode {
				l.errorf(fv, "field %q must be an expression, not a %s", name, kindName(fv))
				return
			}
			f := &Field{Name: name, Expr: fv.Value, Endpoint: path, Pos: l.scalarStart(fv)}
			defined[name] = f
			if err := f.compile(env, m); err != nil {
				l.exprError(fv, f, err)
				return
			}
			f.Shape = shapeOf(f.Expr, m)
			for _, s := range f.Sources {
				uses[s] = true
			}
			ep.UsesNow = ep.UsesNow || f.UsesNow
			ep.Fields = append(ep.Fields, f)
		})
		for s := range uses {
			ep.Sources = append(ep.Sources, s)
		}
		sort.Strings(ep.Sources)
		m.Endpoints = append(m.Endpoints, ep)
	})
}

// scalarStart is where a scalar's text begins: after the quote of a quoted
// scalar, on the first content line of a block scalar.
func (l *loader) scalarStart(v *yaml.Node) Pos {
	p := posOf(v)
	switch v.Style {
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		p.Col++
	case yaml.LiteralStyle, yaml.FoldedStyle:
		for i := v.Line; i < len(l.lines); i++ { // l.lines[i] is file line i+1
			if strings.TrimSpace(l.lines[i]) != "" {
				return Pos{i + 1, indentOf(l.lines[i]) + 1}
			}
		}
	}
	return p
}

func indentOf(s string) int { return len(s) - len(strings.TrimLeft(s, " \t")) }

// FilePos maps a 1-based line and 0-based column inside a field's expression
// to its position in the manifest file.
func (l *loader) filePos(v *yaml.Node, line, col int) Pos {
	start := l.scalarStart(v)
	switch v.Style {
	case yaml.LiteralStyle:
		return Pos{start.Line + line - 1, start.Col + col}
	case yaml.FoldedStyle:
		// Folded lines were joined with spaces: walk the source lines.
		off := col
		for i := start.Line - 1; i < len(l.lines); i++ {
			text := strings.TrimLeft(l.lines[i], " \t")
			if off <= len(text) || i == len(l.lines)-1 {
				return Pos{i + 1, indentOf(l.lines[i]) + off + 1}
			}
			off -= len(text) + 1
		}
	}
	if line > 1 {
		// A plain multi-line scalar: subsequent lines are indented past the key.
		ln := start.Line + line - 1
		if ln-1 < len(l.lines) {
			return Pos{ln, indentOf(l.lines[ln-1]) + col + 1}
		}
	}
	return Pos{start.Line, start.Col + col}
}

func snakeName(abs string) string {
	stem := strings.TrimSuffix(filepath.Base(abs), filepath.Ext(abs))
	var b strings.Builder
	rs := []rune(stem)
	for i, r := range rs {
		switch {
		case unicode.IsUpper(r):
			if i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]) ||
				(i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
		case r < 128 && (unicode.IsLower(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := strings.Trim(b.String(), "_")
	for strings.Contains(s, "__") {
		s = strings.ReplaceAll(s, "__", "_")
	}
	return s
}

func defaultTemplate(m *Manifest) string {
	var b bytes.Buffer
	b.WriteString("<h3>{title}</h3>\n<table>\n")
	for _, ep := range m.Endpoints {
		for _, f := range ep.Fields {
			fmt.Fprintf(&b, "<tr><th>%s</th><td data-field=%q>{%s}</td></tr>\n", f.Name, f.Name, f.Name)
		}
	}
	b.WriteString("</table>\n")
	return b.String()
}

// Error is one problem in a manifest, at a position in its file.
type Error struct {
	File string
	Pos  Pos
	Msg  string
}

func (e Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Pos.Line, e.Pos.Col, e.Msg)
}

// ErrorList is every problem found in one manifest, in file order.
type ErrorList []Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Errors returns the individual problems in err: the entries of an
// ErrorList, or err itself.
func Errors(err error) []error {
	var list ErrorList
	if errors.As(err, &list) {
		out := make([]error, len(list))
		for i, e := range list {
			out[i] = e
		}
		return out
	}
	if err == nil {
		return nil
	}
	return []error{err}
}
