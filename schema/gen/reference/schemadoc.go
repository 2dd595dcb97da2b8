package reference

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/syft-widget/syft-widget/schema"
	"github.com/syft-widget/syft-widget/serve/widget"
)

// schemaDoc is the manifest schema, read twice: as YAML nodes, which keep
// the order of its keys for the reference, and compiled, to validate the
// examples.
type schemaDoc struct {
	root      *yaml.Node
	validator *jsonschema.Schema
}

func (g *generator) loadSchema() error {
	var doc yaml.Node
	if err := yaml.Unmarshal(schema.JSON, &doc); err != nil {
		return fmt.Errorf("reading the schema: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.JSON))
	if err != nil {
		return fmt.Errorf("reading the schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("manifest.schema.json", inst); err != nil {
		return err
	}
	v, err := c.Compile("manifest.schema.json")
	if err != nil {
		return fmt.Errorf("compiling the schema: %w", err)
	}
	g.sch = &schemaDoc{root: doc.Content[0], validator: v}
	return nil
}

// get returns the value of key in a mapping node, or nil.
func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func str(n *yaml.Node, key string) string {
	if v := get(n, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// def resolves a local "$ref": "#/$defs/NAME".
func (s *schemaDoc) def(ref string) (name string, n *yaml.Node) {
	name = strings.TrimPrefix(ref, "#/$defs/")
	return name, get(get(s.root, "$defs"), name)
}

func (g *generator) schemaDescription() string {
	return str(g.sch.root, "description") + " This page lists every key a manifest may have, " +
		"what an expression can use and what a template can say. Editors complete and check " +
		"manifests with the same schema (`syft-widget schema` prints it): start a manifest with " +
		"`# yaml-language-server: $schema=PATH/TO/manifest.schema.json`. Unknown keys are errors."
}

// anchor is the GitHub anchor of a value type's heading "Type: name".
func anchor(title string) string {
	return "type-" + strings.ReplaceAll(strings.ToLower(title), " ", "-")
}

// typeText says in words what a schema node accepts.
func (s *schemaDoc) typeText(n *yaml.Node) string {
	if ref := str(n, "$ref"); ref != "" {
		name, d := s.def(ref)
		if name == "source" {
			return "[source](#source-keys)" // sources have their own section
		}
		t := str(d, "title")
		return "[" + t + "](#" + anchor(t) + ")"
	}
	if t := str(n, "title"); t != "" {
		return t
	}
	if c := get(n, "const"); c != nil {
		return codeSpan(c.Value)
	}
	if e := get(n, "enum"); e != nil {
		var vals []string
		for _, v := range e.Content {
			vals = append(vals, codeSpan(v.Value))
		}
		return orList(vals)
	}
	for _, k := range []string{"anyOf", "oneOf"} {
		if alts := get(n, k); alts != nil {
			var parts []string
			for _, a := range alts.Content {
				parts = append(parts, s.typeText(a))
			}
			return orList(parts)
		}
	}
	switch t := str(n, "type"); t {
	case "object":
		return "map of " + s.typeText(get(n, "propertyNames")) + " → " + s.typeText(get(n, "additionalProperties"))
	case "array":
		return "list of " + s.typeText(get(n, "items"))
	case "string":
		switch str(n, "contentMediaType") {
		case "text/html":
			return "HTML"
		case "text/css":
			return "CSS"
		}
		return "string"
	case "":
		return "any"
	default:
		return t
	}
}

func orList(parts []string) string {
	if len(parts) <= 2 {
		return strings.Join(parts, " or ")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

var defaultSentence = regexp.MustCompile(`\s*Default: ([^\n]*?)\.?$`)

// describe splits a key's description from its default: the schema's
// "default" when it has one, else a closing "Default: ..." sentence.
func describe(n *yaml.Node) (desc, def string) {
	desc = mdText(str(n, "description"))
	if d := get(n, "default"); d != nil {
		return desc, codeSpan(flow(d))
	}
	if m := defaultSentence.FindStringSubmatchIndex(desc); m != nil {
		return desc[:m[0]], desc[m[2]:m[3]]
	}
	return desc, "—"
}

// flow writes a YAML value on one line, as a manifest would.
func flow(n *yaml.Node) string {
	c := plainStyle(n)
	setFlow(c)
	b, err := yaml.Marshal(c)
	if err != nil {
		return n.Value
	}
	return strings.TrimSpace(string(b))
}

func setFlow(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style = yaml.FlowStyle
	}
	for _, c := range n.Content {
		setFlow(c)
	}
}

// plainStyle copies a node parsed from JSON and drops its JSON styles
// (quotes, flow collections): multi-line strings become literal blocks,
// lists of scalars stay on one line.
func plainStyle(n *yaml.Node) *yaml.Node {
	c := *n
	c.Style = 0
	c.Content = nil
	for _, ch := range n.Content {
		c.Content = append(c.Content, plainStyle(ch))
	}
	switch {
	case c.Kind == yaml.ScalarNode && strings.Contains(c.Value, "\n"):
		c.Style = yaml.LiteralStyle
	case c.Kind == yaml.ScalarNode && c.Tag == "!!str" && (c.Value == "" || strings.Contains(c.Value, "*") || strings.ContainsAny(c.Value[:1], "{[&!|>'\"%@`")):
		c.Style = yaml.DoubleQuotedStyle
	case c.Kind == yaml.SequenceNode:
		scalars := true
		for _, ch := range c.Content {
			scalars = scalars && ch.Kind == yaml.ScalarNode
		}
		if scalars {
			c.Style = yaml.FlowStyle
			for _, ch := range c.Content {
				if ch.Tag == "!!str" {
					ch.Style = yaml.DoubleQuotedStyle
				}
			}
		}
	}
	return &c
}

// mapping builds a YAML mapping of keys and values.
func mapping(kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: kv[i].(string)}, kv[i+1].(*yaml.Node))
	}
	return m
}

func scalar(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.ContainsAny(s, "*{") {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

func yamlText(n *yaml.Node) (string, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return "", err
	}
	enc.Close()
	return b.String(), nil
}

// firstExample is a key's first schema example.
func firstExample(key string, n *yaml.Node) (*yaml.Node, error) {
	ex := get(n, "examples")
	if ex == nil || len(ex.Content) == 0 {
		return nil, fmt.Errorf("schema: %s has no example; every key needs one", key)
	}
	return plainStyle(ex.Content[0]), nil
}

// context is what a key's example needs around it to be a manifest that
// loads: the endpoints read the sources, the template shows the fields.
var context = map[string][]string{
	"endpoints": {"sources"},
	"template":  {"sources", "endpoints"},
}

// keyTable lists the keys of props: type, default and first sentence.
func (g *generator) keyTable(props *yaml.Node) {
	g.line("| key | type | default | |")
	g.line("| --- | --- | --- | --- |")
	for i := 0; i+1 < len(props.Content); i += 2 {
		key, n := props.Content[i].Value, props.Content[i+1]
		desc, def := describe(n)
		g.line(fmt.Sprintf("| [`%s`](#%s) | %s | %s | %s |", key, key, cell(g.sch.typeText(n)), cell(def), cell(firstSentence(desc))))
	}
	g.line("")
}

func (g *generator) topLevelKeys() error {
	props := get(g.sch.root, "properties")
	g.line("## Top-level keys")
	g.line("")
	g.keyTable(props)
	for i := 0; i+1 < len(props.Content); i += 2 {
		key, n := props.Content[i].Value, props.Content[i+1]
		desc, def := describe(n)
		g.line("### `" + key + "`")
		g.line("")
		g.para(desc)
		g.para("**Type:** " + g.sch.typeText(n) + " · **Default:** " + def)
		ex, err := firstExample(key, n)
		if err != nil {
			return err
		}
		doc := mapping()
		for _, k := range context[key] {
			c, err := firstExample(k, get(props, k))
			if err != nil {
				return err
			}
			doc.Content = append(doc.Content, mapping(k, c).Content...)
		}
		doc.Content = append(doc.Content, mapping(key, ex).Content...)
		if err := g.example("key "+key, doc); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) sourceKeys() error {
	_, src := g.sch.def("#/$defs/source")
	props := get(src, "properties")
	g.line("## Source keys")
	g.line("")
	g.para("A source has a `glob` or a `file` (exactly one of them) and keys that say how to read its files." +
		" A source written as a bare string is a glob: `jobs: \"jobs/**/*.json\"` is " +
		"`jobs: {glob: \"jobs/**/*.json\"}`. Each source is named by its key under `sources`, an " +
		"[identifier](#" + anchor("identifier") + "), and expressions use it by that name.")
	g.keyTable(props)
	for i := 0; i+1 < len(props.Content); i += 2 {
		key, n := props.Content[i].Value, props.Content[i+1]
		desc, def := describe(n)
		g.line("### `" + key + "`")
		g.line("")
		g.para(desc)
		if key == "format" {
			g.line("| format | data |")
			g.line("| --- | --- |")
			for _, alt := range get(n, "anyOf").Content {
				g.line(fmt.Sprintf("| `%s` | %s |", str(alt, "const"), cell(str(alt, "description"))))
			}
			g.line("")
		}
		g.para("**Type:** " + g.sch.typeText(n) + " · **Default:** " + def)
		ex, err := firstExample(key, n)
		if err != nil {
			return err
		}
		name, src := "jobs", mapping()
		switch key {
		case "file":
			name = "config"
		case "glob":
		case "format":
			name = "log"
			src.Content = append(src.Content, mapping("glob", scalar("logs/*.out")).Content...)
		default:
			src.Content = append(src.Content, mapping("glob", scalar("jobs/**/*.json")).Content...)
		}
		src.Content = append(src.Content, mapping(key, ex).Content...)
		if err := g.example("source key "+key, mapping("sources", mapping(name, src))); err != nil {
			return err
		}
	}
	return nil
}

// example writes a key's example as a YAML block after checking that the
// schema and the loader both accept it.
func (g *generator) example(where string, doc *yaml.Node) error {
	text, err := yamlText(doc)
	if err != nil {
		return err
	}
	var v any
	if err := yaml.Unmarshal([]byte(text), &v); err != nil {
		return errorf(where, "the example is not YAML: %v", err)
	}
	b, _ := json.Marshal(v)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	if err := g.sch.validator.Validate(inst); err != nil {
		return errorf(where, "the schema rejects the example:\n%s\n%v", text, err)
	}
	path := filepath.Join(g.dir, "key-example.yaml")
	if err := writeFile(path, text); err != nil {
		return err
	}
	if _, _, err := widget.Check(path); err != nil {
		return errorf(where, "the loader rejects the example:\n%s\n%v", text, err)
	}
	g.code("yaml", text)
	return nil
}

// firstSentence is the text up to the first ". " (or all of it).
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

func (g *generator) valueTypes() {
	g.line("## Value types")
	g.line("")
	defs := get(g.sch.root, "$defs")
	for i := 0; i+1 < len(defs.Content); i += 2 {
		n := defs.Content[i+1]
		title := str(n, "title")
		if title == "" || title == "source" {
			continue // a source has its own section
		}
		g.line("### Type: " + title)
		g.line("")
		g.para(str(n, "description"))
	}
}

// mdText escapes the angle brackets of a description outside its code
// spans, so that markdown does not take them for HTML.
func mdText(s string) string {
	parts := strings.Split(s, "`")
	for i := 0; i < len(parts); i += 2 {
		parts[i] = strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(parts[i])
	}
	return strings.Join(parts, "`")
}
