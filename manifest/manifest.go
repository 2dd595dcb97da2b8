// Package manifest loads syft-widget manifests: YAML files that declare a
// widget's sources, its endpoints (expr-lang expressions over the sources) and
// its HTML template. Load validates everything at once and reports every
// problem as FILE:LINE:COL; a loaded Manifest has its expressions compiled and
// type-checked, ready to evaluate against a snapshot of the sources.
package manifest

import (
	"strings"
	"time"

	"github.com/expr-lang/expr/vm"
)

// Defaults of the manifest format.
const (
	DefaultUpdateInterval = time.Second
	MinUpdateInterval     = 50 * time.Millisecond
	DefaultExpiration     = 24 * time.Hour
	DefaultMaxFileSize    = 8 << 20
	DefaultListLimit      = 200
	// MaxFileSizeCeiling bounds max_file_size: a file is read whole into
	// memory, so one file may not take more than this.
	MaxFileSizeCeiling = 1 << 30
	DefaultWidth       = "100%"
	DefaultHeight      = "auto"
)

// Manifest is a validated widget declaration.
type Manifest struct {
	File           string        // absolute path of the manifest file ("" when parsed from memory)
	Name           string        // widget name, ^[a-z0-9][a-z0-9_-]{0,63}$
	Title          string        // defaults to Name
	Server         string        // background server name; defaults to Name
	Root           string        // absolute base folder of every source
	RootPos        Pos           // where root is set (1:1 when it is not)
	Width          string        // iframe width (CSS length)
	Height         string        // CSS length, or "auto"
	UpdateInterval time.Duration // tick for now()-endpoints and polling
	Expiration     time.Duration // idle time before a background server exits; 0 means never
	ListLimit      int           // rows a data-each list shows before "… and N more"
	Sources        []*Source     // in manifest order
	Endpoints      []*Endpoint   // in manifest order
	Template       string        // the template as written (cleaning is render's job)
	TemplatePos    Pos           // where the template's text starts
	templateLines  []Pos         // where each line of the template starts in the file
	StylePos       Pos           // where the style's text starts
	Style          string        // CSS for the live page
}

// Source declares one data source: a glob (a list of records) or a single file.
type Source struct {
	Name        string
	Glob        string   // doublestar pattern relative to Root; "" for a file source
	File        string   // one file relative to Root; "" for a glob source
	Format      string   // auto | json | yaml | csv | tsv | ndjson | text | lines | none
	Exclude     []string // doublestar patterns relative to Root
	MaxFileSize int64    // larger files are listed but not read
	Watch       string   // auto | poll
	// NoSyftIgnore keeps the files SyftBox ignores (syftignore, markers,
	// *.tmp, ...) in a SyftBox tree; in-flight downloads stay out.
	NoSyftIgnore bool
	Pos          Pos
}

// IsFile reports whether the source is a single-file source.
func (s *Source) IsFile() bool { return s.File != "" }

// Endpoint is one JSON endpoint of the widget and the fields it computes.
type Endpoint struct {
	Path    string // starts with "/"
	Fields  []*Field
	Sources []string // names of the sources its fields read, sorted
	UsesNow bool     // some field calls now(): re-evaluate every UpdateInterval
	Pos     Pos
}

// Field is one compiled expression.
type Field struct {
	Name     string
	Expr     string
	Endpoint string // path of the endpoint that defines it
	Program  *vm.Program
	Sources  []string // names of the sources it reads, sorted
	UsesNow  bool
	Shape    *Shape // what is known of its value's structure; nil when nothing
	Pos      Pos    // position of the expression's first character in the file

	// OutputSources, when set, are the sources whose records count toward
	// the field's output limit (see OutputLimit) instead of Sources: a
	// part of a field (CompilePart) is limited as the whole field.
	OutputSources []string
}

// Pos is a position in a manifest file; Line and Col start at 1.
type Pos struct {
	Line, Col int
}

// Record is what an expression sees for each file of a source: a glob source
// is a list of records sorted by Path, a file source is one record. (Its
// flags lie together: a record is 176 bytes, not 192.)
type Record struct {
	Path   string    `expr:"path" json:"path"`     // relative to the manifest's root, "/"-separated
	Name   string    `expr:"name" json:"name"`     // base name, "a.json"
	Stem   string    `expr:"stem" json:"stem"`     // base name without extension, "a"
	Ext    string    `expr:"ext" json:"ext"`       // extension with its dot, ".json"
	Dir    string    `expr:"dir" json:"dir"`       // folder of Path, "." at the root
	Size   int64     `expr:"size" json:"size"`     // bytes
	Mtime  time.Time `expr:"mtime" json:"mtime"`   // modification time
	Data   any       `expr:"data" json:"data"`     // parsed content; the last good content while error is set, nil when never parsed
	Error  string    `expr:"error" json:"error"`   // "" when all is well
	Exists bool      `expr:"exists" json:"exists"` // false for a file source whose file is missing
	Stale  bool      `expr:"stale" json:"stale"`   // data is from an earlier read: the file no longer reads or parses

	// In a SyftBox tree (see package syftbox): the datasite (owner's email)
	// the file lies in, and whether SyftBox set a local version of it aside
	// as name.conflict.ext or name.rejected.ext.
	Datasite string `expr:"datasite" json:"datasite"` // SyftBox: the email of the datasite the file is in; "" outside a SyftBox tree
	Conflict bool   `expr:"conflict" json:"conflict"` // SyftBox: a conflict marker (name.conflict.ext) lies next to it: the local version was set aside
	Rejected bool   `expr:"rejected" json:"rejected"` // SyftBox: a rejection marker (name.rejected.ext) lies next to it: the server refused the local version
}

// TemplatePosAt is the position in the manifest file of the byte at offset
// in Template (TemplatePos when it is not known, as for the default
// template).
func (m *Manifest) TemplatePosAt(offset int) Pos {
	if offset < 0 || offset > len(m.Template) || len(m.templateLines) == 0 {
		return m.TemplatePos
	}
	before := m.Template[:offset]
	line := strings.Count(before, "\n")
	col := offset - (strings.LastIndexByte(before, '\n') + 1)
	if line >= len(m.templateLines) {
		return m.TemplatePos
	}
	p := m.templateLines[line]
	return Pos{p.Line, p.Col + col}
}
