package render

import (
	"slices"
	"strings"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Shape is a rendered body seen as what an update may change: its
// data-field elements (their attributes and children) and the rest, which
// must stay as it is for a Patch to apply.
type Shape struct {
	skeleton string // the body with every data-field element emptied
	fields   []shapeField
}

type shapeField struct {
	name     string
	attrs    [][2]string
	children []string // each child node as HTML: its identity in a list
}

// elementShape is the shape of the data-field element n, named name.
func elementShape(name string, n *nethtml.Node) shapeField {
	f := shapeField{name: name}
	for _, a := range n.Attr {
		f.attrs = append(f.attrs, [2]string{a.Key, a.Val})
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		var b strings.Builder
		nethtml.Render(&b, c)
		f.children = append(f.children, b.String())
	}
	return f
}

// ShapeOf reads a rendered body (the output of Body). It returns nil when
// the body cannot be patched field by field: a data-field element inside
// another one.
func ShapeOf(body string) *Shape {
	ctx := &nethtml.Node{Type: nethtml.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := nethtml.ParseFragment(strings.NewReader(body), ctx)
	if err != nil {
		return nil
	}
	s := &Shape{}
	var skel strings.Builder
	ok := true
	var walk func(n *nethtml.Node, inField bool)
	walk = func(n *nethtml.Node, inField bool) {
		if n.Type != nethtml.ElementNode {
			return
		}
		name, isField := attr(n, "data-field")
		if !isField {
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c, inField)
			}
			return
		}
		if inField {
			ok = false
			return
		}
		s.fields = append(s.fields, elementShape(name, n))
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, true)
		}
	}
	for _, n := range nodes {
		walk(n, false)
	}
	if !ok {
		return nil
	}
	// The skeleton: the body with the fields' attributes and children taken
	// out (the parse tree is not used again).
	var empty func(n *nethtml.Node)
	empty = func(n *nethtml.Node) {
		if name, isField := attr(n, "data-field"); isField && n.Type == nethtml.ElementNode {
			n.Attr = []nethtml.Attribute{{Key: "data-field", Val: name}}
			n.FirstChild, n.LastChild = nil, nil
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			empty(c)
		}
	}
	for _, n := range nodes {
		empty(n)
		nethtml.Render(&skel, n)
	}
	s.skeleton = skel.String()
	return s
}

// PatchOp changes the I-th data-field element of a body (in document
// order), which must be named Field: its attributes become Attrs, and its
// children the sequence List gives, where a pair [from, count] keeps that
// run of its current children (in place or moved) and a string is a new
// child's HTML. Children that List does not keep are removed; kept nodes
// are the same nodes, so their state (scroll, selection, focus) stays.
type PatchOp struct {
	I     int         `json:"i"`
	Field string      `json:"field"`
	Attrs [][2]string `json:"attrs"`
	List  []any       `json:"list"`
}

// Patch returns the operations that turn a body of shape s into one of
// shape next, or false when only the whole body will do (the parts outside
// the data-field elements differ).
func (s *Shape) Patch(next *Shape) ([]PatchOp, bool) {
	if s == nil || next == nil || s.skeleton != next.skeleton || len(s.fields) != len(next.fields) {
		return nil, false
	}
	ops := []PatchOp{}
	for i, nf := range next.fields {
		of := s.fields[i]
		if of.name != nf.name {
			return nil, false
		}
		if slices.Equal(of.attrs, nf.attrs) && slices.Equal(of.children, nf.children) {
			continue
		}
		ops = append(ops, PatchOp{I: i, Field: nf.name, Attrs: nf.attrs, List: listPatch(of.children, nf.children)})
	}
	return ops, true
}

// listPatch keys children by their HTML: a child that is still there,
// wherever it moved, is kept (the first one left of the same HTML); runs
// of kept children are written as [from, count].
//
// Most changes touch a few children of a long list: those before the first
// difference keep their places, and so do those after the last one when
// none of the few between has the HTML of one of them. Then only the few
// are looked up, and no map of the list is made.
func listPatch(old, next []string) []any {
	p := 0
	for p < len(old) && p < len(next) && old[p] == next[p] {
		p++
	}
	s := 0
	for s < len(old)-p && s < len(next)-p && old[len(old)-1-s] == next[len(next)-1-s] {
		s++
	}
	oldMid, nextMid, tail := old[p:len(old)-s], next[p:len(next)-s], old[len(old)-s:]
	const few = 8
	if len(oldMid) > few || len(nextMid) > few || slices.ContainsFunc(oldMid, func(k string) bool { return slices.Contains(tail, k) }) ||
		slices.ContainsFunc(nextMid, func(k string) bool { return slices.Contains(tail, k) }) {
		return listPatchAll(old, next)
	}
	var out []any
	if p > 0 {
		out = append(out, [2]int{0, p})
	}
	var used [few]bool
	for _, k := range nextMid {
		i := -1
		for c, o := range oldMid {
			if !used[c] && o == k {
				i = c
				break
			}
		}
		if i < 0 {
			out = append(out, k)
			continue
		}
		used[i] = true
		out = keepChildren(out, p+i, 1)
	}
	if s > 0 {
		out = keepChildren(out, len(old)-s, s)
	}
	if out == nil {
		out = []any{}
	}
	return out
}

// keepChildren adds n old children from j on to a list patch, in the run
// before them when that run ends where they start.
func keepChildren(out []any, j, n int) []any {
	if len(out) > 0 {
		if run, ok := out[len(out)-1].([2]int); ok && run[0]+run[1] == j {
			out[len(out)-1] = [2]int{run[0], run[1] + n}
			return out
		}
	}
	return append(out, [2]int{j, n})
}

// listPatchAll is listPatch for any two lists.
func listPatchAll(old, next []string) []any {
	free := make(map[string][]int, len(old))
	for i, k := range old {
		free[k] = append(free[k], i)
	}
	var out []any
	for _, k := range next {
		if q := free[k]; len(q) > 0 {
			free[k] = q[1:]
			out = keepChildren(out, q[0], 1)
			continue
		}
		out = append(out, k)
	}
	if out == nil {
		out = []any{}
	}
	return out
}
