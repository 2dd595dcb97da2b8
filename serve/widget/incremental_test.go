package widget

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syft-widget/syft-widget/manifest"
	"github.com/syft-widget/syft-widget/render"
	"github.com/syft-widget/syft-widget/serve/internal/benchtree"
	"github.com/syft-widget/syft-widget/sources"
)

// The differential property: after any sequence of file changes, every
// field evaluated incrementally equals the field evaluated afresh.

// tree is a job tree under change: it applies random steps of the kinds a
// job system and its users cause, and refreshes a cache with what changed.
type tree struct {
	t       *testing.T
	root    string
	rnd     *rand.Rand
	cache   *sources.Cache
	live    []int // jobs that exist
	next    int   // the next new job's number
	version int
	half    int // a job caught half-written, finished by the next step; -1 for none
}

func newTree(t *testing.T, m *manifest.Manifest, seed uint64, n int) *tree {
	t.Helper()
	if err := benchtree.WriteJobs(m.Root, n); err != nil {
		t.Fatal(err)
	}
	tr := &tree{t: t, root: m.Root, rnd: rand.New(rand.NewPCG(seed, 9)), cache: sources.NewCache(m.Root, m.Sources), next: n, half: -1}
	for i := range n {
		tr.live = append(tr.live, i)
	}
	tr.cache.Scan()
	return tr
}

func (tr *tree) file(i int) string {
	return filepath.Join(tr.root, filepath.FromSlash(benchtree.JobPath(i)))
}

// step makes one random change and returns what it did.
func (tr *tree) step() string {
	tr.version++
	var changed []string
	var did string
	if i := tr.half; i >= 0 {
		// The writer finishes the file it was caught writing.
		tr.half = -1
		if slices.Contains(tr.live, i) {
			tr.write(i, benchtree.Job(i, tr.version))
			changed = append(changed, tr.file(i))
		}
	}
	pick := func() (int, int) {
		k := tr.rnd.IntN(len(tr.live))
		return k, tr.live[k]
	}
	switch op := tr.rnd.IntN(10); {
	case op < 4 && len(tr.live) > 0: // edit
		_, i := pick()
		tr.write(i, benchtree.Job(i, tr.version))
		changed, did = append(changed, tr.file(i)), fmt.Sprintf("edit %d", i)
	case op < 6: // create: a new job (last), or one that was gone again (in its place)
		i := tr.newJob()
		tr.write(i, benchtree.Job(i, tr.version))
		tr.live = append(tr.live, i)
		changed, did = append(changed, tr.file(i)), fmt.Sprintf("create %d", i)
	case op < 7 && len(tr.live) > 0: // delete
		k, i := pick()
		if err := os.Remove(tr.file(i)); err != nil {
			tr.t.Fatal(err)
		}
		tr.live = append(tr.live[:k], tr.live[k+1:]...)
		changed, did = append(changed, tr.file(i)), fmt.Sprintf("delete %d", i)
	case op < 8 && len(tr.live) > 0: // rename to a new job number, or to one that was gone
		k, i := pick()
		j := tr.newJob()
		tr.write(j, nil) // make the folder
		if err := os.Rename(tr.file(i), tr.file(j)); err != nil {
			tr.t.Fatal(err)
		}
		tr.live[k] = j
		changed, did = append(changed, tr.file(i), tr.file(j)), fmt.Sprintf("rename %d to %d", i, j)
	case op < 9 && len(tr.live) > 0: // half-written
		_, i := pick()
		b := benchtree.Job(i, tr.version)
		tr.write(i, b[:tr.rnd.IntN(len(b))])
		tr.half = i
		changed, did = append(changed, tr.file(i)), fmt.Sprintf("half-write %d", i)
	default: // a burst of edits
		for range 5 {
			if len(tr.live) == 0 {
				break
			}
			_, i := pick()
			tr.write(i, benchtree.Job(i, tr.version+tr.rnd.IntN(3)))
			changed = append(changed, tr.file(i))
		}
		did = "burst"
	}
	if tr.rnd.IntN(8) == 0 {
		tr.cache.Scan()
	} else {
		tr.cache.Refresh(changed)
	}
	return did
}

// newJob returns the number of a job that does not exist: a new one, whose
// file sorts after every other, or half the time one that existed and is
// gone, whose file goes back among the others.
func (tr *tree) newJob() int {
	if tr.rnd.IntN(2) == 0 {
		for range 10 {
			if i := tr.rnd.IntN(tr.next); !slices.Contains(tr.live, i) {
				return i
			}
		}
	}
	tr.next++
	return tr.next - 1
}

// write writes job i's content; nil only makes its folder.
func (tr *tree) write(i int, b []byte) {
	p := tr.file(i)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tr.t.Fatal(err)
	}
	if b == nil {
		return
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		tr.t.Fatal(err)
	}
	// The cache tells versions apart by size, mtime and inode: a rewrite
	// of the same size within the clock's resolution must still be seen.
	at := time.Unix(1_700_000_000+int64(tr.version), 0)
	os.Chtimes(p, at, at)
}

// sameAsFresh evaluates every field both ways and fails on any difference.
func sameAsFresh(t *testing.T, m *manifest.Manifest, in *Incremental, snap map[string]any, when string) {
	t.Helper()
	for _, ep := range m.Endpoints {
		for _, f := range ep.Fields {
			if f.UsesNow {
				continue // its value moves with the clock
			}
			got, gotErr := in.EvalField(f, sourceEnv(m, snap)) // as Widget.evaluate gives it
			if l, ok := got.(render.List); ok {
				got = l.Slice() // a long list kept in chunks or made when read: its elements
			}
			want, wantErr := f.Eval(m.Env(snap))
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: field %s = %s\nincremental: %.300v (error %v)\nfresh:       %.300v (error %v)", when, f.Name, f.Expr, got, gotErr, want, wantErr)
			}
		}
	}
	// What the records count toward the output limit is kept by
	// difference too, and only a value of 32 MiB shows it: count it afresh.
	for f, pl := range in.plans {
		for _, pt := range pl.parts {
			var want int64
			for _, r := range pt.recs.All() {
				want += manifest.SourceBytes(r)
			}
			if pt.srcBytes != want || pt.items.len() != pt.recs.Len() {
				t.Fatalf("%s: a part of field %s counts %d source bytes in %d items, want %d in %d", when, f.Name, pt.srcBytes, pt.items.len(), want, pt.recs.Len())
			}
		}
	}
}

func loadBench(t *testing.T, name string) *manifest.Manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "bench", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// smallBlocks makes a sum's blocks, a sort index's and a first
// evaluation's share of records per core small, so that the trees of these
// tests span many: a change re-adds a sum from a block in the middle, moves
// entries between blocks of a sort, a sorted top keeps few entries past
// its places, a list of rows makes most of its elements when read, a
// first evaluation runs on several cores, and the items' columns span many
// blocks of four.
func smallBlocks(t *testing.T) {
	sum, par, srt, head, top, col := sumBlock, parallelFrom, sortBlock, headSize, topExtra, colShift
	sumBlock, parallelFrom, sortBlock, headSize, topExtra, colShift = 7, 16, 3, 40, 2, 2
	t.Cleanup(func() {
		sumBlock, parallelFrom, sortBlock, headSize, topExtra, colShift = sum, par, srt, head, top, col
	})
}

func TestIncrementalEqualsFreshOnBenchmarkWidgets(t *testing.T) {
	smallBlocks(t)
	for _, name := range []string{"jobs_dashboard.yaml", "jobs_owners.yaml"} {
		t.Run(name, func(t *testing.T) {
			m := loadBench(t, name)
			in := NewIncremental(m)
			for _, ep := range m.Endpoints {
				for _, f := range ep.Fields {
					if !f.UsesNow && !in.Covers(f) {
						t.Errorf("field %s (%s) is not evaluated incrementally", f.Name, f.Expr)
					}
				}
			}
			tr := newTree(t, m, 1, 300)
			sameAsFresh(t, m, in, tr.cache.Snapshot(), "first evaluation")
			for i := range 150 {
				did := tr.step()
				sameAsFresh(t, m, in, tr.cache.Snapshot(), fmt.Sprintf("step %d (%s)", i, did))
			}
			mostlyIncremental(t, in, 151)
		})
	}
}

// mostlyIncremental fails unless most evaluations of planned fields were
// incremental: a comparison with fresh evaluations proves little if the
// incremental path fell back to them.
func mostlyIncremental(t *testing.T, in *Incremental, steps int) {
	t.Helper()
	planned := len(in.plans) * steps
	t.Logf("%d of %d evaluations of planned fields fell back to fresh ones", in.fresh, planned)
	if in.fresh > planned/3 {
		t.Errorf("%d of %d evaluations fell back to fresh ones", in.fresh, planned)
	}
	// Files created, deleted and renamed (and the rescans that find them)
	// reach the parts as edits of the records, applied by index; none of
	// these steps is large enough to be merged.
	t.Logf("%d syncs of parts applied edits of files added or removed, %d merged", in.edits, in.merges)
	if in.edits == 0 || in.merges > 0 {
		t.Errorf("%d syncs applied edits, %d merged: files added or removed should all be edits", in.edits, in.merges)
	}
}

// exprGen writes random expressions over the builtins Incremental keeps,
// typed by what the chain's elements are.
type exprGen struct{ rnd *rand.Rand }

type elem int

const (
	eRecord elem = iota
	eData
	eInt
	eFloat
	eString
	eObject
)

type choice struct {
	code string
	to   elem
}

var (
	preds = map[elem][]string{
		eRecord: {`.data.state == "running"`, `.data.rows > 50000`, `.size > 150`, `.data.cpu_seconds < 70000.5`, `.error != ""`, `hasSuffix(.stem, "3")`, `.path != ""`}, // the last passes every record: a filtered list patched in place
		eData:   {`.state == "done"`, `.rows % 3 == 0`, `.progress > 0.5`, `.owner startsWith "user1"`},
		eInt:    {`# % 2 == 0`, `# > 40000`, `# < 100`, `# < 0`}, // the last passes none: empty lists
		eFloat:  {`# > 50000.0`, `# < 10.5`, `# < 0.0`},
		eString: {`# contains "1"`, `# startsWith "job-1"`, `# == "done"`},
		eObject: {`.r > 100`, `.n endsWith "7"`},
	}
	mapFns = map[elem][]choice{
		eRecord: {{`.data`, eData}, {`.data.rows`, eInt}, {`.data.cpu_seconds`, eFloat}, {`.data.name`, eString}, {`.data.state`, eString}, {`({n: .data.name, r: .data.rows})`, eObject}, {`.size`, eInt}},
		// Progress is an int when whole (0, 1), a float otherwise; the
		// owner is nil now and then (where min, max, mean fail).
		eData: {{`.rows`, eInt}, {`.progress`, eFloat}, {`.owner`, eString}, {`({n: .name, r: .rows})`, eObject}, {`.rows % 5 == 0 ? nil : .owner`, eString}},
		// Ties, ints and floats that are equal (25 and 25.0), -0.0 next
		// to 0, ints too large for a float to tell apart.
		eInt: {{`# * 2`, eInt}, {`# / 7`, eFloat}, {`string(#)`, eString}, {`# % 5`, eInt},
			{`# * 2.0`, eFloat}, {`# % 2 == 0 ? # % 50 : # % 101 / 2`, eFloat}, {`# % 3 == 1 ? -0.0 : # % 3`, eFloat}, {`# % 2 == 0 ? # * 100000000000 : #`, eInt}, {`9007199254740992 + # % 3`, eInt}},
		eFloat:  {{`# * 1.5`, eFloat}, {`int(#)`, eInt}, {`# + 0.1`, eFloat}},
		eString: {{`upper(#)`, eString}, {`len(#)`, eInt}},
		eObject: {{`.n`, eString}, {`.r`, eInt}},
	}
	keys = map[elem][]string{
		eRecord: {`.data.state`, `.data.name`, `.data.rows`, `.data.started`, `.path`},
		eData:   {`.state`, `.name`, `.cpu_seconds`, `.rows % 10`},
		eInt:    {`#`, `# % 10`},
		eFloat:  {`#`},
		eString: {`#`, `len(#)`},
		eObject: {`.n`, `.r`, `.r % 4`},
	}
)

func (g *exprGen) pick(s []string) string { return s[g.rnd.IntN(len(s))] }

// chain returns a filter/map chain over jobs and its element kind.
func (g *exprGen) chain() (string, elem) {
	code, e := "jobs", eRecord
	for range g.rnd.IntN(4) {
		if g.rnd.IntN(2) == 0 {
			code = fmt.Sprintf("filter(%s, %s)", code, g.pick(preds[e]))
		} else {
			c := mapFns[e][g.rnd.IntN(len(mapFns[e]))]
			code, e = fmt.Sprintf("map(%s, %s)", code, c.code), c.to
		}
	}
	return code, e
}

// aggregate returns an expression of one aggregate over a random chain.
func (g *exprGen) aggregate() string {
	c, e := g.chain()
	numeric := e == eInt || e == eFloat
	order := g.pick([]string{"", `, "asc"`, `, "desc"`})
	switch g.rnd.IntN(14) {
	case 0:
		return fmt.Sprintf("len(%s)", c)
	case 1:
		return fmt.Sprintf("count(%s, %s)", c, g.pick(preds[e]))
	case 2:
		return fmt.Sprintf("%s(%s, %s)", g.pick([]string{"any", "all", "none", "one"}), c, g.pick(preds[e]))
	case 3:
		return fmt.Sprintf("find(%s, %s)", c, g.pick(preds[e]))
	case 4:
		return fmt.Sprintf("groupBy(%s, %s)", c, g.pick(keys[e]))
	case 5:
		return g.cut(fmt.Sprintf("sortBy(%s, %s%s)", c, g.pick(keys[e]), order))
	case 6:
		if numeric || e == eString {
			return g.cut(fmt.Sprintf("sort(%s%s)", c, order))
		}
	case 7:
		if numeric {
			return fmt.Sprintf("sum(%s)", c)
		}
		if e == eRecord {
			return fmt.Sprintf("sum(%s, %s)", c, g.pick([]string{".data.cpu_seconds", ".data.rows", ".size"}))
		}
	case 8:
		if numeric || e == eString && g.rnd.IntN(3) == 0 { // strings: expr fails
			return fmt.Sprintf("%s(%s)", g.pick([]string{"mean", "median", "min", "max"}), c)
		}
	case 9:
		return fmt.Sprintf("uniq(%s)", c)
	}
	return c
}

// cut now and then keeps only some places of a sorted list, as a
// dashboard's top 20 does.
func (g *exprGen) cut(list string) string {
	k, a := g.rnd.IntN(8), g.rnd.IntN(4)
	switch g.rnd.IntN(5) {
	case 0:
		return fmt.Sprintf("%s[:%d]", list, k)
	case 1:
		return fmt.Sprintf("%s[%d:%d]", list, a, k)
	case 2:
		return fmt.Sprintf("take(%s, %d)", list, k)
	}
	return list
}

// expression wraps aggregates in the rest of an expression now and then.
func (g *exprGen) expression() string {
	a := g.aggregate()
	switch g.rnd.IntN(6) {
	case 0:
		return fmt.Sprintf("[%s, %s]", a, g.aggregate())
	case 1:
		return fmt.Sprintf("let x = %s; x", a)
	case 2:
		return fmt.Sprintf("len(%s) > 3 ? %s : nil", g.aggregate(), a)
	}
	return a
}

func TestIncrementalEqualsFreshOnRandomExpressions(t *testing.T) {
	smallBlocks(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("SYFT_WIDGET_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	t.Logf("seed %d (SYFT_WIDGET_SEED=%d repeats this run)", seed, seed)
	g := &exprGen{rnd: rand.New(rand.NewPCG(seed, 1))}
	dir := t.TempDir()
	var fields []string
	for len(fields) < 60 {
		e := g.expression()
		one := fmt.Sprintf("sources:\n  jobs: \"jobs/**/*.json\"\nendpoints:\n  /e:\n    f: %q\n", e)
		if _, err := manifest.Parse(filepath.Join(dir, "one.yaml"), []byte(one)); err != nil {
			continue // not well typed: the loader refuses it anyway
		}
		fields = append(fields, e)
	}
	var b strings.Builder
	b.WriteString("sources:\n  jobs: \"jobs/**/*.json\"\nendpoints:\n  /e:\n")
	for i, e := range fields {
		fmt.Fprintf(&b, "    f%d: %q\n", i, e)
	}
	m, err := manifest.Parse(filepath.Join(dir, "random.yaml"), []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	in := NewIncremental(m)
	covered := 0
	for _, f := range m.Endpoints[0].Fields {
		if in.Covers(f) {
			covered++
		}
	}
	if covered < len(fields)*3/4 {
		t.Errorf("only %d of %d random expressions are evaluated incrementally", covered, len(fields))
	}
	tr := newTree(t, m, seed, 120)
	sameAsFresh(t, m, in, tr.cache.Snapshot(), "first evaluation")
	for i := range 120 {
		did := tr.step()
		sameAsFresh(t, m, in, tr.cache.Snapshot(), fmt.Sprintf("step %d (%s)", i, did))
	}
	mostlyIncremental(t, in, 121)
}

// TestIncrementalEqualsFreshOnCalls runs the differential property over
// every aggregate kept by value (mean, median, min, max, uniq, find) on
// elements that make them hard: ints and floats that are equal, ties, -0
// next to 0, NaN-free floats, nil and strings (where expr fails), large
// ints, and lists that go empty.
func TestIncrementalEqualsFreshOnCalls(t *testing.T) {
	smallBlocks(t)
	lists := []string{
		`map(jobs, .data.progress)`, // ints (0, 1) and floats
		`map(jobs, .data.rows % 7)`, // ties
		`map(jobs, .data.rows % 2 == 0 ? .data.rows % 5 : .data.progress * 4)`, // 2 and 2.0
		`map(jobs, .data.rows % 3 == 1 ? -0.0 : .data.rows % 3)`,               // -0 and 0
		`map(filter(jobs, .data.state == "failed"), .data.rows)`,               // often empty
		`map(jobs, 9007199254740992 + .data.rows % 3)`,                         // ints a float cannot tell apart (2^53, 2^53+1)
		`map(jobs, .data.rows % 50 == 0 ? nil : .data.rows % 4)`,               // nil: expr fails
		`map(jobs, .data.owner)`,
		`map(jobs, .data.rows % 10 == 0 ? 1 : 2.0)`, // a rare extreme: a first element late, ties before it come and go
		`map(jobs, .data.rows % 10 == 0 ? 2.0 : 1)`,
	}
	var b strings.Builder
	b.WriteString("sources:\n  jobs: \"jobs/**/*.json\"\nendpoints:\n  /e:\n")
	n := 0
	for _, l := range lists {
		for _, fn := range []string{"mean", "median", "min", "max", "uniq"} {
			fmt.Fprintf(&b, "    f%d: %q\n", n, fn+"("+l+")")
			n++
		}
	}
	for _, pred := range []string{`.data.state == "failed"`, `.data.rows % 40 == 0`, `.data.rows < 0`} {
		fmt.Fprintf(&b, "    f%d: %q\n", n, "find(jobs, "+pred+")?.data?.name")
		n++
	}
	dir := t.TempDir()
	m, err := manifest.Parse(filepath.Join(dir, "calls.yaml"), []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	in := NewIncremental(m)
	for _, f := range m.Endpoints[0].Fields {
		if !in.Covers(f) {
			t.Errorf("field %s (%s) is not evaluated incrementally", f.Name, f.Expr)
		}
	}
	// A small tree too: a change there often comes before a value's
	// first element, or is it.
	for _, size := range []int{200, 30} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			m, err := manifest.Parse(filepath.Join(t.TempDir(), "calls.yaml"), []byte(b.String()))
			if err != nil {
				t.Fatal(err)
			}
			in := NewIncremental(m)
			tr := newTree(t, m, 3, size)
			sameAsFresh(t, m, in, tr.cache.Snapshot(), "first evaluation")
			for i := range 200 {
				did := tr.step()
				sameAsFresh(t, m, in, tr.cache.Snapshot(), fmt.Sprintf("step %d (%s)", i, did))
			}
			mostlyIncremental(t, in, 201)
		})
	}
}
