// Package jobtree writes trees of job files like those a distributed job
// system leaves behind: one small JSON file per job, a thousand per folder.
// The benchmarks and the differential tests of incremental evaluation run
// the widgets of testdata/bench over such trees.
package jobtree

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// States are the states a job is in, in the proportions Job gives them.
var States = []string{"queued", "running", "done", "failed"}

// PerDir is how many job files share one folder.
const PerDir = 1000

// Path returns the path of job i relative to the tree's root.
func Path(i int) string {
	return fmt.Sprintf("jobs/d%04d/job%07d.json", i/PerDir, i)
}

// Job returns the content of job i in its version-th edit (0 for the
// first). It mixes integers, floats, strings and times, as real job files
// do; different versions give different states, counts and times.
func Job(i, version int) []byte {
	h := uint64(i)*2654435761 + uint64(version)*40503
	state := States[(h>>3)%4]
	// Start times and CPU seconds differ from job to job, as they do.
	started := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Minute + time.Duration(version%60)*time.Second)
	cpu := float64(i)/3 + float64(version%1000)/1000
	return fmt.Appendf(nil, `{"name":"job-%d","state":%q,"owner":"user%d@example.org","rows":%d,"cpu_seconds":%.3f,"progress":%.2f,"started":%q}`,
		i, state, h%37, h%100_000, cpu, float64(h%101)/100, started.Format(time.RFC3339))
}

// Write writes n jobs (first versions) under root.
func Write(root string, n int) error {
	for i := 0; i < n; i++ {
		p := filepath.Join(root, filepath.FromSlash(Path(i)))
		if i%PerDir == 0 {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
		}
		if err := os.WriteFile(p, Job(i, 0), 0o644); err != nil {
			return err
		}
	}
	return nil
}
