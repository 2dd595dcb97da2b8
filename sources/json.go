package sources

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/syft-widget/syft-widget/manifest"
)

// maxDepth bounds nesting so a hostile file cannot exhaust the stack.
const maxDepth = 10000

// jsonOptions: a repeated key keeps its last value and invalid UTF-8 turns
// into U+FFFD, as with encoding/json.
var jsonOptions = []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

// trees are reused across files. Each decoder reads a bytes.Buffer, which
// jsontext parses in place: no copy of the file, and no buffer of a large
// file kept in the pool.
var trees = sync.Pool{New: func() any {
	return &jsonTree{dec: jsontext.NewDecoder(new(bytes.Buffer), jsonOptions...), layouts: map[string]*layout{}}
}}

// emptyBuffer releases a pooled decoder's hold on the last file.
var emptyBuffer = new(bytes.Buffer)

// parseJSON decodes one JSON value into any: objects become *manifest.Object,
// arrays what manifest.NewArray makes of their values ([]any when they hold
// no object), numbers int when whole and within int's range (else float64),
// strings string, true/false bool, null nil. The tokens come from jsontext;
// the tree is built here rather than by encoding/json so that numbers are
// ints directly, repeated object keys are shared across files (memory with
// many small files) and errors carry a line and column.
func parseJSON(b []byte) (any, error) { return decodeJSON(b, 0, compact(b)) }

// compactFileBytes is the size of the largest file whose objects decode to
// manifest.Objects; a larger file's objects are maps. What an Object saves
// counts where a tree holds many small files (a job's state, a result); a
// large file (a log, a dataset) is one of few, and is more often used whole
// (`len(log.data)`, `last(log.data)`), which would make a map of every
// object in it, every time.
const compactFileBytes = 64 << 10

// compact reports whether the objects of the file b decode to Objects.
func compact(b []byte) bool { return len(b) <= compactFileBytes && !decodeMaps.Load() }

// decodeJSON decodes the one value of b; line0 is the line number of b's
// first line minus one (for ndjson); objects are manifest.Objects when
// compact is set, maps otherwise.
func decodeJSON(b []byte, line0 int, compact bool) (any, error) {
	t := trees.Get().(*jsonTree)
	t.maps = !compact
	dec := t.dec
	defer func() {
		dec.Reset(emptyBuffer, jsonOptions...)
		clear(t.members) // what a failed parse left
		t.members, t.depth = t.members[:0], 0
		if cap(t.members) > 1024 {
			t.members = nil // a large object's buffer is not kept
		}
		trees.Put(t)
	}()
	dec.Reset(bytes.NewBuffer(b), jsonOptions...)
	v, err := t.value()
	if err == nil {
		// Only white space may follow the value.
		off := int(dec.InputOffset())
		if rest := bytes.TrimLeft(b[off:], " \t\r\n"); len(rest) > 0 {
			r, _ := utf8.DecodeRune(rest)
			err = &jsonError{Offset: len(b) - len(rest), Msg: "unexpected " + strconv.QuoteRune(r) + " after the value"}
		}
	}
	if err != nil {
		return nil, positioned(err, b, line0)
	}
	return v, nil
}

// jsonTree builds values from a decoder's tokens.
type jsonTree struct {
	dec     *jsontext.Decoder
	maps    bool // objects become maps (see compactFileBytes)
	depth   int
	members []member // of the objects being read, innermost last
	sig     []byte   // the keys of an object, for looking its layout up
	layouts map[string]*layout
}

type member struct {
	key string
	val any
}

// jsonError is a syntax error with its position; Line and Col start at 1.
type jsonError struct {
	Offset    int // in bytes, until positioned sets Line and Col
	Line, Col int
	Msg       string
}

func (e *jsonError) Error() string {
	return fmt.Sprintf("invalid JSON at line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

// positioned turns a decoder's error into a jsonError with line and column.
func positioned(err error, b []byte, line0 int) error {
	var je *jsonError
	if !errors.As(err, &je) {
		je = &jsonError{Msg: err.Error()}
		var se *jsontext.SyntacticError
		if errors.As(err, &se) {
			je.Offset = int(se.ByteOffset)
			je.Msg = se.Err.Error()
			switch {
			case errors.Is(se.Err, io.ErrUnexpectedEOF):
				je.Msg = "unexpected end of input"
			case je.Offset < len(b) && b[je.Offset] == ',':
				// jsontext points at the comma of [1, 2,] as a value's start.
				je.Msg = "a ',' with no value after it"
			}
		}
	}
	line, col := position(b, je.Offset)
	je.Line, je.Col = line+line0, col
	return je
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

func (t *jsonTree) value() (any, error) {
	switch t.dec.PeekKind() {
	case '{':
		return t.object()
	case '[':
		return t.array()
	case 0:
		_, err := t.dec.ReadToken() // the error that stopped PeekKind
		return nil, err
	}
	raw, err := t.dec.ReadValue()
	if err != nil {
		return nil, err
	}
	return scalarValue(raw), nil
}

// enter counts one more level of nesting, refusing more than maxDepth
// before the decoder's own limit is reached.
func (t *jsonTree) enter() error {
	t.depth++
	if t.depth > maxDepth {
		return &jsonError{Offset: int(t.dec.InputOffset()), Msg: fmt.Sprintf("nesting deeper than %d levels", maxDepth)}
	}
	return nil
}

func (t *jsonTree) object() (any, error) {
	if err := t.enter(); err != nil {
		return nil, err
	}
	if _, err := t.dec.ReadToken(); err != nil {
		return nil, err
	}
	// The members are gathered first so that the map is made at its size.
	start := len(t.members)
	for t.dec.PeekKind() == '"' {
		k, err := t.dec.ReadValue()
		if err != nil {
			return nil, err
		}
		key := unquote(k, true)
		var v any
		if kind := t.dec.PeekKind(); kind == '{' || kind == '[' {
			v, err = t.value()
		} else {
			v, err = t.scalar(key)
		}
		if err != nil {
			return nil, err
		}
		t.members = append(t.members, member{key, v})
	}
	if _, err := t.dec.ReadToken(); err != nil { // }
		return nil, err
	}
	o := t.objectOf(t.members[start:])
	clear(t.members[start:]) // the pooled buffer must not keep values alive
	t.members = t.members[:start]
	t.depth--
	return o, nil
}

// decodeMaps makes objects maps, as they were before manifest.Object: the
// tests that prove both read the same set it.
var decodeMaps atomic.Bool

// objectOf makes the object of members: a manifest.Object, whose keys are
// shared with every object written with the same keys in the same order.
func (t *jsonTree) objectOf(members []member) any {
	if t.maps {
		m := make(map[string]any, len(members))
		for _, kv := range members {
			m[kv.key] = kv.val
		}
		return m
	}
	if len(members) > maxSharedKeys {
		// A large object is rarely written twice: its layout is its own.
		return newObject(layoutOf(nil, members), members)
	}
	t.sig = append(t.sig[:0], '{') // not nil: an empty object's layout is shared too
	for _, kv := range members {
		t.sig = binary.AppendUvarint(t.sig, uint64(len(kv.key)))
		t.sig = append(t.sig, kv.key...)
	}
	l := t.layouts[string(t.sig)]
	if l == nil {
		l = layoutOf(t.sig, members)
		if len(t.layouts) >= maxTreeLayouts {
			clear(t.layouts)
		}
		t.layouts[string(t.sig)] = l
	}
	return newObject(l, members)
}

func newObject(l *layout, members []member) *manifest.Object {
	vals := make([]any, l.keys.Len())
	for i, kv := range members {
		vals[l.slots[i]] = kv.val
	}
	return manifest.NewObject(l.keys, vals)
}

// A layout is where the members of an object go: its key set, and the slot
// of each member in the order the file wrote them.
type layout struct {
	keys  *manifest.KeySet
	slots []int
}

// Layouts are shared by every decoder (bounded, like interned keys), and
// each decoder remembers the few it met last without a lock.
var (
	layoutMu  sync.RWMutex
	layoutTab = make(map[string]*layout)
)

const (
	maxLayouts     = 1 << 12
	maxTreeLayouts = 64
	maxSharedKeys  = 64 // keys of an object whose layout is shared
)

// layoutOf returns the layout of members, whose keys written in order are
// sig; nil sig: a layout not shared.
func layoutOf(sig []byte, members []member) *layout {
	if sig != nil {
		layoutMu.RLock()
		l := layoutTab[string(sig)]
		layoutMu.RUnlock()
		if l != nil {
			return l
		}
	}
	keys := make([]string, len(members))
	for i, kv := range members {
		keys[i] = kv.key
	}
	l := &layout{}
	l.keys, l.slots = manifest.NewKeySet(keys)
	if sig == nil {
		return l
	}
	layoutMu.Lock()
	defer layoutMu.Unlock()
	if was := layoutTab[string(sig)]; was != nil {
		return was
	}
	if len(layoutTab) < maxLayouts {
		layoutTab[string(sig)] = l
	}
	return l
}

// scalar reads the value of key, a string, number, true, false or null.
// The values of a key that takes few distinct ones (a state, an owner)
// are shared across files: one string, one boxed number, for all.
func (t *jsonTree) scalar(key string) (any, error) {
	raw, err := t.dec.ReadValue()
	if err != nil {
		return nil, err
	}
	vs := valuesOf(key)
	if k := raw.Kind(); vs == nil || len(raw) > internMaxLen || k == 'n' || k == 't' || k == 'f' {
		return scalarValue(raw), nil
	}
	return vs.get(raw), nil
}

// scalarValue converts a valid JSON string, number, true, false or null.
func scalarValue(raw jsontext.Value) any {
	switch raw.Kind() {
	case 'n':
		return nil
	case 't':
		return true
	case 'f':
		return false
	case '"':
		return unquote(raw, false)
	}
	return numberValue(raw, !bytes.ContainsAny(raw, ".eE"))
}

func (t *jsonTree) array() (any, error) {
	if err := t.enter(); err != nil {
		return nil, err
	}
	if _, err := t.dec.ReadToken(); err != nil {
		return nil, err
	}
	a := []any{}
	for k := t.dec.PeekKind(); k != ']' && k != 0; k = t.dec.PeekKind() {
		v, err := t.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
	}
	if _, err := t.dec.ReadToken(); err != nil { // ]
		return nil, err
	}
	t.depth--
	if t.maps {
		return a, nil
	}
	return manifest.NewArray(a), nil
}

// unquote decodes a valid JSON string. Keys are interned: the same few keys
// repeat across thousands of small files.
func unquote(raw jsontext.Value, key bool) string {
	s := raw[1 : len(raw)-1]
	if bytes.IndexByte(s, '\\') >= 0 || !utf8.Valid(s) {
		u, _ := jsontext.AppendUnquote(nil, raw) // invalid UTF-8 becomes U+FFFD
		s = u
	}
	if key {
		return intern(s)
	}
	return string(s)
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

// Values of object keys are interned while a key takes few distinct values:
// a job's state or owner repeats across 100,000 files, and one shared
// string (boxed once) costs nothing per file. A key seen with more than
// maxValuesPerKey distinct values (names, times, counters) stops being
// interned: its table is dropped and later values are made per file.
var (
	valueSets     sync.Map // interned key -> *valueSet
	valueSetCount atomic.Int64
	valueCount    atomic.Int64 // values held in every set, bounded by maxValues
)

const (
	maxValuesPerKey = 256
	maxValueSets    = 1 << 12
	maxValues       = 1 << 16
)

// A valueSet is read without a lock: a new value makes a new map (a key
// gets at most maxValuesPerKey of them).
type valueSet struct {
	mu   sync.Mutex                     // serialises writers
	vals atomic.Pointer[map[string]any] // by JSON text; nil once the key has too many
}

// valuesOf returns the value set of key; nil when there are too many keys.
func valuesOf(key string) *valueSet {
	if v, ok := valueSets.Load(key); ok {
		return v.(*valueSet)
	}
	if valueSetCount.Load() >= maxValueSets {
		return nil
	}
	vs := &valueSet{}
	vs.vals.Store(&map[string]any{})
	v, loaded := valueSets.LoadOrStore(key, vs)
	if !loaded {
		valueSetCount.Add(1)
	}
	return v.(*valueSet)
}

// get returns the value of raw, shared when the set holds it.
func (vs *valueSet) get(raw jsontext.Value) any {
	vals := vs.vals.Load()
	if vals == nil {
		return scalarValue(raw)
	}
	if v, ok := (*vals)[string(raw)]; ok {
		return v
	}
	v := scalarValue(raw)
	vs.mu.Lock()
	defer vs.mu.Unlock()
	switch vals = vs.vals.Load(); {
	case vals == nil:
	case len(*vals) >= maxValuesPerKey:
		valueCount.Add(-int64(len(*vals)))
		vs.vals.Store(nil)
	case valueCount.Load() < maxValues:
		if _, ok := (*vals)[string(raw)]; !ok {
			valueCount.Add(1)
			next := make(map[string]any, len(*vals)+1)
			maps.Copy(next, *vals)
			next[string(raw)] = v
			vs.vals.Store(&next)
		}
	}
	return v
}
