package schema_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/syft-widget/syft-widget/manifest"
	"github.com/syft-widget/syft-widget/schema"
)

func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.JSON))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("manifest.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("manifest.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// instance turns YAML into the JSON value the schema sees.
func instance(t *testing.T, text []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(text, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEveryExampleValidatesAgainstTheSchema(t *testing.T) {
	s := compile(t)
	files, _ := filepath.Glob("../examples/manifests/*.yaml")
	if len(files) < 5 {
		t.Fatalf("found %d examples, want at least 5", len(files))
	}
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(instance(t, text)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if _, err := manifest.Load(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// The schema and the loader agree: what one rejects, the other rejects, and
// both accept the same good manifests.
func TestSchemaAndLoaderAgree(t *testing.T) {
	s := compile(t)
	good := []string{
		"name: a\nendpoints:\n  /x:\n    n: 1\n",
		"sources:\n  j: \"*.json\"\n  c:\n    file: c.yaml\n    format: yaml\n    max_file_size: 1MiB\nendpoints:\n  /x:\n    n: len(j)\n",
		"height: 300\nwidth: 50%\nupdate_interval: 500ms\nexpiration: never\n",
		"update_interval: 100\nexpiration: 2h30m\nsources:\n  s:\n    glob: \"**/*.csv\"\n    exclude: [\"tmp/**\"]\n    watch: poll\n",
	}
	bad := map[string]string{
		"unknown key":            "titel: x\n",
		"bad name":               "name: Bad Name\n",
		"bad server":             "server: \"-x\"\n",
		"bad width":              "width: wide\n",
		"bad height":             "height: tall\n",
		"short interval":         "update_interval: 10\n",
		"bad interval":           "update_interval: soon\n",
		"bad expiration":         "expiration: sometimes\n",
		"unknown source key":     "sources:\n  j:\n    glob: \"*\"\n    fromat: json\n",
		"glob and file":          "sources:\n  j:\n    glob: \"*\"\n    file: a\n",
		"neither glob nor file":  "sources:\n  j:\n    format: json\n",
		"bad format":             "sources:\n  j:\n    glob: \"*\"\n    format: xml\n",
		"bad watch":              "sources:\n  j:\n    glob: \"*\"\n    watch: inotify\n",
		"escaping pattern":       "sources:\n  j: \"../*\"\n",
		"absolute pattern":       "sources:\n  j: \"/etc/*\"\n",
		"bad source name":        "sources:\n  1j: \"*\"\n",
		"bad size":               "sources:\n  j:\n    glob: \"*\"\n    max_file_size: lots\n",
		"size over the ceiling":  "sources:\n  j:\n    glob: \"*\"\n    max_file_size: 100GiB\n",
		"bytes over the ceiling": "sources:\n  j:\n    glob: \"*\"\n    max_file_size: 1073741825\n",
		"bad endpoint path":      "endpoints:\n  api:\n    n: 1\n",
		"reserved endpoint":      "endpoints:\n  /events:\n    n: 1\n",
		"bad field name":         "endpoints:\n  /x:\n    n-1: 1\n",
		"field named title":      "endpoints:\n  /x:\n    title: 1\n",
		"field not expression":   "endpoints:\n  /x:\n    n: [1, 2]\n",
		"style breaking out":     "style: \"</style><script>\"\n",
		"sources not a mapping":  "sources: [a, b]\n",
	}
	for i, text := range good {
		if err := s.Validate(instance(t, []byte(text))); err != nil {
			t.Errorf("good %d: schema rejects it: %v", i, err)
		}
		if _, err := manifest.Parse(filepath.Join(t.TempDir(), "a.yaml"), []byte(text)); err != nil {
			t.Errorf("good %d: loader rejects it: %v", i, err)
		}
	}
	for name, text := range bad {
		if err := s.Validate(instance(t, []byte(text))); err == nil {
			t.Errorf("%s: the schema accepts it", name)
		}
		if _, err := manifest.Parse(filepath.Join(t.TempDir(), "a.yaml"), []byte(text)); err == nil {
			t.Errorf("%s: the loader accepts it", name)
		}
	}
}
