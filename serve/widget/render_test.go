package widget

import (
	"encoding/json"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/syft-widget/syft-widget/render"
	"github.com/syft-widget/syft-widget/serve/internal/benchtree"
)

// TestEachVersionDrawsAndPatchesAsAFreshRender edits, removes and adds job
// files under both benchmark widgets and checks, after each change, that
// the body (drawn with the items kept from the version before) equals a
// fresh render of the same values by a new template, and that the patch
// (shaped from the pieces of the body) equals the one that parsing both
// whole bodies gives.
func TestEachVersionDrawsAndPatchesAsAFreshRender(t *testing.T) {
	dir := t.TempDir()
	const n = 600 // over list_limit: "… and N more"
	if err := benchtree.WriteJobs(dir, n); err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 3))
	// The owners widget writes values outside its data-field elements:
	// most of its changes send the whole body.
	for name, least := range map[string]int{"jobs_dashboard.yaml": 20, "jobs_owners.yaml": 3} {
		m, err := os.ReadFile(filepath.Join("..", "..", "testdata", "bench", name))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, m, 0o644); err != nil {
			t.Fatal(err)
		}
		w, err := Load(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		patches := 0
		// 60 random steps, and more until enough of them gave a patch
		// (how many do depends on the seed).
		for step := 0; step < 60 || patches < least && step < 2000; step++ {
			i := rng.IntN(n + 20)
			if rng.IntN(2) == 0 {
				i = rng.IntN(210) // among the rows shown
			}
			p := filepath.Join(dir, filepath.FromSlash(benchtree.JobPath(i)))
			switch rng.IntN(6) {
			case 0:
				os.Remove(p)
			case 1:
				os.WriteFile(p, []byte(`{"name": "half`), 0o644)
			default:
				os.MkdirAll(filepath.Dir(p), 0o755)
				benchtree.EditJob(t, dir, i, step+1)
			}
			prev := w.State()
			for _, src := range w.cache.Refresh([]string{p}) {
				w.update(w.affected(map[string]bool{src: true}))
			}
			next := w.State()
			if next == prev {
				continue
			}
			fresh, _, err := compileTemplate(w.M, path)
			if err != nil {
				t.Fatal(err)
			}
			fresh.ListLimit = w.M.ListLimit
			values := maps.Clone(next.Good)
			values["title"] = w.M.Title
			want, err := fresh.Body(values, next.Errors)
			if err != nil {
				t.Fatal(err)
			}
			if next.HTML != want {
				t.Fatalf("seed %d, %s, step %d: the body differs from a fresh render\n got: %s\nwant: %s", seed, name, step, next.HTML, want)
			}
			ops, ok := render.ShapeOf(prev.HTML).Patch(render.ShapeOf(next.HTML))
			got, sent := next.PatchFrom(prev.Version)
			if sent != ok {
				t.Fatalf("seed %d, %s, step %d: a patch is sent: %v, parsing whole bodies says %v", seed, name, step, sent, ok)
			}
			if !ok {
				continue
			}
			patches++
			var sentPatch struct{ Patch json.RawMessage }
			json.Unmarshal(got, &sentPatch)
			wantPatch, _ := json.Marshal(ops)
			if string(sentPatch.Patch) != string(wantPatch) {
				t.Fatalf("seed %d, %s, step %d: patch\n got %s\nwant %s", seed, name, step, sentPatch.Patch, wantPatch)
			}
		}
		if patches < least {
			t.Errorf("%s: only %d patches were compared", name, patches)
		}
	}
}
