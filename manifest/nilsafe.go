package manifest

import (
	"reflect"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"
)

// getName is the helper that reads a member of a value of unknown shape.
const getName = "__get"

// nilSafePatch makes member access into data of unknown shape (a record's
// data, the items of a list read from a file, a predicate's #) total: a
// missing path gives nil instead of ending the field with "cannot fetch
// name from <nil>". Files are written by other people and tools; one record
// whose data is null (never parsed), or shaped differently, must not fail a
// field over every record. Access into typed values (a record's own fields,
// times) is left as it is: those errors are the author's and the type
// checker reports them at load.
type nilSafePatch struct{}

func (nilSafePatch) Visit(node *ast.Node) {
	m, ok := (*node).(*ast.MemberNode)
	if !ok || m.Method || !unknownShape(m.Node.Type()) {
		return
	}
	ast.Patch(node, &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: getName},
		Arguments: []ast.Node{m.Node, m.Property},
	})
}

func unknownShape(t reflect.Type) bool {
	return t == nil || t.Kind() == reflect.Interface
}

// get is expr's own member access, with nil for a path that is not there.
func get(args ...any) (v any, err error) {
	from, key := args[0], args[1]
	// Parsed JSON, YAML and CSV are maps and lists: read them directly.
	switch x := from.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		if k, ok := key.(string); ok {
			return x[k], nil
		}
		return nil, nil
	case []any:
		if i, ok := key.(int); ok {
			if i < 0 {
				i += len(x)
			}
			if i >= 0 && i < len(x) {
				return x[i], nil
			}
			return nil, nil
		}
	}
	defer func() {
		// Out of range, a key of a list, a field of a number: not there.
		if recover() != nil {
			v, err = nil, nil
		}
	}()
	return runtime.Fetch(from, key), nil
}

var nilSafe = []expr.Option{
	expr.Function(getName, get, new(func(any, any) any)),
	expr.Patch(nilSafePatch{}),
}
