package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// errorsOf loads text and returns its error messages with the file name
// replaced by F.
func errorsOf(t *testing.T, text string) []string {
	t.Helper()
	p := write(t, "w.yaml", text)
	_, err := Load(p)
	if err == nil {
		t.Fatalf("loaded without error:\n%s", text)
	}
	var out []string
	for _, e := range Errors(err) {
		out = append(out, strings.Replace(e.Error(), p, "F", 1))
	}
	return out
}

func TestDefaultsFollowTheSpec(t *testing.T) {
	p := write(t, "JobMonitor.yaml", "endpoints:\n  /a:\n    x: 1\n")
	m, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	type keys struct {
		Name, Title, Server, Root, Width, Height string
		UpdateInterval, Expiration               time.Duration
	}
	want := keys{"job_monitor", "job_monitor", "job_monitor", filepath.Dir(p), "100%", "auto", time.Second, 24 * time.Hour}
	got := keys{m.Name, m.Title, m.Server, m.Root, m.Width, m.Height, m.UpdateInterval, m.Expiration}
	if got != want {
		t.Errorf("defaults:\n got %+v\nwant %+v", got, want)
	}
	if !strings.Contains(m.Template, "{x}") {
		t.Errorf("default template does not show the field x: %q", m.Template)
	}
}

func TestNamesFromFileStemsAreSnakeCase(t *testing.T) {
	for stem, want := range map[string]string{
		"JobMonitor": "job_monitor", "job-monitor": "job_monitor", "HTTPStats": "http_stats",
		"live clock": "live_clock", "metrics2": "metrics2", "simple": "simple",
	} {
		if got := snakeName("/x/" + stem + ".yaml"); got != want {
			t.Errorf("snakeName(%q) = %q, want %q", stem, got, want)
		}
	}
}

func TestKeysAreReadWithTheirUnits(t *testing.T) {
	p := write(t, "w.yaml", `
name: w
root: data
width: 480
height: 12em
update_interval: 250
expiration: never
sources:
  jobs: "jobs/*.json"
  big:
    glob: "**/*.csv"
    max_file_size: 1.5MiB
    exclude: "tmp/**"
    format: csv
    watch: poll
  cfg:
    file: config.yaml
endpoints:
  /x:
    n: len(jobs) + len(big)
    c: cfg.exists
`)
	m, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if m.Root != filepath.Join(filepath.Dir(p), "data") || m.Width != "480px" || m.Height != "12em" ||
		m.UpdateInterval != 250*time.Millisecond || m.Expiration != 0 {
		t.Errorf("got root %s width %s height %s interval %s expiration %s", m.Root, m.Width, m.Height, m.UpdateInterval, m.Expiration)
	}
	big := m.Sources[1]
	if big.MaxFileSize != 3<<19 || big.Exclude[0] != "tmp/**" || big.Format != "csv" || big.Watch != "poll" {
		t.Errorf("source big: %+v", big)
	}
	if m.Sources[0].Glob != "jobs/*.json" || !m.Sources[2].IsFile() {
		t.Errorf("sources: %+v %+v", m.Sources[0], m.Sources[2])
	}
	if got := m.Endpoints[0].Sources; strings.Join(got, ",") != "big,cfg,jobs" {
		t.Errorf("endpoint /x reads %v, want big,cfg,jobs", got)
	}
}

func TestABareWidthIsPixelsCSSTakes(t *testing.T) {
	m, err := Parse("F", []byte("name: w\nwidth: 1e3\nheight: 12.50\nendpoints:\n  /a:\n    x: 1\n"))
	if err != nil || m.Width != "1000px" || m.Height != "12.5px" {
		t.Fatalf("width %q height %q (%v), want 1000px 12.5px", m.Width, m.Height, err)
	}
	for _, c := range []struct{ yaml, want string }{
		{"width: -5", `F:2:8: "-5" is not a CSS length`},
		{"height: -0.5", `F:2:9: "-0.5" is not a CSS length`},
	} {
		got := errorsOf(t, "name: w\n"+c.yaml+"\nendpoints:\n  /a:\n    x: 1\n")
		if len(got) != 1 || !strings.HasPrefix(got[0], c.want) {
			t.Errorf("%s: errors %q, want one starting %q", c.yaml, got, c.want)
		}
	}
}

func TestEveryErrorIsReportedAtOnceAtItsPosition(t *testing.T) {
	got := errorsOf(t, `name: Bad Name
titel: x
server: ok
width: 12qq
update_interval: 10ms
expiration: soon
sources:
  jobs:
    glob: "jobs/**/*.json"
    format: xml
    max_file_size: 8 parsecs
  both:
    glob: "a/*"
    file: b.json
  neither:
    format: json
  up: "../secrets/*"
  map: "x/*"
  "1st": "y/*"
endpoints:
  /api/jobs:
    total: len(jobs)
    typo: jobs[0].nmae
  /api/more:
    total: 1
    unknown: "len(jobz)"
  api/bad:
    x: 1
  /data:
    y: 1
`)
	want := []string{
		`F:1:7: name "Bad Name" must match`,
		`F:2:1: unknown key "titel"`,
		`F:4:8: "12qq" is not a CSS length`,
		`F:5:18: update_interval 10ms is below the minimum of 50ms`,
		`F:6:13: "soon" is not a duration`,
		`F:10:13: format "xml" is not one of`,
		`F:11:20: max_file_size: "8 parsecs" has an unknown unit`,
		`F:12:3: source "both" needs exactly one of glob or file`,
		`F:15:3: source "neither" needs exactly one of glob or file`,
		`F:17:7: pattern "../secrets/*" must not leave root with ..`,
		`F:18:3: source name "map" is reserved`,
		`F:19:3: source name "1st" must be an identifier`,
		`F:23:19: field typo: a record has no field nmae`,
		`F:25:5: field "total" is already defined in endpoint /api/jobs (line 22)`,
		`F:26:19: field unknown: unknown name jobz`,
		`F:27:3: endpoint "api/bad" must be a path`,
		`F:29:3: endpoint "/data" is reserved`,
	}
	if len(got) != len(want) {
		t.Errorf("got %d errors, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range min(len(got), len(want)) {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("error %d:\n got %s\nwant %s...", i, got[i], want[i])
		}
	}
}

func TestExpressionErrorsPointInsideBlockScalars(t *testing.T) {
	got := errorsOf(t, `sources:
  jobs: "*.json"
endpoints:
  /a:
    literal: |
      len(jobs) +
        nope(1)
    folded: >-
      len(jobs) + len(jobs)
      + missing
    quoted: "1 + jobs.x"
    plain: 1 + bad
`)
	want := []string{
		"F:7:9: field literal: unknown name nope",
		"F:10:9: field folded: unknown name missing",
		"F:11:23: field quoted:",
		"F:12:16: field plain: unknown name bad",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("error %d:\n got %s\nwant %s...", i, got[i], want[i])
		}
	}
}

func TestYAMLSyntaxErrorsNameTheLine(t *testing.T) {
	got := errorsOf(t, "name: a\nsources:\n  jobs: [unclosed\n")
	if len(got) != 1 || !strings.HasPrefix(got[0], "F:") || !strings.Contains(got[0], "YAML") {
		t.Errorf("got %q", got)
	}
}

func TestAliasesAndAnchorsAreRefused(t *testing.T) {
	// A billion-laughs document must be refused before anything expands it.
	bomb := "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	got := errorsOf(t, bomb)
	if len(got) != 1 || !strings.Contains(got[0], "anchors, aliases and merge keys are not supported") {
		t.Errorf("got %q", got)
	}
}

func TestOversizedExpressionsAreRefused(t *testing.T) {
	huge := strings.Repeat("1 + ", 3000) + "1"
	got := errorsOf(t, "endpoints:\n  /a:\n    x: "+huge+"\n")
	if len(got) != 1 || !strings.Contains(got[0], "field x:") {
		t.Errorf("got %q", got)
	}
}

func TestEmptyAndNonMappingManifestsAreErrors(t *testing.T) {
	for _, text := range []string{"", "- a\n- b\n", "just text\n"} {
		got := errorsOf(t, text)
		if len(got) != 1 || !strings.HasPrefix(got[0], "F:1:1: ") {
			t.Errorf("%q: got %q", text, got)
		}
	}
}

func TestSourcesAndNowAreTrackedPerField(t *testing.T) {
	p := write(t, "w.yaml", `sources:
  a: "a/*"
  b: "b/*"
endpoints:
  /one:
    x: len(a)
    t: now().Unix()
  /two:
    y: map(b, .name)
    z: count(a, ago(.mtime) != "")
`)
	m, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	one, two := m.Endpoints[0], m.Endpoints[1]
	if strings.Join(one.Sources, ",") != "a" || !one.UsesNow {
		t.Errorf("/one reads %v, uses now %v", one.Sources, one.UsesNow)
	}
	if strings.Join(two.Sources, ",") != "a,b" || !two.UsesNow {
		t.Errorf("/two reads %v, uses now %v (ago reads the clock)", two.Sources, two.UsesNow)
	}
}

func TestAFieldReadingEnvReadsEverySource(t *testing.T) {
	p := write(t, "w.yaml", `sources:
  a: "a/*"
  b: "b/*"
endpoints:
  /one:
    x: len($env["a"])
`)
	m, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Endpoints[0].Fields[0].Sources; strings.Join(got, ",") != "a,b" {
		t.Errorf("$env[\"a\"] reads %v, want a,b (any key may be read)", got)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"8MiB": 8 << 20, "500KB": 500_000, "1048576": 1 << 20, "2 GiB": 2 << 30, "10b": 10} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "-1", "8 parsecs", "0"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) succeeded", in)
		}
	}
}
