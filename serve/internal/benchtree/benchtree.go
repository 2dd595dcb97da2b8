// Package benchtree builds the file trees that the benchmarks of serve and
// serve/widget run over, and measures what they cost. It is for tests only.
package benchtree

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// JSONFiles writes n small JSON files into n/1000+1 folders under dir/d.
func JSONFiles(b testing.TB, dir string, n int) {
	b.Helper()
	perDir := 1000
	for i := 0; i < n; i++ {
		sub := filepath.Join(dir, "d", fmt.Sprintf("%03d", i/perDir))
		if i%perDir == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("%04d.json", i%perDir)), []byte(fmt.Sprintf(`{"v": %d, "name": "file %d"}`, i, i)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// Manifest counts the files JSONFiles writes and shows the first one's value.
const Manifest = `name: bench
sources:
  files: "d/**/*.json"
endpoints:
  /api:
    total: len(files)
    first: files[0].data.v
template: |
  <p><span data-field="total">{total}</span> files, first is <span data-field="first">{first}</span></p>
`

// Change gives the first file of Manifest its i-th new value and
// returns how that value reads in an event's JSON-escaped HTML.
func Change(b testing.TB, first string, i int) (want string) {
	if err := os.WriteFile(first, []byte(fmt.Sprintf(`{"v": %d}`, 1_000_000+i)), 0o644); err != nil {
		b.Fatal(err)
	}
	return fmt.Sprintf(`\u003e%d\u003c`, 1_000_000+i)
}

// RSSMiB is the process's resident memory in MiB (0 where /proc is missing).
func RSSMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return float64(kb) / 1024
		}
	}
	return 0
}
