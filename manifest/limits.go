package manifest

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm/runtime"
)

// Hard limits of one field's evaluation. expr's VM cannot be interrupted
// and counts only elements, so the limits are enforced from inside the
// program: at compile time every loop body, every builtin that allocates,
// every range and every string concatenation is rewritten into a call that
// first checks the clock and the bytes it is about to make against the
// field's budget, and fails the field (not the process) when either is
// spent.
const (
	// MaxEvalBytes bounds the bytes of strings and lists one evaluation may
	// make, counted before each allocation.
	MaxEvalBytes = 256 << 20
	// MaxOutputBytes bounds the size of one field's value (as JSON),
	// unless the files the field reads are large (see OutputLimit).
	MaxOutputBytes = 32 << 20
	// OutputPerSourceByte is how many times the bytes of the files a
	// field reads its value may be, where that is more than
	// MaxOutputBytes: an output that grows with its input (a row per job
	// of a million) is an honest result, while a bomb makes much from
	// little.
	OutputPerSourceByte = 4
)

// evalTimeout bounds one field's evaluation.
var evalTimeout = 5 * time.Second

// budgetName is the environment entry that holds the running field's budget.
const budgetName = "__budget"

// budget is what is left to one evaluation.
type budget struct {
	deadline time.Time
	bytes    int64 // left to make
	steps    int   // loop steps so far
}

func newBudget() *budget {
	return &budget{deadline: time.Now().Add(evalTimeout), bytes: MaxEvalBytes}
}

// errNoBudget fails a guarded call made without the evaluation's budget.
var errNoBudget = errors.New("expression evaluated without a budget (use Field.Eval)")

func (b *budget) checkTime() error {
	if b == nil {
		return errNoBudget
	}
	if time.Now().After(b.deadline) {
		return fmt.Errorf("evaluation took longer than %s and was stopped", evalTimeout)
	}
	return nil
}

// spend takes n bytes that what is about to make from the budget, or says
// why it may not.
func (b *budget) spend(n int64, what string) error {
	if err := b.checkTime(); err != nil {
		return err
	}
	if n < 0 || n > b.bytes {
		if made := MaxEvalBytes - b.bytes; made > 0 {
			return fmt.Errorf("%s would make %s more, after %s, over the memory limit of one evaluation (%s)", what, sizeText(n), sizeText(made), sizeText(MaxEvalBytes))
		}
		return fmt.Errorf("%s would make %s, over the memory limit of one evaluation (%s)", what, sizeText(n), sizeText(MaxEvalBytes))
	}
	b.bytes -= n
	return nil
}

func sizeText(n int64) string {
	if n < 0 || n >= math.MaxInt64/2 {
		return "more than 4 EiB"
	}
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// mul multiplies sizes, saturating instead of overflowing.
func mul(a, b int64) int64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}

// tick checks the clock every few steps of a loop: reading it costs as
// much as a cheap step.
func tick(args ...any) (any, error) {
	b, _ := args[0].(*budget)
	if b == nil {
		return nil, errNoBudget
	}
	if b.steps++; b.steps%16 != 0 {
		return true, nil
	}
	return true, b.checkTime()
}

// grow is tick for a step that adds an element to a list: expr counts the
// list only once it is complete. An element costs about elemBytes while
// the list is made: its slot on the VM's stack (which grows by doubling),
// its box, its slot in the list.
func grow(args ...any) (any, error) {
	b, _ := args[0].(*budget)
	return true, b.spend(elemBytes, "the list")
}

const elemBytes = 48

// limitPatch rewrites a parsed expression so that it keeps to its budget.
// The body B of every predicate (map, filter, reduce, ...) becomes
// `__tick(__budget); B`, or `__grow(__budget); B` where each step adds an
// element to a list. With guard set, a guarded builtin f(args) becomes
// `__f(__budget, args)`, a range a..b `__range(__budget, a, b)`, and the
// concatenations at adds (found by type in a first compilation)
// `__add(__budget, l, r)`; these come second so that compile errors name
// what the user wrote, not our rewriting.
type limitPatch struct {
	guard bool
	adds  map[file.Location]bool
	// reserved is set to a name of ours that the expression itself uses:
	// called with a budget of its own, a guarded builtin would be unbounded.
	reserved *string
}

func (p limitPatch) Visit(node *ast.Node) {
	budgetArg := func() ast.Node { return &ast.IdentifierNode{Value: budgetName} }
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		// The walk does not visit the nodes this patch adds.
		if ours(n.Value) && p.reserved != nil {
			*p.reserved = n.Value
		}
	case *ast.PredicateNode:
		if tickOf(n) != nil {
			return // patched already
		}
		call := &ast.CallNode{Callee: &ast.IdentifierNode{Value: "__tick"}, Arguments: []ast.Node{budgetArg()}}
		n.Node = &ast.SequenceNode{Nodes: []ast.Node{call, n.Node}}
	case *ast.BuiltinNode:
		switch n.Name {
		case "map", "filter", "sortBy", "groupBy":
			for _, a := range n.Arguments {
				if pn, ok := a.(*ast.PredicateNode); ok && tickOf(pn) != nil {
					tickOf(pn).Value = "__grow"
				}
			}
		}
		if _, ok := guards[n.Name]; ok && p.guard {
			ast.Patch(node, &ast.CallNode{
				Callee:    &ast.IdentifierNode{Value: "__" + n.Name},
				Arguments: append([]ast.Node{budgetArg()}, n.Arguments...),
			})
		}
	case *ast.BinaryNode:
		switch {
		case n.Operator == ".." && p.guard:
			ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: "__range"}, Arguments: []ast.Node{budgetArg(), n.Left, n.Right}})
		case n.Operator == "+" && p.adds[n.Location()]:
			ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: "__add"}, Arguments: []ast.Node{budgetArg(), n.Left, n.Right}})
		}
	}
}

// ours says whether name is one of the names our patches add: the budget,
// the calls that take it, and the nil-safe member access.
func ours(name string) bool {
	switch name {
	case budgetName, "__tick", "__grow", "__range", "__add", getName, memberName, openName, listName, elementsName:
		return true
	}
	_, guarded := guards[strings.TrimPrefix(name, "__")]
	return guarded && strings.HasPrefix(name, "__")
}

// tickOf returns the callee of the budget call a patched predicate starts
// with.
func tickOf(n *ast.PredicateNode) *ast.IdentifierNode {
	if seq, ok := n.Node.(*ast.SequenceNode); ok && len(seq.Nodes) == 2 {
		if c, ok := seq.Nodes[0].(*ast.CallNode); ok {
			if id, ok := c.Callee.(*ast.IdentifierNode); ok && (id.Value == "__tick" || id.Value == "__grow") {
				return id
			}
		}
	}
	return nil
}

// guarded says whether a compiled expression needs the second, guarded
// compilation, and where it may add strings: at every `+` whose type is a
// string or not known before it runs.
func guarded(root ast.Node) (need bool, adds map[file.Location]bool) {
	f := guardFinder{adds: map[file.Location]bool{}}
	ast.Walk(&root, &f)
	return f.need || len(f.adds) > 0, f.adds
}

type guardFinder struct {
	need bool
	adds map[file.Location]bool
}

func (f *guardFinder) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.BuiltinNode:
		if _, ok := guards[n.Name]; ok {
			f.need = true
		}
	case *ast.BinaryNode:
		switch n.Operator {
		case "..":
			f.need = true
		case "+":
			if t := n.Type(); t == nil || t.Kind() == reflect.String || t.Kind() == reflect.Interface {
				f.adds[n.Location()] = true
			}
		}
	}
}

// guards says, for each builtin that allocates, how many bytes a call is
// about to make, estimated from its arguments before it runs.
var guards = map[string]func(args []any) int64{
	"repeat": func(a []any) int64 {
		s, _ := a[0].(string)
		return mul(int64(len(s)), int64(runtime.ToInt(a[1])))
	},
	"join": func(a []any) int64 {
		n := sizeOf(a[0], math.MaxInt64, false)
		if len(a) > 1 {
			glue, _ := a[1].(string)
			n += mul(int64(len(glue)), int64(lenOf(a[0])))
		}
		return n
	},
	"replace": func(a []any) int64 {
		s, _ := a[0].(string)
		old, _ := a[1].(string)
		repl, _ := a[2].(string)
		n := int64(strings.Count(s, old))
		if len(a) > 3 {
			if limit := int64(runtime.ToInt(a[3])); limit >= 0 && limit < n {
				n = limit
			}
		}
		return int64(len(s)) + mul(n, int64(len(repl)))
	},
	"split":      splitSize,
	"splitAfter": splitSize,
	"upper":      caseSize,
	"lower":      caseSize,
	"string":     func(a []any) int64 { return mul(sizeOf(a[0], math.MaxInt64, false), 2) },
	// encoding/json holds the value, its indented copy and the string.
	"toJSON":     func(a []any) int64 { return mul(sizeOf(a[0], math.MaxInt64, true), 3) },
	"fromJSON":   func(a []any) int64 { s, _ := a[0].(string); return mul(int64(len(s)), 8) },
	"toBase64":   func(a []any) int64 { s, _ := a[0].(string); return (int64(len(s)) + 2) / 3 * 4 },
	"fromBase64": func(a []any) int64 { s, _ := a[0].(string); return int64(len(s)) },
	"concat": func(a []any) int64 {
		var n int64
		for _, x := range a {
			n += int64(lenOf(x))
		}
		return mul(n, 16)
	},
	"flatten": func(a []any) int64 { return mul(countElems(a[0], math.MaxInt64/16), 16) },
	"reverse": listSize, "uniq": listSize, "sort": listSize, "keys": listSize, "values": listSize,
	"toPairs":   func(a []any) int64 { return mul(int64(lenOf(a[0])), 64) },
	"fromPairs": listSize, "take": listSize, "median": listSize,
}

func listSize(a []any) int64 { return mul(int64(lenOf(a[0])), 16) }

func caseSize(a []any) int64 {
	s, _ := a[0].(string)
	return int64(len(s))*3/2 + 1 // a rune's case may take one byte more
}

func splitSize(a []any) int64 {
	s, _ := a[0].(string)
	sep, _ := a[1].(string)
	parts := int64(strings.Count(s, sep)) + 1
	if sep == "" {
		parts = int64(utf8.RuneCountInString(s))
	}
	if len(a) > 2 {
		if limit := int64(runtime.ToInt(a[2])); limit >= 0 && limit < parts {
			parts = limit
		}
	}
	return mul(parts, 16)
}

func lenOf(v any) int {
	rv := reflect.ValueOf(derefAll(v))
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.String:
		return rv.Len()
	}
	return 0
}

func countElems(v any, limit int64) int64 {
	rv := reflect.ValueOf(derefAll(v))
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return 1
	}
	n := int64(rv.Len())
	for i := 0; i < rv.Len() && n < limit; i++ {
		n += countElems(rv.Index(i).Interface(), limit-n)
	}
	return n
}

func derefAll(v any) any {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return nil
	}
	return rv.Interface()
}

// sizeOf estimates the bytes of v written as JSON (with indentation when
// indented), stopping early once it passes limit.
func sizeOf(v any, limit int64, indented bool) int64 {
	s := sizer{limit: limit, indented: indented}
	s.add(v, 0)
	return s.n
}

type sizer struct {
	n, limit int64
	indented bool
}

func (s *sizer) add(v any, depth int64) {
	if s.n > s.limit {
		return
	}
	if s.indented {
		s.n += 2*depth + 1
	}
	switch x := v.(type) {
	case nil, bool, int, int64, float64:
		s.n += 8
	case string:
		s.n += jsonStringSize(x)
	case time.Time:
		s.n += 32
	case []any:
		s.n += 2
		for _, e := range x {
			if s.n > s.limit {
				return
			}
			s.add(e, depth+1)
		}
	case map[string]any:
		s.n += 2
		for k, e := range x {
			if s.n > s.limit {
				return
			}
			s.n += int64(len(k)) + 4
			s.add(e, depth+1)
		}
	case objectArray:
		s.n += 2
		for _, e := range x {
			if s.n > s.limit {
				return
			}
			s.add(e, depth+1)
		}
	case *Object:
		// As its map counts.
		s.n += 2
		for i, e := range x.vals {
			if s.n > s.limit {
				return
			}
			s.n += int64(len(x.keys.keys[i])) + 4
			s.add(e, depth+1)
		}
	case *Record:
		if x != nil {
			s.addRecord(x, depth)
		}
	case Record:
		s.addRecord(&x, depth)
	case []*Record:
		for _, r := range x {
			if s.n > s.limit {
				return
			}
			s.add(r, depth+1)
		}
	default:
		s.addReflect(reflect.ValueOf(v), depth)
	}
}

// jsonStringSize is an upper bound of the length of s as a JSON string:
// encoding/json writes some bytes as six (\u003c).
func jsonStringSize(s string) int64 {
	n := int64(len(s)) + 2
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= 0x80 {
			n += 5
		}
	}
	return n
}

func (s *sizer) addRecord(r *Record, depth int64) {
	s.n += 160 + int64(len(r.Path)+len(r.Name)+len(r.Stem)+len(r.Ext)+len(r.Dir)+len(r.Error))
	s.add(r.Data, depth+1)
}

func (s *sizer) addReflect(rv reflect.Value, depth int64) {
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !rv.IsNil() {
			s.add(rv.Elem().Interface(), depth)
			return
		}
	case reflect.String:
		s.n += jsonStringSize(rv.String())
		return
	case reflect.Slice, reflect.Array:
		s.n += 2
		for i := 0; i < rv.Len() && s.n <= s.limit; i++ {
			s.add(rv.Index(i).Interface(), depth+1)
		}
		return
	case reflect.Map:
		s.n += 2
		it := rv.MapRange()
		for it.Next() && s.n <= s.limit {
			s.add(it.Key().Interface(), depth+1)
			s.add(it.Value().Interface(), depth+1)
		}
		return
	case reflect.Struct:
		s.n += 2
		for i := 0; i < rv.NumField() && s.n <= s.limit; i++ {
			if rv.Type().Field(i).IsExported() {
				s.n += int64(len(rv.Type().Field(i).Name)) + 4
				s.add(rv.Field(i).Interface(), depth+1)
			}
		}
		return
	}
	s.n += 16
}

// limitOptions are the compile options that make the rewritten calls of
// limitPatch exist: __tick, __range, __add and a guarded twin of each
// builtin in guards, typed like the builtin with the budget in front.
func limitOptions() []expr.Option {
	budgetType := reflect.TypeOf((*budget)(nil))
	opts := []expr.Option{
		expr.Function("__tick", tick, new(func(*budget) bool)),
		expr.Function("__grow", grow, new(func(*budget) bool)),
		expr.Function("__range", func(args ...any) (any, error) {
			b, _ := args[0].(*budget)
			lo, hi := runtime.ToInt(args[1]), runtime.ToInt(args[2])
			n := int64(hi) - int64(lo) + 1
			if n < 0 {
				n = 0
			}
			if err := b.spend(mul(n, 8), fmt.Sprintf("the range %d..%d", lo, hi)); err != nil {
				return nil, err
			}
			return runtime.MakeRange(lo, hi), nil
		}, new(func(*budget, int, int) []int)),
		expr.Function("__add", func(args ...any) (any, error) {
			b, _ := args[0].(*budget)
			l, r := derefAll(args[1]), derefAll(args[2])
			ls, lok := l.(string)
			rs, rok := r.(string)
			if lok && rok {
				if err := b.spend(int64(len(ls))+int64(len(rs)), "adding strings"); err != nil {
					return nil, err
				}
				return ls + rs, nil
			}
			return runtime.Add(l, r), nil
		}, new(func(*budget, string, string) string), new(func(*budget, any, any) any)),
	}
	for name, size := range guards {
		orig := builtin.Builtins[builtin.Index[name]]
		guarded := &builtin.Function{
			Name: "__" + name,
			Func: func(args ...any) (any, error) {
				b, _ := args[0].(*budget)
				args = args[1:]
				if err := b.spend(size(args), name); err != nil {
					return nil, err
				}
				switch {
				case name == "uniq":
					return uniq(b, args)
				case orig.Fast != nil && len(args) == 1:
					return orig.Fast(args[0]), nil
				case orig.Safe != nil:
					out, _, err := orig.Safe(args...)
					return out, err
				}
				return orig.Func(args...)
			},
		}
		for _, t := range orig.Types {
			in := []reflect.Type{budgetType}
			for i := 0; i < t.NumIn(); i++ {
				in = append(in, t.In(i))
			}
			var out []reflect.Type
			for i := 0; i < t.NumOut(); i++ {
				out = append(out, t.Out(i))
			}
			guarded.Types = append(guarded.Types, reflect.FuncOf(in, out, t.IsVariadic()))
		}
		if orig.Validate != nil {
			guarded.Validate = func(args []reflect.Type) (reflect.Type, error) {
				if len(args) == 0 {
					return nil, fmt.Errorf("%s needs arguments", name)
				}
				return orig.Validate(args[1:])
			}
		}
		opts = append(opts, func(c *conf.Config) { c.Functions[guarded.Name] = guarded })
	}
	return opts
}

// uniq is expr's uniq (the first of each run of equal items, equal as ==
// says: 1 == 1.0) in linear time instead of quadratic: items are bucketed
// by a key that equal items share, and compared only within a bucket.
func uniq(b *budget, args []any) (any, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("invalid number of arguments (expected 1, got %d)", len(args))
	}
	v := reflect.ValueOf(derefAll(args[0]))
	if v.Kind() != reflect.Array && v.Kind() != reflect.Slice {
		return nil, fmt.Errorf("cannot uniq %s", v.Kind())
	}
	ret := []any{}
	buckets := map[any][]any{}
	for i := 0; i < v.Len(); i++ {
		if i%1024 == 0 {
			if err := b.checkTime(); err != nil {
				return nil, err
			}
		}
		item := v.Index(i).Interface()
		key := uniqKey(item)
		seen := false
		for j, other := range buckets[key] {
			if j%1024 == 1023 {
				if err := b.checkTime(); err != nil {
					return nil, err
				}
			}
			if runtime.Equal(item, other) {
				seen = true
				break
			}
		}
		if !seen {
			buckets[key] = append(buckets[key], item)
			ret = append(ret, item)
		}
	}
	return ret, nil
}

// uniqKey is a key that items equal under == share: a number's value as a
// float, a string or bool itself, a kind for the rest.
func uniqKey(item any) any {
	rv := reflect.ValueOf(item)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	}
	return rv.Kind()
}

// recordOverhead is what a record counts toward its source's bytes
// besides its file's size and path: its other fields.
const recordOverhead = 64

// SourceBytes is what a record counts toward the output limit of the
// fields that read its source (see OutputLimit). Only a file whose content
// the record holds counts its size: one not read (over max_file_size,
// format none, unreadable, stale) gives an expression nothing to make a
// big output from, and must not lift the limit.
func SourceBytes(r *Record) int64 {
	n := int64(len(r.Path)) + recordOverhead
	if r.Data != nil && !r.Stale {
		n += max(r.Size, 0)
	}
	return n
}

// OutputLimit is the output limit of a field whose sources' records count
// sourceBytes (see SourceBytes): MaxOutputBytes, or OutputPerSourceByte
// times sourceBytes when that is more.
func OutputLimit(sourceBytes int64) int64 {
	return max(MaxOutputBytes, mul(sourceBytes, OutputPerSourceByte))
}

// CheckOutputSize fails, as a field's evaluation does, for a value of
// size bytes (see OutputSize) over the output limit of a field whose
// records count sourceBytes: for values computed outside expr.
func CheckOutputSize(size, sourceBytes int64) error {
	if size > OutputLimit(sourceBytes) {
		return errOutputLimit
	}
	return nil
}

var errOutputLimit = fmt.Errorf("the value is over the output limit of one field (%s, or %d times the bytes of the files it reads)", sizeText(MaxOutputBytes), OutputPerSourceByte)

// checkOutput fails a value of f too large to send. The records f reads
// in env are counted only for a value over MaxOutputBytes.
func (f *Field) checkOutput(v any, env map[string]any) error {
	if sizeOf(v, MaxOutputBytes, false) <= MaxOutputBytes {
		return nil
	}
	n := f.sourceBytes(env)
	return CheckOutputSize(sizeOf(v, OutputLimit(n), false), n)
}

// sourceBytes is what the records of the sources f reads in env count
// (see SourceBytes).
func (f *Field) sourceBytes(env map[string]any) int64 {
	sources := f.Sources
	if f.OutputSources != nil {
		sources = f.OutputSources
	}
	var n int64
	for _, s := range sources {
		switch x := env[s].(type) {
		case *Record:
			if x != nil {
				n += SourceBytes(x)
			}
		case []*Record:
			for _, r := range x {
				n += SourceBytes(r)
			}
		case *Chunks[*Record]:
			for _, r := range x.All() {
				n += SourceBytes(r)
			}
		}
	}
	return n
}
