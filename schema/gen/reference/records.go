package reference

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strconv"
	"strings"
)

// field is one field of manifest.Record as an expression sees it.
type field struct {
	name, typ, doc string
}

// recordFields reads the fields of manifest.Record from its source: their
// expr names, Go types and line comments.
func recordFields(file string) ([]field, error) {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	var out []field
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != "Record" {
			return true
		}
		st, ok := ts.Type.(*ast.StructType)
		if !ok {
			return false
		}
		for _, fl := range st.Fields.List {
			if fl.Tag == nil {
				continue
			}
			tag, _ := strconv.Unquote(fl.Tag.Value)
			name := reflect.StructTag(tag).Get("expr")
			if name == "" {
				continue
			}
			out = append(out, field{name: name, typ: goType(fl.Type), doc: strings.TrimSpace(fl.Comment.Text())})
		}
		return false
	})
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: found no fields of type Record", file)
	}
	return out, nil
}

// goType names a Go type the way the expression language shows it.
func goType(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		switch t.Name {
		case "string":
			return "string"
		case "bool":
			return "boolean"
		case "any":
			return "any"
		case "int", "int64", "float64":
			return "number"
		}
		return t.Name
	case *ast.SelectorExpr:
		if t.Sel.Name == "Time" {
			return "time"
		}
		return t.Sel.Name
	}
	return "any"
}

func (g *generator) records(fields []field) {
	g.line("## Records")
	g.line("")
	g.para("Every file of a source is a record; a glob source is a list of them, sorted by `path`, " +
		"and a file source is one. An expression reads a record's fields with a dot: " +
		"`jobs[0].path`, `config.data.threshold`, or `.data.state` inside `map`, `filter` and the other " +
		"predicates, where `.` is the current item. The JSON of an endpoint writes a time in RFC 3339.")
	g.line("| field | type | |")
	g.line("| --- | --- | --- |")
	for _, f := range fields {
		g.line(fmt.Sprintf("| `%s` | %s | %s |", f.name, f.typ, cell(f.doc)))
	}
	g.line("")
	g.para("A time has Go's methods: `.mtime.Format(\"2006-01-02 15:04\")`, `.mtime.Unix()`, " +
		"`now() - .mtime > duration(\"1h\")`. A file that cannot be read or parsed still has its record, " +
		"and `error` says why. A file that read well before and then stops parsing (a sync tool caught it " +
		"half-written) keeps its last good `data`, with `stale: true`; a file never parsed has `data: null`.")
	g.para("Member access inside `data` is nil-safe: a path that is not there gives null, whatever the " +
		"file holds (null, a list, a string), so one bad record never fails a field over all of them: " +
		"`count(jobs, .data.state == \"running\")` counts the good ones. Give a default with `??` where a " +
		"null matters: `.data.name ?? .stem`; `sortBy` compares its keys and fails on a mix of null and " +
		"strings, so sort by `.data.name ?? \"\"`. Access to a record's own fields and to a list by index " +
		"(`jobs[0]`) is checked as before.")
}
