package reference

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/expr-lang/expr/builtin"
	"go.yaml.in/yaml/v3"
	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/syft-widget/syft-widget/serve/widget"
)

// section is one file of schema/gen/examples: a "##" section of the
// reference made of prose and examples.
type section struct {
	Title    string    `yaml:"title"`
	Text     string    `yaml:"text"`
	Examples []example `yaml:"examples"`
	file     string
}

// example is some prose, the files it writes (data and a manifest, shown
// as they are), the commands it runs with their expected output, and an
// optional table of expressions with their results.
type example struct {
	Heading  string `yaml:"heading"` // a "###" heading, if any
	Text     string `yaml:"text"`
	Files    []file `yaml:"files"`
	Runs     []run  `yaml:"runs"`
	Table    *table `yaml:"table"`
	Builtins bool   `yaml:"builtins"` // list every builtin of expr-lang
	After    string `yaml:"after"`
}

type file struct {
	Path string `yaml:"path"`
	Text string `yaml:"text"`
}

// run is one command of syft-widget, as a user would type it in the
// example's folder: "eval F [ENDPOINT]", "check F" (which must fail) or
// "render --checkpoint --no-server F" (its checkpoint markup is shown).
type run struct {
	Command string `yaml:"command"`
	Output  string `yaml:"output"`
}

// table evaluates expressions against the sources of a manifest.
type table struct {
	Sources string `yaml:"sources"` // YAML of the sources key, not shown
	Rows    []row  `yaml:"rows"`
}

// row is an expression and its result as compact JSON; Like is a regular
// expression the result must match when it changes with the clock, and
// Shows what the reference prints for it.
type row struct {
	Expr   string `yaml:"expr"`
	Result string `yaml:"result"`
	Like   string `yaml:"like"`
	Shows  string `yaml:"shows"`
	Note   string `yaml:"note"`
}

func readSection(file string) (*section, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	s := &section{file: filepath.Base(file)}
	if err := dec.Decode(s); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return s, nil
}

func (g *generator) section(s *section) error {
	g.line("## " + s.Title)
	g.line("")
	g.para(s.Text)
	for i, ex := range s.Examples {
		where := fmt.Sprintf("%s: example %d", s.file, i+1)
		if ex.Heading != "" {
			where += " (" + ex.Heading + ")"
			g.line("### " + ex.Heading)
			g.line("")
		}
		if err := g.runExample(where, ex); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) runExample(where string, ex example) error {
	g.para(ex.Text)
	for _, f := range ex.Files {
		clean := path.Clean(f.Path)
		if f.Path == "" || path.IsAbs(clean) || strings.HasPrefix(clean, "..") {
			return errorf(where, "file path %q must be relative and stay in the example's folder", f.Path)
		}
		// As the tests that run the markdown again write it: a code block
		// ends with one newline.
		text := strings.TrimRight(f.Text, "\n") + "\n"
		if err := writeFile(filepath.Join(g.dir, filepath.FromSlash(clean)), text); err != nil {
			return err
		}
		g.line("`" + f.Path + "`:")
		g.line("")
		g.code(langOf(f.Path), f.Text)
	}
	for _, r := range ex.Runs {
		got, intro, err := g.run(r.Command)
		if err != nil {
			return errorf(where, "%s: %v", r.Command, err)
		}
		if strings.TrimRight(got, "\n") != strings.TrimRight(r.Output, "\n") {
			return errorf(where, "`syft-widget %s` gives\n%s\nbut the example says\n%s", r.Command, got, r.Output)
		}
		g.line(intro)
		g.line("")
		lang := "json"
		switch strings.Fields(r.Command)[0] {
		case "check":
			lang = "text"
		case "render":
			lang = "html"
		}
		g.code(lang, got)
	}
	if ex.Table != nil {
		if err := g.table(where, ex.Table); err != nil {
			return err
		}
	}
	if ex.Builtins {
		g.builtins()
	}
	g.para(ex.After)
	return nil
}

// builtins lists the builtins of the expr-lang version this build uses.
func (g *generator) builtins() {
	names := make([]string, len(builtin.Names))
	for i, n := range builtin.Names {
		names[i] = "`" + n + "`"
	}
	g.para("Every builtin of expr-lang works in a manifest; they are described in " +
		"[expr-lang's language definition](https://expr-lang.org/docs/language-definition): " +
		strings.Join(names, ", ") + ". So do its operators: arithmetic, comparison, `and`/`or`/`not`, " +
		"`in`, `matches`, `contains`, `startsWith`, `endsWith`, ranges (`1..3`), slices (`list[1:3]`), " +
		"`?:`, `??`, `?.`, `|` and `let`.")
}

// run runs one command in memory, the way the binary would in the
// example's folder, and says how the reference introduces its output.
func (g *generator) run(command string) (out, intro string, err error) {
	args := strings.Fields(command)
	if len(args) < 2 {
		return "", "", fmt.Errorf("needs a command and a manifest")
	}
	shown := "`syft-widget " + command + "`"
	switch {
	case args[0] == "eval" && (len(args) == 2 || len(args) == 3):
		w, err := widget.Load(filepath.Join(g.dir, args[1]), nil)
		if err != nil {
			return "", "", g.relative(err)
		}
		path := ""
		if len(args) == 3 {
			path = args[2]
		}
		out, ok := w.State().EvalJSON(path)
		if !ok {
			return "", "", fmt.Errorf("no endpoint %s", args[2])
		}
		return strings.TrimSuffix(string(out), "\n"), shown + " prints:", nil
	case args[0] == "check" && len(args) == 2:
		_, _, err := widget.Check(filepath.Join(g.dir, args[1]))
		if err == nil {
			return "", "", fmt.Errorf("the manifest is valid: a check example shows errors")
		}
		return g.relative(err).Error(), shown + " says, and exits with 1:", nil
	case len(args) == 4 && args[0] == "render" && args[1] == "--checkpoint" && args[2] == "--no-server":
		w, err := widget.Load(filepath.Join(g.dir, args[3]), nil)
		if err != nil {
			return "", "", g.relative(err)
		}
		var b bytes.Buffer
		if err := w.Checkpoint(&b, ""); err != nil {
			return "", "", err
		}
		static, err := StaticLayer(b.String())
		if err != nil {
			return "", "", err
		}
		return static, "The checkpoint that " + shown + " prints shows:", nil
	}
	return "", "", fmt.Errorf("unknown command: use eval F [ENDPOINT], check F or render --checkpoint --no-server F")
}

// relative writes the example folder's paths in err as the user typed them.
func (g *generator) relative(err error) error {
	return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), g.dir+string(filepath.Separator), ""))
}

// StaticLayer returns the static checkpoint markup of a fragment printed by
// `render --checkpoint`: the children of its .syft-widget-checkpoint
// element without the closing "checkpoint · time" line.
func StaticLayer(fragment string) (string, error) {
	body := &nethtml.Node{Type: nethtml.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := nethtml.ParseFragment(strings.NewReader(fragment), body)
	if err != nil {
		return "", err
	}
	var host *nethtml.Node
	for _, n := range nodes {
		if n.Type == nethtml.ElementNode && hasClass(n, "syft-widget-checkpoint") {
			host = n
			break
		}
	}
	if host == nil {
		return "", fmt.Errorf("the fragment has no .syft-widget-checkpoint element")
	}
	last := host.LastChild
	for last != nil && last.Type != nethtml.ElementNode {
		last = last.PrevSibling
	}
	var b strings.Builder
	for c := host.FirstChild; c != nil && c != last; c = c.NextSibling {
		if err := nethtml.Render(&b, c); err != nil {
			return "", err
		}
	}
	return strings.TrimSpace(b.String()), nil
}

func hasClass(n *nethtml.Node, class string) bool {
	for _, a := range n.Attr {
		if a.Key == "class" && strings.Contains(" "+a.Val+" ", " "+class+" ") {
			return true
		}
	}
	return false
}

// table evaluates each row's expression in one endpoint over the table's
// sources and writes expression | result rows.
func (g *generator) table(where string, t *table) error {
	var m strings.Builder
	m.WriteString("name: table\n")
	if strings.TrimSpace(t.Sources) != "" {
		m.WriteString("sources:\n")
		for _, l := range strings.Split(strings.TrimRight(t.Sources, "\n"), "\n") {
			m.WriteString("  " + l + "\n")
		}
	}
	m.WriteString("endpoints:\n  /t:\n")
	for i, r := range t.Rows {
		q, _ := json.Marshal(r.Expr) // a JSON string is a YAML double-quoted scalar
		fmt.Fprintf(&m, "    f%d: %s\n", i, q)
	}
	file := filepath.Join(g.dir, ".table.yaml")
	if err := writeFile(file, m.String()); err != nil {
		return err
	}
	defer os.Remove(file)
	w, err := widget.Load(file, nil)
	if err != nil {
		return errorf(where, "the table's expressions do not load:\n%v", g.relative(err))
	}
	var results map[string]json.RawMessage
	raw, _ := w.State().Endpoint("/t")
	if err := json.Unmarshal(raw, &results); err != nil {
		return err
	}
	var errs map[string]string
	if e, ok := results["_errors"]; ok {
		json.Unmarshal(e, &errs)
	}
	notes := false
	for _, r := range t.Rows {
		notes = notes || r.Note != ""
	}
	if notes {
		g.line("| expression | result | |")
		g.line("| --- | --- | --- |")
	} else {
		g.line("| expression | result |")
		g.line("| --- | --- |")
	}
	for i, r := range t.Rows {
		key := fmt.Sprintf("f%d", i)
		if msg, bad := errs[key]; bad {
			return errorf(where, "%s fails: %s", r.Expr, msg)
		}
		var got bytes.Buffer
		json.Compact(&got, results[key])
		shown := got.String()
		switch {
		case r.Like != "":
			if !regexp.MustCompile(r.Like).MatchString(shown) {
				return errorf(where, "%s gives %s, which does not match %s", r.Expr, shown, r.Like)
			}
			shown = r.Shows
		case shown != r.Result:
			return errorf(where, "%s gives %s but the example says %s", r.Expr, shown, r.Result)
		}
		line := fmt.Sprintf("| %s | %s |", cell(codeSpan(r.Expr)), cell(codeSpan(shown)))
		if notes {
			line += " " + cell(r.Note) + " |"
		}
		g.line(line)
	}
	g.line("")
	return nil
}

func writeFile(file, text string) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	return os.WriteFile(file, []byte(text), 0o644)
}
