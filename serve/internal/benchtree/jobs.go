package benchtree

// Trees of job files like those a distributed job system leaves behind: one
// small JSON file per job, a thousand per folder. The benchmarks and the
// differential tests of incremental evaluation run the widgets of
// testdata/bench over such trees.

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// JobStates are the states a job is in, in the proportions Job gives them.
var JobStates = []string{"queued", "running", "done", "failed"}

// JobsPerDir is how many job files share one folder.
const JobsPerDir = 1000

// JobPath returns the path of job i relative to the tree's root.
func JobPath(i int) string {
	return fmt.Sprintf("jobs/d%04d/job%07d.json", i/JobsPerDir, i)
}

// Job returns the content of job i in its version-th edit (0 for the
// first). It mixes integers, floats, strings and times, as real job files
// do; different versions give different states, counts and times.
func Job(i, version int) []byte {
	h := uint64(i)*2654435761 + uint64(version)*40503
	state := JobStates[(h>>3)%4]
	// Start times and CPU seconds differ from job to job, as they do.
	started := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Minute + time.Duration(version%60)*time.Second)
	cpu := float64(i)/3 + float64(version%1000)/1000
	return fmt.Appendf(nil, `{"name":"job-%d","state":%q,"owner":"user%d@example.org","rows":%d,"cpu_seconds":%.3f,"progress":%.2f,"started":%q}`,
		i, state, h%37, h%100_000, cpu, float64(h%101)/100, started.Format(time.RFC3339))
}

// WriteJobs writes n jobs (first versions) under root.
func WriteJobs(root string, n int) error {
	for i := 0; i < n; i++ {
		p := filepath.Join(root, filepath.FromSlash(JobPath(i)))
		if i%JobsPerDir == 0 {
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

// JobTree returns a folder holding n jobs and the widgets of testdata/bench
// (jobs_dashboard.yaml, jobs_owners.yaml). Writing a million files takes
// minutes, so the tree is made once, in the system's temporary folder, and
// reused by later runs; benchmarks that edit jobs leave it valid.
func JobTree(b testing.TB, n int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("syft-widget-bench-jobs-%d", n))
	done := filepath.Join(dir, ".complete")
	if _, err := os.Stat(done); err != nil {
		// Written aside and renamed into place: two runs at once (or one
		// killed midway) must not leave a tree with jobs missing that
		// says it is complete.
		tmp := fmt.Sprintf("%s.tmp-%d", dir, os.Getpid())
		os.RemoveAll(tmp)
		defer os.RemoveAll(tmp)
		if err := WriteJobs(tmp, n); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, ".complete"), nil, 0o644); err != nil {
			b.Fatal(err)
		}
		if _, err := os.Stat(done); err != nil {
			os.RemoveAll(dir)
			if err := os.Rename(tmp, dir); err != nil {
				b.Fatal(err)
			}
		}
	}
	lockTree(b, dir)
	_, self, _, _ := runtime.Caller(0)
	widgets := filepath.Join(filepath.Dir(self), "..", "..", "..", "testdata", "bench")
	for _, name := range []string{"jobs_dashboard.yaml", "jobs_owners.yaml"} {
		m, err := os.ReadFile(filepath.Join(widgets, name))
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), m, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// EditJob rewrites job i of a JobTree as its version-th edit.
func EditJob(b testing.TB, root string, i, version int) string {
	p := filepath.Join(root, filepath.FromSlash(JobPath(i)))
	if err := os.WriteFile(p, Job(i, version), 0o644); err != nil {
		b.Fatal(err)
	}
	return p
}
