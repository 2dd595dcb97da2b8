package manifest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
	"go.yaml.in/yaml/v3"
)

// Limits that keep one expression from taking a server down.
const (
	MaxExprLen   = 16 << 10 // characters of one expression
	MaxExprNodes = 5000     // AST nodes of one expression
	// MemoryBudget bounds the elements one evaluation may produce, in expr's
	// units (one per element of a list or map it makes); enough for 100
	// passes of map/filter over 100,000 records, not for runaway loops. The
	// bytes of strings and lists are bounded by MaxEvalBytes (limits.go).
	MemoryBudget = 10_000_000
)

func isBuiltin(name string) bool {
	_, ok := builtin.Index[name]
	return ok || name == "now" || name == "date" || name == "duration"
}

// compileEnv is the type environment expressions are checked against: each
// source as a list of records or one record, and the title.
func compileEnv(m *Manifest) map[string]any {
	env := map[string]any{"title": "", budgetName: (*budget)(nil)}
	for _, s := range m.Sources {
		if s.IsFile() {
			env[s.Name] = &Record{}
		} else {
			env[s.Name] = []*Record{}
		}
	}
	return env
}

var helpers = []expr.Option{
	expr.Function("ago", func(args ...any) (any, error) {
		t, ok := AsTime(args[0])
		if !ok {
			return nil, fmt.Errorf("ago needs a time, got %T", args[0])
		}
		return Ago(t, time.Now()), nil
	}, new(func(time.Time) string), new(func(string) string), new(func(any) string)),
	expr.Function("basename", func(args ...any) (any, error) {
		s, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("basename needs a string, got %T", args[0])
		}
		return path.Base(s), nil
	}, new(func(string) string)),
	expr.Function("dirname", func(args ...any) (any, error) {
		s, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("dirname needs a string, got %T", args[0])
		}
		return path.Dir(s), nil
	}, new(func(string) string)),
}

// AsTime reads a time: a time.Time, an RFC 3339 string (or "2006-01-02
// 15:04:05", "2006-01-02"), or unix seconds; numbers above 1e11, which as
// seconds would lie beyond the year 5000, are milliseconds, as JavaScript
// writes them.
func AsTime(v any) (time.Time, bool) {
	var n float64
	switch t := v.(type) {
	case time.Time:
		return t, !t.IsZero()
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02"} {
			if p, err := time.Parse(layout, strings.TrimSpace(t)); err == nil {
				return p, true
			}
		}
		return time.Time{}, false
	case int:
		n = float64(t)
	case int64:
		n = float64(t)
	case float64:
		n = t
	default:
		return time.Time{}, false
	}
	if math.IsNaN(n) || math.IsInf(n, 0) {
		return time.Time{}, false
	}
	if math.Abs(n) > 1e11 {
		n /= 1000
	}
	sec, frac := math.Modf(n)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

// Ago says how long before now t was, the way people say it: "just now"
// (under 10 s), "42 s ago", "5 min ago", "3 h ago", "2 days ago", and the
// date past 30 days; times ahead of now read "in 5 min".
func Ago(t, now time.Time) string {
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < 10*time.Second:
		return "just now"
	case d < time.Minute:
		s = fmt.Sprintf("%d s", int(d/time.Second))
	case d < time.Hour:
		s = fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 24*time.Hour:
		s = fmt.Sprintf("%d h", int(d/time.Hour))
	case d < 30*24*time.Hour:
		n := int(d / (24 * time.Hour))
		s = fmt.Sprintf("%d days", n)
		if n == 1 {
			s = "1 day"
		}
	default:
		return t.Local().Format("2006-01-02")
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// compile compiles and type-checks f against env and records which sources
// it reads and whether it calls now().
func (f *Field) compile(env map[string]any, m *Manifest) error {
	if len(f.Expr) > MaxExprLen {
		return fmt.Errorf("expression is %d characters, over the limit of %d", len(f.Expr), MaxExprLen)
	}
	if strings.TrimSpace(f.Expr) == "" {
		return errors.New("expression is empty")
	}
	opts := append([]expr.Option{expr.Env(checkerEnv(env)), expr.MaxNodes(MaxExprNodes)}, helpers...)
	opts = append(opts, syftboxHelpers...)
	opts = append(opts, limitOptions()...)
	opts = append(opts, nilSafe...)
	var reserved string
	// nilSafePatch comes last: it adds the budget, which limitPatch would
	// take for a name the user wrote.
	prog, err := expr.Compile(f.Expr, append(opts, expr.Patch(limitPatch{reserved: &reserved}), expr.Patch(nilSafePatch{}))...)
	if err != nil {
		return err
	}
	if reserved != "" {
		return fmt.Errorf("%s is reserved: names starting with __ belong to syft-widget", reserved)
	}
	// Which `+` adds strings is known only once types are checked, and
	// errors should name what the user wrote: an expression that allocates
	// is compiled again with its allocations guarded.
	if need, adds := guarded(prog.Node()); need {
		if prog, err = expr.Compile(f.Expr, append(opts, expr.Patch(limitPatch{guard: true, adds: adds}), expr.Patch(nilSafePatch{}))...); err != nil {
			return err
		}
	}
	f.Program = prog
	uses := map[string]bool{}
	ast.Walk(ptr(prog.Node()), &usage{env: env, uses: uses, now: &f.UsesNow})
	for s := range uses {
		f.Sources = append(f.Sources, s)
	}
	sort.Strings(f.Sources)
	return nil
}

func ptr(n ast.Node) *ast.Node { return &n }

type usage struct {
	env  map[string]any
	uses map[string]bool
	now  *bool
}

func (u *usage) Visit(n *ast.Node) {
	switch n := (*n).(type) {
	case *ast.IdentifierNode:
		if _, ok := u.env[n.Value]; ok && n.Value != "title" && n.Value != budgetName {
			u.uses[n.Value] = true
		}
		if n.Value == "$env" { // every name, by any key
			for name := range u.env {
				if name != "title" && name != budgetName {
					u.uses[name] = true
				}
			}
		}
	case *ast.CallNode:
		// ago() reads the clock too: its answer changes as time passes.
		if id, ok := n.Callee.(*ast.IdentifierNode); ok && (id.Value == "now" || id.Value == "ago") {
			*u.now = true
		}
	case *ast.BuiltinNode:
		if n.Name == "now" {
			*u.now = true
		}
	}
}

// exprError reports a compile error at its position inside the YAML file.
func (l *loader) exprError(v *yaml.Node, f *Field, err error) {
	var fe *file.Error
	if errors.As(err, &fe) {
		line := fe.Line
		if line < 1 {
			line = 1
		}
		pos := l.filePos(v, line, fe.Column)
		msg := strings.ReplaceAll(fe.Message, "type *manifest.Record", "a record")
		msg = strings.ReplaceAll(msg, "type manifest.Record", "a record")
		msg = strings.TrimSpace(msg)
		if hint := exprHint(msg, f.Expr, line, fe.Column, l.m); hint != "" {
			msg += "; " + hint
		}
		l.errs = append(l.errs, Error{File: l.file, Pos: pos, Msg: fmt.Sprintf("field %s: %s", f.Name, msg)})
		return
	}
	l.errs = append(l.errs, Error{File: l.file, Pos: f.Pos, Msg: fmt.Sprintf("field %s: %v", f.Name, err)})
}

// Env is the environment expressions run in: the snapshot of the sources
// (name -> []*Record or *Record) and the title. A source's records given as
// *Chunks[*Record] are flattened (once per version: see Chunks.Slice).
func (m *Manifest) Env(snapshot map[string]any) map[string]any {
	env := make(map[string]any, len(snapshot)+1)
	for k, v := range snapshot {
		if c, ok := v.(*Chunks[*Record]); ok {
			v = c.Slice()
		}
		env[k] = v
	}
	for _, s := range m.Sources {
		if _, ok := env[s.Name]; !ok {
			if s.IsFile() {
				env[s.Name] = &Record{Path: s.File}
			} else {
				env[s.Name] = []*Record{}
			}
		}
	}
	env["title"] = m.Title
	return env
}

// Eval runs the field in env and returns its value as plain data (see Plain).
// It sets the field's time budget in env, so one env serves one Eval at a
// time.
func (f *Field) Eval(env map[string]any) (any, error) {
	v, err := f.Run(env)
	if err != nil {
		return nil, err
	}
	return Plain(v), nil
}

// Run evaluates f in env like Eval, but returns expr's own value, not its
// plain form: records stay records, so that further expressions see what
// the whole field would have seen.
func (f *Field) Run(env map[string]any) (v any, err error) {
	v, err = f.run(&vm.VM{MemoryBudget: MemoryBudget}, env)
	if err != nil {
		return nil, err
	}
	if err := f.checkOutput(v, env); err != nil {
		return nil, err
	}
	return v, nil
}

// run evaluates f in env on machine, without checking the output's size.
func (f *Field) run(machine *vm.VM, env map[string]any) (v any, err error) {
	defer func() {
		// expr recovers its own panics; this guards our helpers and conversions.
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("%v", r)
		}
	}()
	env[budgetName] = newBudget()
	out, err := machine.Run(f.Program, env)
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			if fe.Message == "memory budget exceeded" { // expr's own count
				return nil, fmt.Errorf("the evaluation made more than %d list elements, over the limit of one evaluation", MemoryBudget)
			}
			return nil, errors.New(runtimeHint(fe.Message))
		}
		return nil, err
	}
	return out, nil
}

// Eval evaluates every field of the endpoint. A field that fails is nil in
// fields and has its message in errs; the others are unaffected.
func (e *Endpoint) Eval(env map[string]any) (fields map[string]any, errs map[string]string) {
	fields = make(map[string]any, len(e.Fields))
	for _, f := range e.Fields {
		v, err := f.Eval(env)
		if err != nil {
			if errs == nil {
				errs = map[string]string{}
			}
			errs[f.Name] = err.Error()
		}
		fields[f.Name] = v
	}
	return fields, errs
}

// Plain converts an expression result to plain data that both JSON and the
// renderer understand: nil, bool, int, float64, string, time.Time, []any and
// map[string]any. Objects and records become maps with their JSON keys, durations
// strings, non-finite floats nil, JSON numbers numbers, bytes and errors
// text, other structs maps by their JSON names.
func Plain(v any) any {
	switch x := v.(type) {
	case nil, bool, int, string, time.Time:
		return x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	case *Record:
		if x == nil {
			return nil
		}
		return x.plain()
	case Record:
		return x.plain()
	case []*Record:
		out := make([]any, len(x))
		for i, r := range x {
			out[i] = Plain(r)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Plain(e)
		}
		return out
	case objectArray:
		return Plain([]any(x))
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Plain(e)
		}
		return out
	case *Object:
		if x == nil {
			return nil
		}
		out := make(map[string]any, len(x.vals))
		for i, k := range x.keys.all() {
			out[k] = Plain(x.vals[i])
		}
		return out
	case time.Duration:
		return x.String()
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return Plain(i)
		}
		if f, err := x.Float64(); err == nil {
			return Plain(f)
		}
		return x.String()
	case []byte:
		return string(x)
	case error:
		return x.Error()
	case fmt.Stringer:
		if reflect.ValueOf(x).Kind() != reflect.Struct && reflect.ValueOf(x).Kind() != reflect.Pointer {
			return x.String()
		}
	}
	return plainReflect(reflect.ValueOf(v))
}

func plainReflect(rv reflect.Value) any {
	switch rv.Kind() {
	case reflect.Invalid:
		return nil
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil
		}
		return Plain(rv.Elem().Interface())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u > math.MaxInt64 {
			return float64(u)
		}
		return int(u)
	case reflect.Float32, reflect.Float64:
		return Plain(rv.Float())
	case reflect.Bool:
		return rv.Bool()
	case reflect.String:
		return rv.String()
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = Plain(rv.Index(i).Interface())
		}
		return out
	case reflect.Map:
		out := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			k := fmt.Sprint(it.Key().Interface())
			if _, clash := out[k]; clash {
				return plainClashingKeys(rv)
			}
			out[k] = Plain(it.Value().Interface())
		}
		return out
	case reflect.Struct:
		out := map[string]any{}
		t := rv.Type()
		for i := 0; i < t.NumField(); i++ {
			if sf := t.Field(i); sf.IsExported() {
				name := sf.Name
				if tag := strings.Split(sf.Tag.Get("json"), ",")[0]; tag != "" && tag != "-" {
					name = tag
				}
				out[name] = Plain(rv.Field(i).Interface())
			}
		}
		return out
	}
	return fmt.Sprint(rv.Interface())
}

// plainClashingKeys is Plain of a map two of whose keys read the same
// (groupBy's groups of 0 and 0.0): an object's keys are text, so their
// values are merged, lists joined and else the first kept, in the order of
// the keys' types, not in the map's order, which changes from run to run.
func plainClashingKeys(rv reflect.Value) map[string]any {
	type entry struct {
		key, typ string
		val      any
	}
	var es []entry
	for it := rv.MapRange(); it.Next(); {
		k := it.Key().Interface()
		es = append(es, entry{fmt.Sprint(k), fmt.Sprintf("%T", k), Plain(it.Value().Interface())})
	}
	slices.SortStableFunc(es, func(a, b entry) int {
		return cmp.Or(strings.Compare(a.key, b.key), strings.Compare(a.typ, b.typ))
	})
	out := make(map[string]any, len(es))
	for _, e := range es {
		was, clash := out[e.key]
		if !clash {
			out[e.key] = e.val
			continue
		}
		a, ok := was.([]any)
		b, ok2 := e.val.([]any)
		if ok && ok2 {
			out[e.key] = append(slices.Clip(a), b...)
		}
	}
	return out
}

func (r *Record) plain() map[string]any {
	m := map[string]any{
		"path": r.Path, "name": r.Name, "stem": r.Stem, "ext": r.Ext, "dir": r.Dir,
		"size": int(r.Size), "mtime": r.Mtime, "exists": r.Exists, "data": Plain(r.Data), "error": r.Error,
		"stale": r.Stale,
	}
	addSyncState(m, r)
	return m
}
