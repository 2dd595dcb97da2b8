package widget

import (
	"github.com/expr-lang/expr/ast"

	"github.com/syft-widget/syft-widget/manifest"
)

// A sort cut to its first elements (sortBy(...)[:20], take(sort(...), 5))
// shows a few elements of many: its part keeps, per record, the sort key
// and the record, not the element, and maps only the records it shows
// when asked for its value. Closures are pure functions of their record
// and the title, so mapping a record again gives the element it gave.

// slice recognises a constant slice of a sort part (x[a:b], x[:b], take(x,
// b), with constant a, b >= 0) and replaces it by a part of its own.
func (r *recognizer) slice(node *ast.Node) bool {
	var base ast.Node
	var from, to ast.Node
	switch n := (*node).(type) {
	case *ast.SliceNode:
		base, from, to = n.Node, n.From, n.To
	case *ast.BuiltinNode:
		if n.Name != "take" || len(n.Arguments) != 2 || n.Map != nil {
			return false
		}
		base, to = n.Arguments[0], n.Arguments[1]
	default:
		return false
	}
	id, ok := base.(*ast.IdentifierNode)
	if !ok {
		return false
	}
	p := r.parts[id.Value]
	if p == nil || p.agg != aggSort || p.sliced {
		return false
	}
	a, okA := constIndex(from, 0)
	b, okB := constIndex(to, -1)
	if !okA || !okB || b < 0 {
		return false
	}
	q := p.aggregate(aggSort, p.fn)
	q.desc, q.sliced, q.from, q.to = p.desc, true, a, b
	r.add(node, q)
	return true
}

// constIndex reads a slice bound written as a non-negative integer; a
// missing one is def.
func constIndex(n ast.Node, def int) (int, bool) {
	if n == nil {
		return def, true
	}
	i, ok := n.(*ast.IntegerNode)
	return i.Value, ok && i.Value >= 0
}

// topElements is the value of a sliced sort: the elements of the records
// in places from to to of the order, mapped now.
func (p *part) topElements() ([]any, bool) {
	var recs []any
	p.sorted.keep = p.to + topExtra
	if p.sorted.ok && (!p.sorted.partial || p.sorted.n >= p.to) {
		recs = p.sorted.slice(p.from, p.to)
	} else {
		all := p.sortedElements() // the records, sorted as their elements would be
		b := min(p.to, len(all))
		recs = all[min(p.from, b):b]
	}
	out := make([]any, 0, len(recs))
	for _, r := range recs {
		v, in, err := p.chainValue(&p.ce, r.(*manifest.Record))
		if err != nil || !in {
			return nil, false // cannot be: the closures gave it before
		}
		out = append(out, v)
	}
	return out, true
}
