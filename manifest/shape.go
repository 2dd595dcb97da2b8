package manifest

import (
	"slices"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// Shape is what is known before any data is read about the structure of a
// field's value, enough to check a template's placeholders against it:
// the keys of an object, and the shape of a list's items. A nil *Shape, or
// nil Keys, means unknown (anything may be there).
type Shape struct {
	Keys []string // keys of an object value, in the order written
	List bool     // the value is a list
	Item *Shape   // shape of every item of a list value; nil when not known
}

// recordShape is the shape of a source record.
var recordShape = &Shape{Keys: recordKeys}

// shapeOf works out the shape of a field's expression from its syntax:
// record lists and records of sources, map literals, and the builtins that
// keep or pick items (filter, sortBy, first, ...) or make them (map).
func shapeOf(src string, m *Manifest) *Shape {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil
	}
	return shapeNode(tree.Node, m, nil)
}

func shapeNode(n ast.Node, m *Manifest, item *Shape) *Shape {
	switch n := n.(type) {
	case *ast.IdentifierNode:
		for _, s := range m.Sources {
			if s.Name == n.Value {
				if s.IsFile() {
					return recordShape
				}
				return &Shape{List: true, Item: recordShape}
			}
		}
	case *ast.PointerNode:
		if n.Name == "" {
			return item
		}
	case *ast.MapNode:
		sh := &Shape{Keys: []string{}}
		for _, p := range n.Pairs {
			pair, ok := p.(*ast.PairNode)
			if !ok {
				return nil
			}
			k, ok := pair.Key.(*ast.StringNode)
			if !ok {
				return nil // a computed key: anything may be there
			}
			sh.Keys = append(sh.Keys, k.Value)
		}
		return sh
	case *ast.ArrayNode:
		if len(n.Nodes) == 0 {
			return &Shape{List: true}
		}
		first := shapeNode(n.Nodes[0], m, item)
		for _, e := range n.Nodes[1:] {
			if !sameShape(first, shapeNode(e, m, item)) {
				return &Shape{List: true}
			}
		}
		return &Shape{List: true, Item: first}
	case *ast.ConditionalNode:
		a, b := shapeNode(n.Exp1, m, item), shapeNode(n.Exp2, m, item)
		if sameShape(a, b) {
			return a
		}
	case *ast.VariableDeclaratorNode:
		return shapeNode(n.Expr, m, item)
	case *ast.SequenceNode:
		if len(n.Nodes) > 0 {
			return shapeNode(n.Nodes[len(n.Nodes)-1], m, item)
		}
	case *ast.PredicateNode:
		return shapeNode(n.Node, m, item)
	case *ast.BuiltinNode:
		if len(n.Arguments) == 0 {
			return nil
		}
		in := shapeNode(n.Arguments[0], m, item)
		var elem *Shape
		if in != nil {
			elem = in.Item
		}
		switch n.Name {
		case "map":
			if len(n.Arguments) == 2 {
				return &Shape{List: true, Item: shapeNode(n.Arguments[1], m, elem)}
			}
		case "filter", "sortBy", "sort", "reverse", "take", "uniq", "concat":
			if in != nil && in.List {
				return &Shape{List: true, Item: elem}
			}
		case "first", "last", "find", "findLast":
			return elem
		}
	}
	return nil
}

func sameShape(a, b *Shape) bool {
	if a == nil || b == nil {
		return a == b
	}
	return slices.Equal(a.Keys, b.Keys) && (a.Keys == nil) == (b.Keys == nil) && a.List == b.List && sameShape(a.Item, b.Item)
}
