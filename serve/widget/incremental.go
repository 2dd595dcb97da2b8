package widget

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/parser"

	"github.com/syft-widget/syft-widget/manifest"
)

// Incremental evaluates a manifest's fields so that a change costs what it
// changes. In every field it recognises the collection builtins applied to a
// glob source (filter, map, count, sum, len, all/any/none/one, find,
// groupBy, sortBy/sort, min/max, mean, median, uniq, and their
// compositions) and keeps, for each of them, the closure results of every
// record: an evaluation re-runs the closures of the records that changed
// since the last one, and updates the aggregate from the difference. What
// is left of the expression runs in expr as before, over the aggregates.
//
// The result is always the one a fresh evaluation gives: where a closure
// fails for some record, or an aggregate cannot be kept exactly, the field
// is evaluated afresh. Expressions it does not recognise are evaluated
// afresh too. An Incremental serves one evaluation at a time.
type Incremental struct {
	m     *manifest.Manifest
	plans map[*manifest.Field]*plan
	diffs map[string]*diff // by source: the last change seen, shared by its parts
	fresh int              // evaluations of a planned field that fell back to a fresh one
	// Syncs of a part that applied the edits of files added or removed,
	// and that merged two lists of records instead (for tests).
	edits, merges int
}

// diff says which records of a source changed from one snapshot to the
// next, when the paths stayed the same (files changed in place, the common
// case): it is worked out once, not by every part over the source.
type diff struct {
	from, to *manifest.Chunks[*manifest.Record]
	changed  []int // indices of replaced records
	ok       bool  // the paths are the same
}

// diffOf returns the diff of src from the records a part last saw to recs.
// Versions made by a change in place share their untouched chunks, which
// are not compared: the cost is that of the change.
func (in *Incremental) diffOf(src string, from, to *manifest.Chunks[*manifest.Record]) *diff {
	if d := in.diffs[src]; d != nil && d.from == from && d.to == to {
		return d
	}
	d := &diff{from: from, to: to}
	d.changed, d.ok = to.Changed(from, func(a, b *manifest.Record) bool { return a == b })
	for _, i := range d.changed {
		if from.At(i).Path != to.At(i).Path {
			d.ok, d.changed = false, nil
			break
		}
	}
	in.diffs[src] = d
	return d
}

// plan is how one field is evaluated: its recognised parts, and the rest of
// the expression with the parts replaced by their values.
type plan struct {
	parts []*part
	names []string        // the placeholder of each part in rest
	rest  *manifest.Field // nil when the field is parts[0] itself
}

// NewIncremental prepares the incremental evaluation of m's fields.
func NewIncremental(m *manifest.Manifest) *Incremental {
	in := &Incremental{m: m, plans: map[*manifest.Field]*plan{}, diffs: map[string]*diff{}}
	for _, ep := range m.Endpoints {
		for _, f := range ep.Fields {
			if p := planField(m, f); p != nil {
				in.plans[f] = p
			}
		}
	}
	return in
}

// Covers reports whether some part of f is evaluated incrementally.
func (in *Incremental) Covers(f *manifest.Field) bool { return in.plans[f] != nil }

// Eval evaluates every field of the endpoint in env (from Manifest.Env), as
// ep.Eval does, with the same results.
func (in *Incremental) Eval(ep *manifest.Endpoint, env map[string]any) (fields map[string]any, errs map[string]string) {
	fields = make(map[string]any, len(ep.Fields))
	for _, f := range ep.Fields {
		v, err := in.EvalField(f, env)
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

// EvalField evaluates one field in env, as f.Eval does, with the same
// result. In env a glob source's records may be a
// *manifest.Chunks[*manifest.Record] (see sourceEnv): the parts read it as
// it is, and it is flattened only for an expression that reads the records
// themselves.
func (in *Incremental) EvalField(f *manifest.Field, env map[string]any) (any, error) {
	p := in.plans[f]
	if p == nil {
		return f.Eval(plainEnv(f, env))
	}
	title, _ := env["title"].(string)
	// Every part is brought up to date, even when one of them makes the
	// field fall back: a part left behind would merge the records later.
	for _, pt := range p.parts {
		recs, ok := recordList(env[pt.src])
		if !ok {
			return f.Eval(plainEnv(f, env))
		}
		pt.sync(recs, title, in)
	}
	vals := make([]any, len(p.parts))
	for i, pt := range p.parts {
		v, ok := pt.value()
		if !ok {
			// Some closure failed, or the aggregate cannot be kept exactly:
			// a fresh evaluation gives the right value and message.
			in.fresh++
			return f.Eval(plainEnv(f, env))
		}
		vals[i] = v
	}
	if p.rest == nil {
		pt := p.parts[0]
		if err := pt.checkOutput(); err != nil {
			return nil, err
		}
		return pt.plainValue(), nil
	}
	for i, name := range p.names {
		env[name] = vals[i]
	}
	defer func() {
		for _, name := range p.names {
			delete(env, name)
		}
	}()
	return p.rest.Eval(plainEnv(p.rest, env))
}

// sourceEnv is m.Env(snap) with the glob sources' records left as the
// cache gives them, Chunks, so that a change does not cost a flat copy of
// every record (see EvalField).
func sourceEnv(m *manifest.Manifest, snap map[string]any) map[string]any {
	env := m.Env(nil)
	maps.Copy(env, snap)
	return env
}

// plainEnv returns env with the record lists f reads as plain slices, as
// expressions need them: a copy when one was a Chunks, env itself otherwise.
func plainEnv(f *manifest.Field, env map[string]any) map[string]any {
	var out map[string]any
	for _, s := range f.Sources {
		if c, ok := env[s].(*manifest.Chunks[*manifest.Record]); ok {
			if out == nil {
				out = maps.Clone(env)
			}
			out[s] = c.Slice()
		}
	}
	if out == nil {
		return env
	}
	return out
}

// recordList reads a glob source's records from an env.
func recordList(v any) (*manifest.Chunks[*manifest.Record], bool) {
	switch x := v.(type) {
	case *manifest.Chunks[*manifest.Record]:
		return x, true
	case []*manifest.Record:
		// From Manifest.Env: right, but no version shares anything with
		// the one before, so a change costs the whole list.
		return manifest.NewChunks(x), true
	}
	return nil, false
}

const placeholderPrefix = "__inc"

// planField recognises the incremental parts of f; nil when there are none
// (or the rest of the expression does not compile on its own).
func planField(m *manifest.Manifest, f *manifest.Field) *plan {
	tree, err := parser.Parse(f.Expr)
	if err != nil {
		return nil
	}
	r := &recognizer{m: m, globs: map[string]bool{}, parts: map[string]*part{}}
	for _, s := range m.Sources {
		if !s.IsFile() {
			r.globs[s.Name] = true
		}
	}
	// A let may give a source's name to something else.
	ast.Walk(&tree.Node, visitFunc(func(n *ast.Node) {
		if v, ok := (*n).(*ast.VariableDeclaratorNode); ok {
			delete(r.globs, v.Name)
		}
	}))
	ast.Walk(&tree.Node, r)
	if r.failed {
		return nil
	}
	p := &plan{}
	if id, ok := tree.Node.(*ast.IdentifierNode); ok && r.parts[id.Value] != nil {
		whole := r.parts[id.Value]
		whole.plainElements = (whole.agg == aggList || whole.agg == aggSort) && !whole.sliced
		p.parts = []*part{whole}
		return p
	}
	// The parts the rest still mentions (the others were absorbed into
	// larger ones).
	extra := map[string]any{}
	ast.Walk(&tree.Node, visitFunc(func(n *ast.Node) {
		if id, ok := (*n).(*ast.IdentifierNode); ok && r.parts[id.Value] != nil {
			if _, seen := extra[id.Value]; !seen {
				extra[id.Value] = manifest.Unknown
				p.names = append(p.names, id.Value)
				p.parts = append(p.parts, r.parts[id.Value])
			}
		}
	}))
	if len(p.parts) == 0 {
		return nil
	}
	rest, err := m.CompilePart(source(&tree.Node), extra)
	if err != nil {
		return nil
	}
	rest.OutputSources = f.Sources // its output limit is the field's
	p.rest = rest
	return p
}

// source prints n as expr code that compiles to the same program. expr's
// printer writes a whole float as an int (2.0 as 2), which would make
// 2.0 * x an int: such floats are written with their point.
func source(n *ast.Node) string {
	var floats []*ast.Node
	var saved []ast.Node
	ast.Walk(n, visitFunc(func(m *ast.Node) {
		f, ok := (*m).(*ast.FloatNode)
		if !ok {
			return
		}
		s := strconv.FormatFloat(f.Value, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eIN") {
			floats, saved = append(floats, m), append(saved, *m)
			*m = &ast.IdentifierNode{Value: s + ".0"}
		}
	}))
	code := (*n).String()
	for i, m := range floats {
		*m = saved[i]
	}
	return code
}

type visitFunc func(*ast.Node)

func (f visitFunc) Visit(n *ast.Node) { f(n) }

// recognizer replaces, bottom up, every recognised part of an expression by
// a placeholder identifier; a chain of filter and map grows as the walk
// goes up through it, and an aggregate over a chain absorbs it.
type recognizer struct {
	m      *manifest.Manifest
	globs  map[string]bool
	parts  map[string]*part
	failed bool
}

func (r *recognizer) Visit(node *ast.Node) {
	if r.slice(node) {
		return
	}
	b, ok := (*node).(*ast.BuiltinNode)
	if !ok || len(b.Arguments) == 0 || b.Map != nil {
		return
	}
	base := r.chain(b.Arguments[0])
	if base == nil {
		return
	}
	args := b.Arguments
	var p *part
	switch b.Name {
	case "filter", "map":
		if len(args) != 2 {
			return
		}
		fn := r.closure(args[1], base)
		if fn == nil {
			return
		}
		p = base.clone()
		p.stages = append(p.stages, stage{filter: b.Name == "filter", fn: fn})
	case "len":
		if len(args) != 1 {
			return
		}
		p = base.aggregate(aggLen, nil)
	case "count", "sum":
		kind := map[string]aggKind{"count": aggCount, "sum": aggSum}[b.Name]
		switch len(args) {
		case 1:
			p = base.aggregate(kind, nil)
		case 2:
			fn := r.closure(args[1], base)
			if fn == nil {
				return
			}
			p = base.aggregate(kind, fn)
		default:
			return
		}
	case "any", "all", "none", "one", "find", "groupBy":
		if len(args) != 2 {
			return
		}
		fn := r.closure(args[1], base)
		if fn == nil {
			return
		}
		kind := map[string]aggKind{"any": aggAny, "all": aggAll, "none": aggNone, "one": aggOne, "find": aggFind, "groupBy": aggGroupBy}[b.Name]
		p = base.aggregate(kind, fn)
	case "sortBy":
		if len(args) != 2 && len(args) != 3 {
			return
		}
		desc, ok := order(args[2:])
		fn := r.closure(args[1], base)
		if !ok || fn == nil {
			return
		}
		p = base.aggregate(aggSort, fn)
		p.desc = desc
	case "sort":
		if len(args) != 1 && len(args) != 2 {
			return
		}
		desc, ok := order(args[1:])
		if !ok {
			return
		}
		p = base.aggregate(aggSort, nil)
		p.desc = desc
	case "mean", "median", "min", "max", "uniq":
		if len(args) != 1 {
			return
		}
		fn := builtin.Builtins[builtin.Index[b.Name]]
		if fn.Func == nil {
			return
		}
		p = base.aggregate(aggCall, nil)
		p.call, p.callName = fn.Func, b.Name
	default:
		return
	}
	r.add(node, p)
}

// add replaces node by a placeholder for p.
func (r *recognizer) add(node *ast.Node, p *part) {
	name := fmt.Sprintf("%s%d", placeholderPrefix, len(r.parts))
	r.parts[name] = p
	*node = &ast.IdentifierNode{Value: name}
}

// order reads the optional order argument of sort and sortBy: it must be
// written as "asc" or "desc".
func order(args []ast.Node) (desc, ok bool) {
	if len(args) == 0 {
		return false, true
	}
	s, isString := args[0].(*ast.StringNode)
	if !isString || (s.Value != "asc" && s.Value != "desc") {
		return false, false
	}
	return s.Value == "desc", true
}

// chain returns a fresh copy of the list part n stands for: a glob source
// itself, or a placeholder of a filter/map chain; nil otherwise.
func (r *recognizer) chain(n ast.Node) *part {
	id, ok := n.(*ast.IdentifierNode)
	if !ok {
		return nil
	}
	if r.globs[id.Value] {
		return &part{src: id.Value}
	}
	if p := r.parts[id.Value]; p != nil && p.agg == aggList {
		return p.clone()
	}
	return nil
}

// closure compiles the body of a predicate argument as an expression of its
// element, named __it; nil when the body reads anything but its element,
// the title and the helpers (another element's pointer, a source, a part,
// the clock), since its result could then change when its record did not.
func (r *recognizer) closure(arg ast.Node, base *part) *manifest.Field {
	pred, ok := arg.(*ast.PredicateNode)
	if !ok {
		return nil
	}
	inner := map[ast.Node]bool{}
	ast.Walk(&pred.Node, visitFunc(func(n *ast.Node) {
		if p, ok := (*n).(*ast.PredicateNode); ok {
			ast.Walk(&p.Node, visitFunc(func(m *ast.Node) {
				if _, ok := (*m).(*ast.PointerNode); ok {
					inner[*m] = true
				}
			}))
		}
	}))
	var slots []*ast.Node
	bad := false
	ast.Walk(&pred.Node, visitFunc(func(n *ast.Node) {
		switch x := (*n).(type) {
		case *ast.PointerNode:
			if inner[x] {
				return
			}
			if x.Name != "" {
				bad = true // #index, #acc: not a function of the element alone
				return
			}
			slots = append(slots, n)
		case *ast.IdentifierNode:
			if r.globs[x.Value] || r.parts[x.Value] != nil || strings.HasPrefix(x.Value, "__") {
				bad = true
			}
		}
	}))
	if bad {
		return nil
	}
	it := &ast.IdentifierNode{Value: "__it"}
	saved := make([]ast.Node, len(slots))
	for i, s := range slots {
		saved[i], *s = *s, it
	}
	code := source(&pred.Node)
	for i, s := range slots {
		*s = saved[i]
	}
	var elem any = manifest.Unknown // the element of a mapped chain
	if !base.mapped() {
		elem = &manifest.Record{}
	}
	f, err := r.m.CompilePart(code, map[string]any{"__it": elem})
	if err != nil || f.UsesNow || slices.ContainsFunc(f.Sources, func(s string) bool { return s != "__it" }) {
		return nil
	}
	return f
}
