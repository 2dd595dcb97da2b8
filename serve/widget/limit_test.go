package widget

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLongListIsCutInThePageButWholeInTheJSON(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "jobs"), 0o755)
	for i := range 5 {
		os.WriteFile(filepath.Join(dir, "jobs", fmt.Sprintf("%d.json", i)), fmt.Appendf(nil, `{"name": "job-%d"}`, i), 0o644)
	}
	path := filepath.Join(dir, "w.yaml")
	os.WriteFile(path, []byte(`list_limit: 3
sources:
  jobs: "jobs/*.json"
endpoints:
  /api:
    names: map(jobs, .data.name)
template: |
  <ul data-field="names"><template data-each><li>{.}</li></template></ul>
`), 0o644)
	w, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var page strings.Builder
	if err := w.Checkpoint(&page, ""); err != nil {
		t.Fatal(err)
	}
	for _, html := range []string{w.State().HTML, page.String()} {
		if !strings.Contains(html, "job-2<") || strings.Contains(html, "job-3<") || !strings.Contains(html, "… and 2 more") {
			t.Errorf("the list is not cut after 3 rows with a note of the 2 others:\n%s", html)
		}
	}
	b, _ := w.State().Endpoint("/api")
	var got struct{ Names []string }
	json.Unmarshal(b, &got)
	if len(got.Names) != 5 {
		t.Errorf("the endpoint has %d names, want all 5: %s", len(got.Names), b)
	}
}
