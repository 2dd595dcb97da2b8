package sources

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds nesting so a hostile file cannot exhaust the stack.
const maxDepth = 10000

// parseJSON decodes one JSON value into any: objects become map[string]any,
// arrays []any, numbers int when whole and within int's range (else float64),
// strings string, true/false bool, null nil. A hand-written decoder rather
// than encoding/json: it yields ints directly, shares repeated object keys
// across files (memory with many small files) and reports line and column.
func parseJSON(b []byte) (any, error) {
	p := jsonParser{b: b}
	p.space()
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(p.b) {
		return nil, p.errorf("unexpected %s after the value", p.quoteAt())
	}
	return v, nil
}

type jsonParser struct {
	b     []byte
	i     int
	depth int
	line0 int // line number of b[0] minus one, for ndjson
}

// jsonError is a syntax error with its position; Line and Col start at 1.
type jsonError struct {
	Line, Col int
	Msg       string
}

func (e *jsonError) Error() string {
	return fmt.Sprintf("invalid JSON at line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

func (p *jsonParser) errorf(format string, args ...any) error {
	line, col := position(p.b, p.i)
	return &jsonError{Line: line + p.line0, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// position turns a byte offset into a line and a column counted in characters.
func position(b []byte, off int) (line, col int) {
	if off > len(b) {
		off = len(b)
	}
	line = 1
	start := 0
	for i := 0; i < off; i++ {
		if b[i] == '\n' {
			line++
			start = i + 1
		}
	}
	return line, utf8.RuneCount(b[start:off]) + 1
}

// quoteAt describes the byte at the current offset for an error message.
func (p *jsonParser) quoteAt() string {
	if p.i >= len(p.b) {
		return "end of input"
	}
	r, _ := utf8.DecodeRune(p.b[p.i:])
	return strconv.QuoteRune(r)
}

func (p *jsonParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value() (any, error) {
	if p.i >= len(p.b) {
		return nil, p.errorf("unexpected end of input")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		return p.str(false)
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	default:
		return nil, p.errorf("unexpected %s, expected a value", p.quoteAt())
	}
}

func (p *jsonParser) literal(word string) error {
	for k := 0; k < len(word); k++ {
		if p.i >= len(p.b) || p.b[p.i] != word[k] {
			return p.errorf("unexpected %s in literal %s", p.quoteAt(), word)
		}
		p.i++
	}
	return nil
}

func (p *jsonParser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errorf("nesting deeper than %d levels", maxDepth)
	}
	return nil
}

func (p *jsonParser) object() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.i++ // {
	m := make(map[string]any)
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		p.depth--
		return m, nil
	}
	for {
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, p.errorf("unexpected %s, expected a string key", p.quoteAt())
		}
		k, err := p.str(true)
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, p.errorf("unexpected %s, expected ':' after a key", p.quoteAt())
		}
		p.i++
		p.space()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		m[k.(string)] = v
		p.space()
		if p.i < len(p.b) && p.b[p.i] == ',' {
			p.i++
			p.space()
			continue
		}
		if p.i < len(p.b) && p.b[p.i] == '}' {
			p.i++
			p.depth--
			return m, nil
		}
		return nil, p.errorf("unexpected %s, expected ',' or '}'", p.quoteAt())
	}
}

func (p *jsonParser) array() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.i++ // [
	a := []any{}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		p.depth--
		return a, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.space()
		if p.i < len(p.b) && p.b[p.i] == ',' {
			p.i++
			p.space()
			continue
		}
		if p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
			p.depth--
			return a, nil
		}
		return nil, p.errorf("unexpected %s, expected ',' or ']'", p.quoteAt())
	}
}

// str decodes a string at p.i (which holds the opening quote). Keys are
// interned: the same few keys repeat across thousands of small files.
func (p *jsonParser) str(key bool) (any, error) {
	p.i++ // opening quote
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if !utf8.Valid(s) {
				return fixUTF8(s), nil
			}
			if key {
				return intern(s), nil
			}
			return string(s), nil
		case c == '\\':
			return p.strSlow(start, key)
		case c < 0x20:
			return nil, p.errorf("control character %s in a string", strconv.QuoteRune(rune(c)))
		}
		p.i++
	}
	return nil, p.errorf("unexpected end of input in a string")
}

// strSlow decodes a string with escapes, starting over at start.
func (p *jsonParser) strSlow(start int, key bool) (any, error) {
	var sb strings.Builder
	sb.Write(p.b[start:p.i])
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			s := sb.String()
			if !utf8.ValidString(s) {
				s = fixUTF8([]byte(s))
			}
			if key {
				return intern([]byte(s)), nil
			}
			return s, nil
		case c < 0x20:
			return nil, p.errorf("control character %s in a string", strconv.QuoteRune(rune(c)))
		case c != '\\':
			sb.WriteByte(c)
			p.i++
			continue
		}
		p.i++ // backslash
		if p.i >= len(p.b) {
			break
		}
		e := p.b[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			sb.WriteByte(e)
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return nil, p.errorf("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				// A lone surrogate becomes U+FFFD, as encoding/json does.
				r2 := rune(-1)
				if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
					save := p.i
					p.i += 2
					if x, ok := p.hex4(); ok {
						r2 = x
					} else {
						return nil, p.errorf("invalid \\u escape")
					}
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						sb.WriteRune(d)
						continue
					}
					p.i = save
				}
				r = utf8.RuneError
			}
			sb.WriteRune(r)
		default:
			p.i--
			return nil, p.errorf("invalid escape '\\%c' in a string", e)
		}
	}
	return nil, p.errorf("unexpected end of input in a string")
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.b) {
		return 0, false
	}
	var r rune
	for k := 0; k < 4; k++ {
		c := p.b[p.i+k]
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	p.i += 4
	return r, true
}

func (p *jsonParser) number() (any, error) {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	digits := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	switch n := p.i - digits; {
	case n == 0:
		return nil, p.errorf("unexpected %s in a number", p.quoteAt())
	case n > 1 && p.b[digits] == '0':
		p.i = digits + 1
		return nil, p.errorf("unexpected %s after a leading zero", p.quoteAt())
	}
	integer := true
	if p.i < len(p.b) && p.b[p.i] == '.' {
		integer = false
		p.i++
		d := p.i
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
		}
		if p.i == d {
			return nil, p.errorf("unexpected %s after a decimal point", p.quoteAt())
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		integer = false
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		d := p.i
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
		}
		if p.i == d {
			return nil, p.errorf("unexpected %s in an exponent", p.quoteAt())
		}
	}
	return numberValue(p.b[start:p.i], integer), nil
}

// numberValue converts a syntactically valid decimal number: int when it is
// whole and fits in int, float64 otherwise.
func numberValue(s []byte, integer bool) any {
	if integer && len(s) <= 18 {
		// Up to 18 digits cannot overflow int64: the fast, allocation-free path.
		neg := s[0] == '-'
		if neg {
			s = s[1:]
		}
		var n int64
		for _, c := range s {
			n = n*10 + int64(c-'0')
		}
		if neg {
			n = -n
		}
		if n >= math.MinInt && n <= math.MaxInt {
			return int(n)
		}
		return float64(n)
	}
	if integer {
		if n, err := strconv.ParseInt(string(s), 10, strconv.IntSize); err == nil {
			return int(n)
		}
	}
	f, err := strconv.ParseFloat(string(s), 64)
	if err != nil && math.IsInf(f, 0) {
		// Out of float64's range: JSON cannot carry infinities.
		return nil
	}
	return wholeToInt(f)
}

// wholeToInt returns f as an int when it is whole and within int's range, so
// 3.0 reads and renders as 3.
func wholeToInt(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	if f == math.Trunc(f) && f >= math.MinInt && f < -(math.MinInt) {
		return int(f)
	}
	return f
}

// fixUTF8 replaces each invalid byte with U+FFFD, as encoding/json does.
func fixUTF8(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			sb.WriteString("\uFFFD")
		} else {
			sb.Write(b[:n])
		}
		b = b[n:]
	}
	return sb.String()
}

// Interning of object keys and CSV headers: bounded, shared by every cache.
var (
	internMu  sync.RWMutex
	internTab = make(map[string]string)
)

const (
	internMaxLen     = 64
	internMaxEntries = 1 << 14
)

func intern(b []byte) string {
	if len(b) > internMaxLen {
		return string(b)
	}
	internMu.RLock()
	s, ok := internTab[string(b)]
	internMu.RUnlock()
	if ok {
		return s
	}
	s = string(b)
	internMu.Lock()
	if len(internTab) < internMaxEntries {
		internTab[s] = s
	}
	internMu.Unlock()
	return s
}
