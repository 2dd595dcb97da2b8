package manifest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkPermissionsOverManyFiles is what a permissions widget runs:
// for every one of 10,000 files, who may read it, given 100 permission
// files spread over 10 datasites.
func BenchmarkPermissionsOverManyFiles(b *testing.B) {
	var acls, files []*Record
	for d := range 10 {
		ds := fmt.Sprintf("user%d@example.org", d)
		acls = append(acls, rec(ds+"/syft.pub.yaml", map[string]any{"rules": []any{
			map[string]any{"pattern": "**", "access": map[string]any{"read": []any{}}}}}, time.Time{}))
		for k := range 9 {
			acls = append(acls, rec(fmt.Sprintf("%s/f%d/syft.pub.yaml", ds, k), map[string]any{"rules": []any{
				map[string]any{"pattern": "**", "access": map[string]any{"read": []any{"*"}}},
				map[string]any{"pattern": "private/*.csv", "access": map[string]any{"read": []any{"bob@example.org"}}}}}, time.Time{}))
		}
		for i := range 1000 {
			files = append(files, rec(fmt.Sprintf("%s/f%d/sub/%d.csv", ds, i%10, i), nil, time.Time{}))
		}
	}
	p := filepath.Join(b.TempDir(), "w.yaml")
	os.WriteFile(p, []byte("sources:\n  acls: \"**/syft.pub.yaml\"\n  files: \"**/*.csv\"\nendpoints:\n  /x:\n    readable: count(files, canRead(acls, .path, \"bob@example.org\"))\n"), 0o644)
	m, err := Load(p)
	if err != nil {
		b.Fatal(err)
	}
	env := m.Env(map[string]any{"acls": acls, "files": files})
	b.ResetTimer()
	for b.Loop() {
		fields, errs := m.Endpoints[0].Eval(env)
		if len(errs) > 0 || fields["readable"] != 9000 {
			b.Fatalf("%v %v", fields, errs)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/eval")
}
