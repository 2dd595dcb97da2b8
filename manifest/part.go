package manifest

import (
	"maps"
	"math"

	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"
)

// Unknown, as a value of CompilePart's extra, declares a name whose values
// may be of any type.
var Unknown types.Type = types.Any

// CompilePart compiles code, a piece of one of m's expressions (the body of
// a closure, or an expression with some of its parts precomputed), in the
// environment of m's expressions plus extra: name -> a value of the type the
// checker should assume, or Unknown. Incremental evaluation runs such pieces
// one record at a time; they get the same helpers, patches and limits as
// whole fields.
func (m *Manifest) CompilePart(code string, extra map[string]any) (*Field, error) {
	env := compileEnv(m)
	maps.Copy(env, extra)
	f := &Field{Name: "part", Expr: code}
	if err := f.compile(env, m); err != nil {
		return nil, err
	}
	return f, nil
}

// checkerEnv is what the type checker is given for env: env itself, or,
// when some of its names are declared by a type (Unknown), the types of all.
func checkerEnv(env map[string]any) any {
	typed := false
	for _, v := range env {
		if _, ok := v.(types.Type); ok {
			typed = true
		}
	}
	if !typed {
		return env
	}
	tm := make(types.Map, len(env))
	for k, v := range env {
		if t, ok := v.(types.Type); ok {
			tm[k] = t
		} else {
			tm[k] = types.TypeOf(v)
		}
	}
	return tm
}

// OutputSize is what v counts toward the output limit of one field (see
// CheckOutputSize). A list counts 2 plus what its elements count, so the
// size of a list kept element by element can be kept by difference.
func OutputSize(v any) int64 { return sizeOf(v, math.MaxInt64, false) }

// A Runner runs parts (see CompilePart) one element at a time, reusing one
// machine: incremental evaluation runs a closure once per record, and a
// machine per run costs more than most closures. Unlike Field.Run it does
// not check the size of each result: a closure's result counts toward the
// output limit only as part of a field's value, which is checked (see
// CheckOutputSize and OutputSize). A Runner serves one run at a time; its zero
// value is ready to use.
type Runner struct {
	machine vm.VM
}

// Run evaluates f in env, as Field.Run does but for the output's size.
func (r *Runner) Run(f *Field, env map[string]any) (any, error) {
	r.machine.MemoryBudget = MemoryBudget
	return f.run(&r.machine, env)
}
