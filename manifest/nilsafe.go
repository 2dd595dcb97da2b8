package manifest

import (
	"reflect"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"
)

// The helpers of nilSafePatch: member access whose value is used (__get)
// or is itself read a member of (__member), and __open, which gives a
// value of a record's data as expressions know it.
const (
	getName      = "__get"
	memberName   = "__member"
	openName     = "__open"
	listName     = "__list"
	elementsName = "__elements"
)

// nilSafePatch makes member access into data of unknown shape (a record's
// data, the items of a list read from a file, a predicate's #) total: a
// missing path gives nil instead of ending the field with "cannot fetch
// name from <nil>". Files are written by other people and tools; one record
// whose data is null (never parsed), or shaped differently, must not fail a
// field over every record. Access into typed values (a record's own fields,
// times) is left as it is: those errors are the author's and the type
// checker reports them at load.
//
// It also keeps the compact objects of JSON data (see Object) inside: a
// value read from data is opened (objects in it become maps) where the
// expression uses it, except as the base of a further member access,
// which reads the object directly. So `.data.state` costs no map, and
// keys(.data), toJSON(.data), .data == x, `let d = .data` see the map
// they always saw.
//
// It runs after limitPatch, whose check of reserved names would take the
// budget argument of __get and __open for the user's.
type nilSafePatch struct{}

func (nilSafePatch) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.MemberNode:
		if n.Method {
			return
		}
		if unknownShape(n.Node.Type()) {
			ast.Patch(node, &ast.CallNode{
				Callee:    &ast.IdentifierNode{Value: getName},
				Arguments: []ast.Node{asMemberBase(n.Node), n.Property, budgetIdent()},
			})
			return
		}
		if unknownShape(n.Type()) { // a record's data
			opened(node)
		}
	case *ast.BuiltinNode:
		if n.Name == "get" && unknownShape(n.Type()) { // get(record, "data")
			opened(node)
			return
		}
		if !walksElements(n) {
			return
		}
		// A list whose elements a closure only reads members of, or
		// that is only counted, need not be opened whole:
		// len(.data.rows), count(.data.rows, .ok) make no map.
		n.Arguments[0] = asList(n.Arguments[0])
		switch {
		case !mayHoldObjects(n.Type()):
		case n.Name == "find" || n.Name == "findLast":
			opened(node) // an element of the list
		case n.Name == "filter" || n.Name == "sortBy":
			// A new list of elements of the list: each is opened.
			ast.Patch(node, &ast.CallNode{
				Callee:    &ast.IdentifierNode{Value: elementsName},
				Arguments: []ast.Node{*node, budgetIdent()},
			})
		}
	}
}

// walksElements reports whether builtin n takes a list whose elements it
// hands to a closure only (or, for len, whose elements it does not read).
func walksElements(n *ast.BuiltinNode) bool {
	if len(n.Arguments) == 0 {
		return false
	}
	switch n.Name {
	case "len":
		return len(n.Arguments) == 1
	case "reduce":
		// Without an initial value, #acc starts as the first element.
		if len(n.Arguments) != 3 {
			return false
		}
	case "all", "any", "none", "one", "count", "filter", "map", "find", "findIndex", "findLast", "findLastIndex", "sortBy":
	default:
		return false
	}
	closure := false
	for _, a := range n.Arguments[1:] {
		if p, ok := a.(*ast.PredicateNode); ok {
			closure = true
			if usesElementWhole(p) {
				// Each use would open the element again: the list is
				// opened once instead, as a whole.
				return false
			}
		}
	}
	return closure
}

// usesElementWhole reports whether closure p uses its own # other than as
// the base of a member access (not counting the # of closures inside it).
func usesElementWhole(p *ast.PredicateNode) bool {
	var mine, inner elementUses
	ast.Walk(&p.Node, &mine)
	for _, q := range mine.closures {
		ast.Walk(&q.Node, &inner)
	}
	for ptr := range mine.whole {
		if !inner.whole[ptr] {
			return true
		}
	}
	return false
}

// elementUses gathers the uses of # in a tree other than as the base of a
// member access (which this patch made __get or __member calls), and the
// closures in it.
type elementUses struct {
	whole    map[*ast.PointerNode]bool
	bases    map[*ast.PointerNode]bool
	closures []*ast.PredicateNode
}

func (u *elementUses) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.PredicateNode:
		u.closures = append(u.closures, n)
	case *ast.CallNode:
		// Children are visited first: a base seen here was counted whole.
		id, ok := n.Callee.(*ast.IdentifierNode)
		if !ok || id.Value != getName && id.Value != memberName || len(n.Arguments) == 0 {
			return
		}
		if ptr, ok := n.Arguments[0].(*ast.PointerNode); ok {
			delete(u.whole, ptr)
			if u.bases == nil {
				u.bases = map[*ast.PointerNode]bool{}
			}
			u.bases[ptr] = true
		}
	case *ast.PointerNode:
		if n.Name == "" && !u.bases[n] {
			if u.whole == nil {
				u.whole = map[*ast.PointerNode]bool{}
			}
			u.whole[n] = true
		}
	}
}

// mayHoldObjects reports whether a value of type t may be or hold an
// Object: any, or a list of any.
func mayHoldObjects(t reflect.Type) bool {
	return unknownShape(t) || (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && unknownShape(t.Elem())
}

// asList is n, the list argument of a builtin that walks its elements
// (see walksElements), with a list of objects left as it is: __list in
// place of __open, __list(__member) in place of __get.
func asList(n ast.Node) ast.Node {
	c, ok := n.(*ast.CallNode)
	if !ok {
		return n
	}
	id, ok := c.Callee.(*ast.IdentifierNode)
	switch {
	case !ok:
	case id.Value == openName && len(c.Arguments) == 2:
		return &ast.CallNode{Callee: &ast.IdentifierNode{Value: listName}, Arguments: c.Arguments}
	case id.Value == getName && len(c.Arguments) == 3:
		member := &ast.CallNode{Callee: &ast.IdentifierNode{Value: memberName}, Arguments: c.Arguments[:2]}
		return &ast.CallNode{Callee: &ast.IdentifierNode{Value: listName}, Arguments: []ast.Node{member, c.Arguments[2]}}
	}
	return n
}

// opened wraps the value of node in __open. The budget comes last in the
// helpers' arguments: the value may be an optional chain (`last(jobs)?.data`)
// whose nil jumps to the chain's end, past the call, and whatever the call
// had pushed before it would be left on the machine's stack.
func opened(node *ast.Node) {
	ast.Patch(node, &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: openName},
		Arguments: []ast.Node{*node, budgetIdent()},
	})
}

// asMemberBase is n, whose value is the base of a member access, without
// the opening that the walk, going up from the leaves, gave it before it
// knew.
func asMemberBase(n ast.Node) ast.Node {
	c, ok := n.(*ast.CallNode)
	if !ok || len(c.Arguments) != 3 && len(c.Arguments) != 2 {
		return n
	}
	id, ok := c.Callee.(*ast.IdentifierNode)
	switch {
	case !ok:
	case id.Value == openName && len(c.Arguments) == 2:
		return c.Arguments[0]
	case id.Value == getName && len(c.Arguments) == 3:
		return &ast.CallNode{Callee: &ast.IdentifierNode{Value: memberName}, Arguments: c.Arguments[:2]}
	}
	return n
}

func budgetIdent() ast.Node { return &ast.IdentifierNode{Value: budgetName} }

func unknownShape(t reflect.Type) bool {
	return t == nil || t.Kind() == reflect.Interface
}

// get is expr's own member access, with nil for a path that is not there;
// objects in its value are opened.
func get(args ...any) (any, error) {
	return open(args[2], member(args[0], args[1]))
}

// openValue is __open: v with objects in it opened, at the cost of the
// budget in args[1].
func openValue(args ...any) (any, error) { return open(args[1], args[0]) }

// elementsValue is __elements: a list made of elements of a list of
// objects (filter's, sortBy's) with each object opened.
func elementsValue(args ...any) (any, error) {
	v := args[0]
	if a, ok := v.([]any); ok {
		v = NewArray(a)
	}
	return open(args[1], v)
}

// listValue is __list: a list of objects as a list whose elements are
// still objects (opened where a closure uses one whole); anything else as
// __open gives it.
func listValue(args ...any) (any, error) {
	if a, ok := args[0].(objectArray); ok {
		return []any(a), nil
	}
	return open(args[1], args[0])
}

// open is Open(v), with what it makes taken from the budget b.
func open(b any, v any) (any, error) {
	if n := openedSize(v); n > 0 {
		budget, _ := b.(*budget)
		if err := budget.spend(mul(n, elemBytes), "reading an object of a file"); err != nil {
			return nil, err
		}
		return Open(v), nil
	}
	return v, nil
}

// openedSize is the number of members and elements Open(v) makes anew: 0
// when v holds no object.
func openedSize(v any) int64 {
	var n int64
	switch x := v.(type) {
	case *Object:
		n = 1 + int64(len(x.vals))
		for _, e := range x.vals {
			n += openedSize(e)
		}
	case objectArray:
		n = 1 + int64(len(x))
		for _, e := range x {
			n += openedSize(e)
		}
	}
	return n
}

// member reads key of from, nil when it is not there.
func member(from, key any) (v any) {
	// Parsed JSON, YAML and CSV are objects, maps and lists: read them directly.
	switch x := from.(type) {
	case nil:
		return nil
	case *Object:
		if k, ok := key.(string); ok {
			v, _ := x.Get(k)
			return v
		}
		return nil
	case map[string]any:
		if k, ok := key.(string); ok {
			return x[k]
		}
		return nil
	case []any:
		if i, ok := key.(int); ok {
			return element(x, i)
		}
	case objectArray:
		if i, ok := key.(int); ok {
			return element(x, i)
		}
	}
	defer func() {
		// Out of range, a key of a list, a field of a number: not there.
		if recover() != nil {
			v = nil
		}
	}()
	return runtime.Fetch(from, key)
}

// element is list[i], counting a negative i from the end; nil out of range.
func element(list []any, i int) any {
	if i < 0 {
		i += len(list)
	}
	if i >= 0 && i < len(list) {
		return list[i]
	}
	return nil
}

// nilSafe declares the helpers of nilSafePatch, which Field.compile adds
// after limitPatch.
var nilSafe = []expr.Option{
	expr.Function(getName, get, new(func(any, any, *budget) any)),
	expr.Function(memberName, func(args ...any) (any, error) { return member(args[0], args[1]), nil }, new(func(any, any) any)),
	expr.Function(openName, openValue, new(func(any, *budget) any)),
	expr.Function(listName, listValue, new(func(any, *budget) any)),
	// Typed as what it wraps, so that the checker sees filter's list.
	expr.Function(elementsName, elementsValue, new(func([]any, *budget) []any), new(func(any, *budget) any)),
}
