package sources

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syft-widget/syft-widget/manifest"
)

const request = `{"id": "2f91", "sender": "bob@x.org", "url": "syft://alice@x.org/app_data/echo/rpc/ping", "method": "POST", "body": "eyJtc2ciOiJwaW5nIn0=", "created": "2026-11-30T03:15:17.84Z"}`

// A SyftBox tree as the real client leaves it while it syncs.
func syftTreeRoot(t *testing.T) (dataDir, datasites string) {
	dataDir = t.TempDir()
	ds := filepath.Join(dataDir, "datasites")
	write(t, ds, "alice@x.org/app_data/echo/rpc/ping/2f91.request", request)
	write(t, ds, "alice@x.org/app_data/echo/rpc/ping/2f91.response", `{"id":"2f91","status_code":200}`)
	write(t, ds, "alice@x.org/app_data/echo/rpc/ping/77aa.request.tmp.1732937717", `{"id":`) // in flight
	write(t, ds, "alice@x.org/results/a.csv", "x\n1\n")
	write(t, ds, "alice@x.org/results/a.conflict.csv", "x\n2\n")
	write(t, ds, "alice@x.org/results/b.csv", "x\n3\n")
	write(t, ds, "alice@x.org/results/b.rejected.csv", "x\n4\n")
	write(t, ds, "alice@x.org/results/run.log", "ok\n")
	write(t, ds, "alice@x.org/.ipynb_checkpoints/n.csv", "x\n")
	write(t, ds, "syftignore", "*.parquet\n")
	write(t, ds, "alice@x.org/results/t.parquet", "PAR1")
	write(t, dataDir, ".syft-tmp/x.request", "{}")
	return dataDir, ds
}

func TestSyftBoxTreeLeavesOutWhatSyftBoxIgnoresAndInFlightDownloads(t *testing.T) {
	_, ds := syftTreeRoot(t)
	c := NewCache(ds, []*manifest.Source{globSource("all", "**"), globSource("rpc", "**/*.{request,response}")})
	c.Scan()
	got := strings.Join(paths(records(t, c, "all")), " ")
	want := "alice@x.org/app_data/echo/rpc/ping/2f91.request alice@x.org/app_data/echo/rpc/ping/2f91.response alice@x.org/results/a.csv alice@x.org/results/b.csv"
	if got != want {
		t.Errorf("all:\n got %s\nwant %s", got, want)
	}
	rpc := records(t, c, "rpc")
	if len(rpc) != 2 || rpc[0].Error != "" {
		t.Fatalf("rpc: %v", paths(rpc))
	}
	m, ok := manifest.Open(rpc[0].Data).(map[string]any)
	if !ok || m["sender"] != "bob@x.org" {
		t.Errorf(".request under auto is not JSON: %#v", rpc[0].Data)
	}
	if rpc[0].Datasite != "alice@x.org" {
		t.Errorf("datasite = %q", rpc[0].Datasite)
	}
}

func TestSyftIgnoreFalseKeepsMarkersButNotDownloads(t *testing.T) {
	_, ds := syftTreeRoot(t)
	c := NewCache(filepath.Join(ds, "alice@x.org"), []*manifest.Source{globSource("res", "results/*"), func() *manifest.Source { s := globSource("keep", "**/*.*"); s.NoSyftIgnore = true; return s }()})
	c.Scan()
	if got := strings.Join(paths(records(t, c, "res")), " "); got != "results/a.csv results/b.csv" {
		t.Errorf("res: %s", got)
	}
	got := strings.Join(paths(records(t, c, "keep")), " ")
	for _, p := range []string{"results/a.conflict.csv", "results/b.rejected.csv", "results/run.log", ".ipynb_checkpoints/n.csv"} {
		if !strings.Contains(got, p) {
			t.Errorf("keep lacks %s: %s", p, got)
		}
	}
	if strings.Contains(got, ".tmp.") {
		t.Errorf("keep counts a download in flight: %s", got)
	}
	for _, r := range records(t, c, "res") {
		if r.Datasite != "alice@x.org" {
			t.Errorf("%s: datasite %q (root inside the datasite)", r.Path, r.Datasite)
		}
	}
}

func TestMarkersAreFlagsOnTheirFilesAndFollowChanges(t *testing.T) {
	_, ds := syftTreeRoot(t)
	c := NewCache(ds, []*manifest.Source{globSource("res", "alice@x.org/results/*.csv")})
	c.Scan()
	flags := func() string {
		var out []string
		for _, r := range records(t, c, "res") {
			out = append(out, r.Name+":"+map[bool]string{true: "C", false: "-"}[r.Conflict]+map[bool]string{true: "R", false: "-"}[r.Rejected])
		}
		return strings.Join(out, " ")
	}
	if got := flags(); got != "a.csv:C- b.csv:-R" {
		t.Errorf("after scan: %s", got)
	}
	// Deleting a marker clears it; a new one sets it: the watcher reports the marker's path.
	os.Remove(filepath.Join(ds, "alice@x.org/results/a.conflict.csv"))
	write(t, ds, "alice@x.org/results/b.conflict.csv", "x\n5\n")
	changed := c.Refresh([]string{"alice@x.org/results/a.conflict.csv", "alice@x.org/results/b.conflict.csv"})
	if len(changed) != 1 || changed[0] != "res" {
		t.Errorf("changed = %v", changed)
	}
	if got := flags(); got != "a.csv:-- b.csv:CR" {
		t.Errorf("after the markers changed: %s", got)
	}
}

func TestNoSyftBoxRulesOutsideASyftBoxTree(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a.conflict.csv", "x\n1\n")
	write(t, root, "run.log", "x\n")
	c := NewCache(root, []*manifest.Source{globSource("all", "*")})
	c.Scan()
	recs := records(t, c, "all")
	if len(recs) != 2 || recs[0].Datasite != "" {
		t.Errorf("outside SyftBox: %v", paths(recs))
	}
}

func TestWatchRaisesAndClearsConflictFlags(t *testing.T) {
	_, ds := syftTreeRoot(t)
	h := startWatch(t, ds, time.Second, watchOptions{}, globSource("res", "alice@x.org/results/*.csv"))
	conflict := func() bool {
		for _, r := range records(t, h.c, "res") {
			if r.Name == "a.csv" {
				return r.Conflict
			}
		}
		return false
	}
	eventually(t, "a.csv flagged", conflict)
	os.Remove(filepath.Join(ds, "alice@x.org/results/a.conflict.csv"))
	eventually(t, "the flag cleared once its marker is deleted", func() bool { return !conflict() })
	write(t, ds, "alice@x.org/results/a.conflict.csv", "x\n9\n")
	eventually(t, "a.csv flagged again", conflict)
}

func TestAGlobThatOnlyMatchesIgnoredFilesSaysSo(t *testing.T) {
	_, ds := syftTreeRoot(t)
	c := NewCache(ds, []*manifest.Source{globSource("logs", "**/*.log")})
	c.Scan()
	w := c.Warnings()
	if len(w) != 1 || !strings.Contains(w[0], "no file matches **/*.log under "+ds+" that SyftBox syncs (files that match are ignored by SyftBox") {
		t.Errorf("warnings: %q", w)
	}
}
