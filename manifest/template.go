package manifest

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"golang.org/x/net/html"
)

// PlaceholderRE matches a placeholder-shaped brace group of a template:
// {name}, a dotted path {a.b.0.c}, or {.}. Such a group must name a field
// (or, inside a <template data-each>, a key of the items): load reports it
// otherwise. Every other brace group ({ color: red }, {{x}}, {a b}) is text
// and left as written, as is a placeholder-shaped group inside a <style>
// element or a comment; to show one literally, write its brace as &#123;.
var PlaceholderRE = regexp.MustCompile(`\{(\.|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\}`)

// eachScope is one <template data-each> the tokenizer is inside.
type eachScope struct {
	field string
	keys  []string // nil: the items' keys are not known before the data
}

// openElement is an element whose end tag has not been seen yet.
type openElement struct {
	tag   string
	field string // its data-field, if any
	each  *eachScope
}

// checkTemplate reports every placeholder of the template that names no
// field, and every key inside a data-each that the items cannot have, at
// its own line and column. v is the template's YAML node.
func (l *loader) checkTemplate(m *Manifest, v *yaml.Node) {
	fields := l.fields
	var names []string
	for _, ep := range m.Endpoints {
		for _, f := range ep.Fields {
			names = append(names, f.Name)
		}
	}
	for name, f := range fields {
		if f.Program == nil {
			names = append(names, name) // defined, but its expression failed
		}
	}
	names = append(names, "title")
	m.templateLines = make([]Pos, strings.Count(m.Template, "\n")+1)
	for i := range m.templateLines {
		m.templateLines[i] = l.filePos(v, i+1, 0)
	}
	at := m.TemplatePosAt
	report := func(off int, format string, args ...any) {
		l.errs = append(l.errs, Error{File: l.file, Pos: at(off), Msg: "template: " + fmt.Sprintf(format, args...)})
	}
	var stack []openElement
	scope := func() *eachScope {
		for i := len(stack) - 1; i >= 0; i-- {
			if stack[i].each != nil {
				return stack[i].each
			}
		}
		return nil
	}
	checkText := func(raw string, off int) {
		for _, g := range PlaceholderRE.FindAllStringSubmatchIndex(raw, -1) {
			path := raw[g[2]:g[3]]
			first := strings.SplitN(path, ".", 2)[0]
			if f, ok := fields[first]; ok {
				if msg := pathProblem(f, path); msg != "" {
					report(off+g[0], "%s", msg)
				}
				continue
			}
			if first == "title" {
				continue
			}
			s := scope()
			if s != nil && (s.keys == nil || path == "." || slices.Contains(s.keys, first)) {
				continue
			}
			if path == "." {
				report(off+g[0], "{.} stands for an item: use it inside a <template data-each>")
				continue
			}
			if s != nil {
				report(off+g[0], "{%s} is not a key of the items of %s (keys: %s) nor a field; %s", path, s.field,
					strings.Join(s.keys, ", "), suggest(first, append(slices.Clone(s.keys), names...)))
				continue
			}
			report(off+g[0], "{%s} is not a field of this widget (fields: %s); %s", path, strings.Join(names, ", "), suggest(first, names))
		}
	}
	z := html.NewTokenizer(strings.NewReader(m.Template))
	off, skipText := 0, false
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if !errors.Is(z.Err(), io.EOF) {
				report(off, "%v", z.Err())
			}
			return
		}
		raw := string(z.Raw())
		start := off
		off += len(raw)
		switch tt {
		case html.TextToken:
			if !skipText {
				checkText(raw, start)
			}
			skipText = false
		case html.StartTagToken, html.SelfClosingTagToken:
			skipText = false
			name, _ := z.TagName()
			tag := string(name)
			attrs := map[string]string{}
			for {
				k, val, more := z.TagAttr()
				attrs[string(k)] = string(val)
				if !more {
					break
				}
			}
			checkText(raw, start)
			if tag == "style" || tag == "script" || tag == "textarea" || tag == "title" {
				skipText = true // raw text: CSS braces, not placeholders
			}
			el := openElement{tag: tag, field: strings.TrimSpace(attrs["data-field"])}
			if spec, ok := attrs["data-each"]; ok && tag == "template" {
				path := strings.TrimSpace(spec)
				if path == "" && len(stack) > 0 {
					path = stack[len(stack)-1].field
				}
				el.each = &eachScope{field: path}
				first := strings.SplitN(path, ".", 2)[0]
				if f, ok := fields[first]; ok && first == path && f.Shape != nil && f.Shape.Item != nil {
					el.each.keys = f.Shape.Item.Keys
				} else if s := scope(); path != "" && !ok && s != nil && s.keys != nil && !slices.Contains(s.keys, first) {
					report(start+strings.Index(raw, "data-each"), "data-each names %q, which is neither a field nor a key of the items of %s; %s", path, s.field, suggest(first, append(slices.Clone(s.keys), names...)))
				} else if path != "" && !ok && s == nil {
					report(start+strings.Index(raw, "data-each"), "data-each names %q, which is not a field of this widget; %s", path, suggest(first, names))
				}
			}
			if tt == html.StartTagToken && !voidElements[tag] {
				stack = append(stack, el)
			}
		case html.EndTagToken:
			skipText = false
			name, _ := z.TagName()
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i].tag == string(name) {
					stack = stack[:i]
					break
				}
			}
		}
	}
}

// suggest is "did you mean {x}?" for a near name, or what to check.
func suggest(name string, cands []string) string {
	if s := closest(name, cands); s != "" {
		return "did you mean {" + s + "}?"
	}
	return "check the spelling, or write the brace as &#123; to show it as text"
}

var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true,
}

// pathProblem says what is wrong with a dotted path {field.key...} into a
// field whose shape is known: a key a list cannot have (only indexes), or
// one the object does not have. "" when fine or not known.
func pathProblem(f *Field, path string) string {
	segs := strings.Split(path, ".")
	if len(segs) < 2 || f.Shape == nil {
		return ""
	}
	next := segs[1]
	switch sh := f.Shape; {
	case sh.List:
		if _, err := strconv.Atoi(next); err != nil {
			return fmt.Sprintf("{%s}: %s is a list, which has items 0, 1, ..., not %q; count it in a field of its own (len(...))", path, f.Name, next)
		}
	case sh.Keys != nil:
		if !slices.Contains(sh.Keys, next) {
			hint := "check the spelling"
			if s := closest(next, sh.Keys); s != "" {
				hint = "did you mean {" + f.Name + "." + s + "}?"
			}
			return fmt.Sprintf("{%s}: %s has no key %q (keys: %s); %s", path, f.Name, next, strings.Join(sh.Keys, ", "), hint)
		}
	}
	return ""
}
