package sources

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syft-widget/syft-widget/manifest"
)

func TestScanListsMatchingFilesSortedByPath(t *testing.T) {
	root := t.TempDir()
	for _, rel := range []string{"jobs/a/b.json", "jobs/a-c.json", "jobs/a.json", "jobs/z/y/x.json", "jobs/B.json", "jobs/notes.txt", "other/q.json"} {
		write(t, root, rel, `{"n":1}`)
	}
	c := NewCache(root, []*manifest.Source{globSource("jobs", "jobs/**/*.json")})
	if changed := c.Scan(); !reflect.DeepEqual(changed, []string{"jobs"}) {
		t.Fatalf("first Scan reported %v, want [jobs]", changed)
	}
	got := paths(records(t, c, "jobs"))
	want := []string{"jobs/B.json", "jobs/a-c.json", "jobs/a.json", "jobs/a/b.json", "jobs/z/y/x.json"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("paths = %v, want %v (sorted bytewise)", got, want)
	}
	if changed := c.Scan(); changed != nil {
		t.Fatalf("a second Scan over unchanged files reported %v", changed)
	}
}

func TestRecordHasEveryFieldOfTheSpec(t *testing.T) {
	root := t.TempDir()
	write(t, root, "jobs/2024/run.1.json", `{"name":"x","n":3}`)
	mtime := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	os.Chtimes(filepath.Join(root, "jobs/2024/run.1.json"), mtime, mtime)
	write(t, root, "top.yaml", "a: 1\n")
	c := NewCache(root, []*manifest.Source{globSource("jobs", "jobs/**/*.json"), globSource("top", "*.yaml")})
	c.Scan()
	r := records(t, c, "jobs")[0]
	want := manifest.Record{
		Path: "jobs/2024/run.1.json", Name: "run.1.json", Stem: "run.1", Ext: ".json", Dir: "jobs/2024",
		Size: 18, Mtime: mtime, Exists: true, Data: map[string]any{"name": "x", "n": 3},
	}
	r.Mtime = r.Mtime.UTC()
	r.Data = manifest.Open(r.Data)
	if !reflect.DeepEqual(*r, want) {
		t.Fatalf("record = %+v\nwant     %+v", *r, want)
	}
	if top := records(t, c, "top")[0]; top.Dir != "." || top.Path != "top.yaml" {
		t.Fatalf("root-level record has Dir %q Path %q, want \".\" and top.yaml", top.Dir, top.Path)
	}
}

func TestExcludeLeavesFilesOut(t *testing.T) {
	root := t.TempDir()
	for _, rel := range []string{"a.json", "tmp/b.json", "x/tmp/c.json", "x/d.json", "x/d.tmp.json"} {
		write(t, root, rel, `1`)
	}
	c := NewCache(root, []*manifest.Source{globSource("s", "**/*.json", "**/tmp/**", "**/*.tmp.json")})
	c.Scan()
	if got := paths(records(t, c, "s")); !reflect.DeepEqual(got, []string{"a.json", "x/d.json"}) {
		t.Fatalf("paths = %v", got)
	}
	// Refresh agrees with the walk.
	write(t, root, "x/tmp/e.json", `1`)
	if changed := c.Refresh([]string{"x/tmp/e.json", "x/tmp"}); changed != nil {
		t.Fatalf("refreshing excluded paths reported %v", changed)
	}
}

func TestGitFoldersAreSkippedUnlessThePatternNamesThem(t *testing.T) {
	root := t.TempDir()
	write(t, root, ".git/config.json", `1`)
	write(t, root, "a/.git/x.json", `1`)
	write(t, root, "a/b.json", `1`)
	c := NewCache(root, []*manifest.Source{globSource("all", "**/*.json"), globSource("git", ".git/*.json")})
	c.Scan()
	if got := paths(records(t, c, "all")); !reflect.DeepEqual(got, []string{"a/b.json"}) {
		t.Fatalf("all = %v", got)
	}
	if got := paths(records(t, c, "git")); !reflect.DeepEqual(got, []string{".git/config.json"}) {
		t.Fatalf("git = %v", got)
	}
}

func TestFileSourcePresentThenMissing(t *testing.T) {
	root := t.TempDir()
	c := NewCache(root, []*manifest.Source{fileSource("config", "conf/app.yaml")})
	c.Scan()
	r := c.Snapshot()["config"].(*manifest.Record)
	if r.Exists || r.Path != "conf/app.yaml" || r.Name != "app.yaml" || r.Data != nil || r.Error != "" {
		t.Fatalf("missing file record = %+v", r)
	}
	write(t, root, "conf/app.yaml", "title: Hi\n")
	if changed := c.Refresh([]string{"conf"}); !reflect.DeepEqual(changed, []string{"config"}) {
		t.Fatalf("Refresh = %v", changed)
	}
	r = c.Snapshot()["config"].(*manifest.Record)
	if !r.Exists || !reflect.DeepEqual(manifest.Open(r.Data), map[string]any{"title": "Hi"}) {
		t.Fatalf("present file record = %+v", r)
	}
	os.Remove(filepath.Join(root, "conf/app.yaml"))
	if changed := c.Refresh([]string{filepath.Join(root, "conf/app.yaml")}); !reflect.DeepEqual(changed, []string{"config"}) {
		t.Fatalf("Refresh after removal = %v", changed)
	}
	if r = c.Snapshot()["config"].(*manifest.Record); r.Exists {
		t.Fatalf("removed file still exists: %+v", r)
	}
}

func TestFileOverTheSizeLimitIsListedButNotRead(t *testing.T) {
	root := t.TempDir()
	write(t, root, "big.json", `"`+strings.Repeat("x", 3<<20)+`"`)
	write(t, root, "small.json", `1`)
	src := globSource("data", "*.json")
	src.MaxFileSize = 1 << 20
	c := NewCache(root, []*manifest.Source{src})
	c.Scan()
	recs := records(t, c, "data")
	big := recs[0]
	if big.Data != nil || big.Error != "file is 3 MiB, over the 1 MiB limit of source data; not read" || !big.Exists || big.Size != 3<<20+2 {
		t.Fatalf("big record = %+v", big)
	}
	if c.Reads() != 1 {
		t.Fatalf("Reads = %d, want 1 (the small file only)", c.Reads())
	}
}

func TestSymlinkLeadingOutsideTheRootIsNotRead(t *testing.T) {
	outside := t.TempDir()
	write(t, outside, "secret.json", `{"secret":true}`)
	root := t.TempDir()
	write(t, root, "inside.json", `{"ok":1}`)
	if err := os.Symlink(filepath.Join(outside, "secret.json"), filepath.Join(root, "escape.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../"+filepath.Base(outside)+"/secret.json", filepath.Join(root, "relative.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("inside.json", filepath.Join(root, "link.json")); err != nil {
		t.Fatal(err)
	}
	c := NewCache(root, []*manifest.Source{globSource("s", "*.json"), fileSource("f", "escape.json")})
	c.Scan()
	got := map[string]*manifest.Record{}
	for _, r := range records(t, c, "s") {
		got[r.Path] = r
	}
	for _, p := range []string{"escape.json", "relative.json"} {
		if r := got[p]; r == nil || r.Data != nil || !strings.Contains(r.Error, "outside the root") {
			t.Errorf("%s = %+v, want an error about leaving the root", p, r)
		}
	}
	if r := got["link.json"]; r == nil || !reflect.DeepEqual(manifest.Open(r.Data), map[string]any{"ok": 1}) {
		t.Errorf("a symlink inside the root should be read: %+v", r)
	}
	if r := c.Snapshot()["f"].(*manifest.Record); r.Data != nil || !strings.Contains(r.Error, "outside the root") {
		t.Errorf("file source through an escaping symlink = %+v", r)
	}
}

func TestHalfWrittenJSONGivesAnErrorThenTheData(t *testing.T) {
	root := t.TempDir()
	write(t, root, "job.json", `{"name": "train", "sta`)
	c := NewCache(root, []*manifest.Source{globSource("jobs", "*.json")})
	c.Scan()
	r := records(t, c, "jobs")[0]
	if r.Data != nil || r.Error != "invalid JSON at line 1, column 23: unexpected end of input" {
		t.Fatalf("half-written record = %+v", r)
	}
	write(t, root, "job.json", `{"name": "train", "state": "done"}`)
	c.Refresh([]string{"job.json"})
	r = records(t, c, "jobs")[0]
	if r.Error != "" || !reflect.DeepEqual(manifest.Open(r.Data), map[string]any{"name": "train", "state": "done"}) {
		t.Fatalf("completed record = %+v", r)
	}
}

func TestFileThatStopsParsingKeepsItsLastGoodDataMarkedStale(t *testing.T) {
	root := t.TempDir()
	write(t, root, "job.json", `{"name": "train", "state": "running"}`)
	write(t, root, "new.json", `{"name": "ev`)
	c := NewCache(root, []*manifest.Source{globSource("jobs", "*.json"), fileSource("one", "job.json")})
	c.Scan()
	if r := records(t, c, "jobs")[1]; r.Data != nil || r.Stale || r.Error == "" {
		t.Fatalf("never-parsed record = %+v, want null data, an error, not stale", r)
	}
	write(t, root, "job.json", `{"name": "train", "sta`)
	c.Refresh([]string{"job.json"})
	good := map[string]any{"name": "train", "state": "running"}
	for _, r := range []*manifest.Record{records(t, c, "jobs")[0], c.Snapshot()["one"].(*manifest.Record)} {
		if !r.Stale || r.Error == "" || !reflect.DeepEqual(manifest.Open(r.Data), good) {
			t.Fatalf("record that stopped parsing = %+v, want its last good data, an error and stale", r)
		}
	}
	write(t, root, "job.json", `{"name": "train", "state": "do`)
	c.Refresh([]string{"job.json"})
	if r := records(t, c, "jobs")[0]; !r.Stale || !reflect.DeepEqual(manifest.Open(r.Data), good) {
		t.Fatalf("record broken twice = %+v, want the data of the last good read", r)
	}
	write(t, root, "job.json", `{"name": "train", "state": "done"}`)
	c.Refresh([]string{"job.json"})
	if r := records(t, c, "jobs")[0]; r.Stale || r.Error != "" || manifest.Open(r.Data).(map[string]any)["state"] != "done" {
		t.Fatalf("repaired record = %+v", r)
	}
}

func TestRefreshReadsOnlyTheChangedFile(t *testing.T) {
	root := t.TempDir()
	for i := range 50 {
		write(t, root, "d/"+string(rune('a'+i%26))+string(rune('a'+i/26))+".json", `{"n":1}`)
	}
	c := NewCache(root, []*manifest.Source{globSource("s", "d/*.json"), globSource("other", "o/*.json")})
	c.Scan()
	before := c.Reads()
	write(t, root, "d/aa.json", `{"n":2}`)
	if changed := c.Refresh([]string{"d/aa.json"}); !reflect.DeepEqual(changed, []string{"s"}) {
		t.Fatalf("Refresh = %v, want [s]", changed)
	}
	if n := c.Reads() - before; n != 1 {
		t.Fatalf("Refresh read %d files, want 1", n)
	}
	if r := records(t, c, "s")[0]; r.Path != "d/aa.json" || !reflect.DeepEqual(manifest.Open(r.Data), map[string]any{"n": 2}) {
		t.Fatalf("record = %+v", r)
	}
	// Scan re-reads nothing that did not change.
	before = c.Reads()
	if changed := c.Scan(); changed != nil {
		t.Fatalf("Scan = %v", changed)
	}
	if n := c.Reads() - before; n != 0 {
		t.Fatalf("Scan read %d unchanged files", n)
	}
}

func TestRefreshSeesARewriteOfTheSameSizeAndMtime(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a.json", `{"v":1}`)
	p := filepath.Join(root, "a.json")
	fi, _ := os.Stat(p)
	c := NewCache(root, []*manifest.Source{globSource("s", "*.json")})
	c.Scan()
	write(t, root, "a.json", `{"v":2}`)
	os.Chtimes(p, fi.ModTime(), fi.ModTime())
	if changed := c.Refresh([]string{"a.json"}); !reflect.DeepEqual(changed, []string{"s"}) {
		t.Fatalf("Refresh = %v", changed)
	}
	if r := records(t, c, "s")[0]; !reflect.DeepEqual(manifest.Open(r.Data), map[string]any{"v": 2}) {
		t.Fatalf("data = %v", r.Data)
	}
	// Touching without a change in content changes the mtime only.
	old := records(t, c, "s")[0]
	if changed := c.Refresh([]string{"a.json"}); changed != nil {
		t.Fatalf("re-reading an unchanged file reported %v", changed)
	}
	if records(t, c, "s")[0] != old {
		t.Fatalf("an unchanged re-read replaced the record")
	}
}

func TestRefreshOfFoldersAddsAndDropsWhatIsBelow(t *testing.T) {
	root := t.TempDir()
	write(t, root, "jobs/old/a.json", `1`)
	write(t, root, "jobs/keep.json", `1`)
	c := NewCache(root, []*manifest.Source{globSource("jobs", "jobs/**/*.json")})
	c.Scan()
	write(t, root, "jobs/new/x/y.json", `2`)
	write(t, root, "jobs/new/z.json", `3`)
	os.RemoveAll(filepath.Join(root, "jobs/old"))
	c.Refresh([]string{"jobs/new", "jobs/old"})
	want := []string{"jobs/keep.json", "jobs/new/x/y.json", "jobs/new/z.json"}
	if got := paths(records(t, c, "jobs")); !reflect.DeepEqual(got, want) {
		t.Fatalf("paths = %v, want %v", got, want)
	}
	// A folder replaced by a file of the same name, and back.
	os.RemoveAll(filepath.Join(root, "jobs/new"))
	write(t, root, "jobs/new", `not json`)
	c.Refresh([]string{"jobs/new"})
	if got := paths(records(t, c, "jobs")); !reflect.DeepEqual(got, []string{"jobs/keep.json"}) {
		t.Fatalf("paths = %v", got)
	}
}

func TestRefreshIgnoresPathsOutsideTheRoot(t *testing.T) {
	root := t.TempDir()
	c := NewCache(root, []*manifest.Source{globSource("s", "**/*.json")})
	c.Scan()
	for _, p := range []string{"../x.json", "/etc/passwd", filepath.Join(filepath.Dir(root), "x.json")} {
		if changed := c.Refresh([]string{p}); changed != nil {
			t.Fatalf("Refresh(%s) = %v", p, changed)
		}
	}
}

func TestSnapshotIsUntouchedByLaterChanges(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a.json", `1`)
	write(t, root, "c.json", `3`)
	c := NewCache(root, []*manifest.Source{globSource("s", "*.json")})
	c.Scan()
	snap := c.Snapshot()
	held := snap["s"].(*manifest.Chunks[*manifest.Record]).Slice()
	heldCopy := slices.Clone(held)
	first := *held[0]
	write(t, root, "b.json", `2`)
	write(t, root, "a.json", `11`)
	os.Remove(filepath.Join(root, "c.json"))
	c.Refresh([]string{"a.json", "b.json", "c.json"})
	if !slices.Equal(held, heldCopy) || !reflect.DeepEqual(*held[0], first) {
		t.Fatalf("a held snapshot changed under the caller")
	}
	if got := state(c.Snapshot()["s"]); got != want(map[string]any{"a.json": 11, "b.json": 2}) {
		t.Fatalf("new snapshot = %q", got)
	}
}

// chunkedSource is a scanned cache of one source of 3,000 files (more than
// two chunks of records), its root, and its records as scanned.
func chunkedSource(t *testing.T) (string, *Cache, *manifest.Chunks[*manifest.Record]) {
	root := t.TempDir()
	for i := range 3000 {
		write(t, root, fmt.Sprintf("%04d.json", i), `1`)
	}
	c := NewCache(root, []*manifest.Source{globSource("s", "*.json")})
	c.Scan()
	return root, c, c.Snapshot()["s"].(*manifest.Chunks[*manifest.Record])
}

func TestAChangeInPlaceReplacesOnlyItsRecord(t *testing.T) {
	root, c, held := chunkedSource(t)
	heldCopy := slices.Clone(held.Slice())
	write(t, root, "1500.json", `2`)
	c.Refresh([]string{"1500.json"})
	now := c.Snapshot()["s"].(*manifest.Chunks[*manifest.Record])
	changed, ok := now.Changed(held, func(a, b *manifest.Record) bool { return a == b })
	if !ok || !slices.Equal(changed, []int{1500}) || now.At(1500).Data != 2 {
		t.Fatalf("records changed: %v (same paths %v), want [1500]", changed, ok)
	}
	if !slices.Equal(held.Slice(), heldCopy) {
		t.Fatalf("the version held before the change changed under the caller")
	}
}

func TestFilesAddedOrRemovedMakeVersionsThatSayWhatChanged(t *testing.T) {
	root, c, held := chunkedSource(t)
	heldCopy := slices.Clone(held.Slice())
	write(t, root, "3000.json", `2`) // a new job, last
	os.Rename(filepath.Join(root, "0007.json"), filepath.Join(root, "1500x.json"))
	write(t, root, "0010.json", `3`)
	c.Refresh([]string{"3000.json", "0007.json", "1500x.json", "0010.json"})
	now := c.Snapshot()["s"].(*manifest.Chunks[*manifest.Record])
	steps, ok := now.Since(held)
	var did []string
	for _, st := range steps {
		did = append(did, fmt.Sprint(st.Op, st.Idx))
	}
	// In path order: 0007 removed, 0010 replaced (now at 9), 1500x
	// inserted after 1500 (at 1500), 3000 appended.
	want := []string{"3 [7]", "1 [9]", "2 [1500]", "2 [3000]"}
	if !ok || !slices.Equal(did, want) {
		t.Fatalf("edits since the held version: %v (%v), want %v", did, ok, want)
	}
	if now.Len() != 3001 || now.At(3000).Path != "3000.json" || now.At(1500).Path != "1500x.json" || now.At(9).Data != 3 {
		t.Fatal("the new version does not hold the files")
	}
	if !slices.Equal(held.Slice(), heldCopy) {
		t.Fatal("the version held before the change changed under the caller")
	}
	// A rescan that finds one file gone says so too.
	os.Remove(filepath.Join(root, "0000.json"))
	c.Scan()
	steps, ok = c.Snapshot()["s"].(*manifest.Chunks[*manifest.Record]).Since(now)
	if !ok || len(steps) != 1 || steps[0].Op != manifest.EditDelete || steps[0].Idx[0] != 0 {
		t.Fatalf("a rescan's edits: %+v (%v)", steps, ok)
	}
}

func TestRefreshReportsOnlyTheSourcesThatChanged(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a/x.json", `1`)
	write(t, root, "b/x.csv", "n\n1\n")
	c := NewCache(root, []*manifest.Source{globSource("a", "a/*.json"), globSource("b", "b/*.csv"), globSource("both", "*/x.*")})
	c.Scan()
	write(t, root, "b/x.csv", "n\n2\n")
	if changed := c.Refresh([]string{"b/x.csv"}); !reflect.DeepEqual(changed, []string{"b", "both"}) {
		t.Fatalf("Refresh = %v, want [b both]", changed)
	}
	if got := state(c.Snapshot()["both"]); got != want(map[string]any{"a/x.json": 1, "b/x.csv": []any{map[string]any{"n": 2}}}) {
		t.Fatalf("both = %q", got)
	}
}

func TestAutoFormatByExtensionAndContent(t *testing.T) {
	root := t.TempDir()
	write(t, root, "app.log", "one\ntwo\n")
	write(t, root, "notes", "plain words")
	write(t, root, "blob.bin", "\x00\xff\xfe")
	write(t, root, "rows.tsv", "a\tb\n1\tx\n")
	c := NewCache(root, []*manifest.Source{globSource("s", "*")})
	c.Scan()
	got := map[string]any{}
	for _, r := range records(t, c, "s") {
		got[r.Path] = r.Data
	}
	wantData := map[string]any{
		"app.log": []any{"one", "two"}, "notes": "plain words", "blob.bin": nil,
		"rows.tsv": []any{map[string]any{"a": 1, "b": "x"}},
	}
	if !reflect.DeepEqual(got, wantData) {
		t.Fatalf("data = %#v", got)
	}
}

func TestExplicitFormatAndNone(t *testing.T) {
	root := t.TempDir()
	write(t, root, "data.txt", `{"a":1}`)
	asJSON := globSource("j", "*.txt")
	asJSON.Format = "json"
	none := globSource("n", "*.txt")
	none.Format = "none"
	c := NewCache(root, []*manifest.Source{asJSON, none})
	c.Scan()
	if r := records(t, c, "j")[0]; !reflect.DeepEqual(manifest.Open(r.Data), map[string]any{"a": 1}) {
		t.Fatalf("json = %+v", r)
	}
	if r := records(t, c, "n")[0]; r.Data != nil || r.Size != 7 || r.Error != "" {
		t.Fatalf("none = %+v", r)
	}
	if c.Reads() != 1 {
		t.Fatalf("Reads = %d: the file is read once for both sources, and none reads nothing", c.Reads())
	}
}

func TestBracePatternsAndSymlinkedFolders(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a/x.json", `1`)
	write(t, root, "b/y.yaml", `2`)
	write(t, root, "c/z.json", `3`)
	os.Symlink("a", filepath.Join(root, "linked"))
	c := NewCache(root, []*manifest.Source{globSource("s", "{a,b}/*.{json,yaml}"), globSource("all", "**/*.json")})
	c.Scan()
	if got := paths(records(t, c, "s")); !reflect.DeepEqual(got, []string{"a/x.json", "b/y.yaml"}) {
		t.Fatalf("s = %v", got)
	}
	if got := paths(records(t, c, "all")); !reflect.DeepEqual(got, []string{"a/x.json", "c/z.json"}) {
		t.Fatalf("all = %v: symlinked folders are not followed", got)
	}
	if changed := c.Refresh([]string{"linked/x.json"}); changed != nil {
		t.Fatalf("Refresh through a symlinked folder = %v", changed)
	}
}

func TestPatternsLeavingTheRootAreRefused(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a.json", `1`)
	c := NewCache(root, []*manifest.Source{globSource("g", "../*.json"), fileSource("f", "../a.json"), globSource("ok", "*.json")})
	c.Scan()
	if got := records(t, c, "g"); len(got) != 0 {
		t.Fatalf("g = %v", paths(got))
	}
	if r := c.Snapshot()["f"].(*manifest.Record); r.Exists || !strings.Contains(r.Error, "inside the root") {
		t.Fatalf("f = %+v", r)
	}
	if got := records(t, c, "ok"); len(got) != 1 {
		t.Fatalf("ok = %v", paths(got))
	}
}

func TestMissingRootGivesEmptySources(t *testing.T) {
	root := filepath.Join(t.TempDir(), "nope")
	c := NewCache(root, []*manifest.Source{globSource("s", "*.json"), fileSource("f", "a.json")})
	c.Scan()
	if got := records(t, c, "s"); len(got) != 0 {
		t.Fatalf("s = %v", got)
	}
	write(t, root, "a.json", `1`)
	if changed := c.Scan(); !reflect.DeepEqual(changed, []string{"s", "f"}) {
		t.Fatalf("Scan = %v", changed)
	}
}
