// Package docs holds the project's documents; its test keeps
// ARCHITECTURE.md true to the tree.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestArchitectureNamesOnlyPackagesThatExist reads the two tables of
// ARCHITECTURE.md that name packages (what each owns; where a change goes)
// and checks each named package is a folder of Go code in the repository.
func TestArchitectureNamesOnlyPackagesThatExist(t *testing.T) {
	b, err := os.ReadFile("ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile("`([^`]+)`")
	named := map[string]bool{}
	table := ""
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "|") {
			table = ""
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		switch {
		case table == "" && strings.TrimSpace(cells[0]) == "package":
			table = "owns"
		case table == "" && strings.TrimSpace(cells[0]) == "change":
			table = "goes-to"
		case strings.HasPrefix(strings.TrimSpace(cells[0]), "---"):
		case table == "owns":
			for _, m := range code.FindAllStringSubmatch(cells[0], -1) {
				named[m[1]] = true
			}
		case table == "goes-to":
			for _, m := range code.FindAllStringSubmatch(cells[len(cells)-1], -1) {
				named[m[1]] = true
			}
		}
	}
	if len(named) < 7 {
		t.Fatalf("found only %d package names in ARCHITECTURE.md: %v", len(named), named)
	}
	for pkg := range named {
		dir := filepath.Join("..", filepath.FromSlash(strings.TrimSuffix(pkg, "/")))
		goFiles, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		if st, err := os.Stat(dir); err != nil || !st.IsDir() || (len(goFiles) == 0 && !strings.HasSuffix(pkg, "/")) {
			t.Errorf("ARCHITECTURE.md names %s, which is not a package of this repository", pkg)
		}
	}
}
