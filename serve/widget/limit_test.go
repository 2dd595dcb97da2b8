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

// A list over the output limit of one field (a list that repeats what its
// files hold, as a bomb does) shows its error, and a change still updates
// the widget's other fields: the million-file benchmark once waited
// forever for a row such a list could not show. A list over 32 MiB that its
// files account for (the rows of a dashboard over a million files) is
// whole, in the page's data and the endpoint's JSON.
func TestAFieldOverTheOutputLimitDoesNotStopUpdates(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "jobs"), 0o755)
	blob := strings.Repeat("x", 7<<20) // under max_file_size; five are over 32 MiB
	for i := range 5 {
		os.WriteFile(filepath.Join(dir, "jobs", fmt.Sprintf("%d.json", i)), fmt.Appendf(nil, `{"state": "queued", "blob": %q}`, blob), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "jobs", "small.json"), []byte(`{"state": "queued"}`), 0o644)
	path := filepath.Join(dir, "w.yaml")
	os.WriteFile(path, []byte(`sources:
  jobs: "jobs/*.json"
endpoints:
  /api:
    blobs: map(jobs, .data.blob ?? "")
    echoes: map(jobs, [.data.blob ?? "", .data.blob ?? "", .data.blob ?? "", .data.blob ?? "", .data.blob ?? ""])
    running: count(jobs, .data.state == "running")
template: |
  <p>{running}</p><ul data-field="blobs"><template data-each><li>{.}</li></template></ul>
`), 0o644)
	w, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(nil); err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if e := w.State().Errors["echoes"]; !strings.Contains(e, "output limit") {
		t.Fatalf("the list of 175 MiB from 35 MiB of files has error %q, want one naming the output limit", e)
	}
	os.WriteFile(filepath.Join(dir, "jobs", "small.json"), []byte(`{"state": "running"}`), 0o644)
	eventually(t, "the count shows the change", func() bool {
		return fmt.Sprint(w.State().Fields["running"]) == "1"
	})
	if e := w.State().Errors["echoes"]; !strings.Contains(e, "output limit") {
		t.Errorf("after the change the list has error %q, want one naming the output limit", e)
	}
	b, _ := w.State().Endpoint("/api")
	var got struct{ Blobs []string }
	if err := json.Unmarshal(b, &got); err != nil || len(got.Blobs) != 6 || len(got.Blobs[0]) != len(blob) || w.State().Errors["blobs"] != "" {
		t.Errorf("the list of 35 MiB from 35 MiB of files: %d blobs, error %q", len(got.Blobs), w.State().Errors["blobs"])
	}
}
