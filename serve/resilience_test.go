package serve

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPollingDataKeepsLargeIntegersExact(t *testing.T) {
	ts := startTestServer(t, Config{Name: "test"})
	if err := ts.Load(ts.write(t, "big.yaml", "name: big\nendpoints:\n  /a:\n    big: 9007199254740993\ntemplate: <p data-field=\"big\">{big}</p>\n")); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"w/big/data", "w/big/data?html=1"} {
		_, body := get(t, ts.url(path))
		if !strings.Contains(body, `"big":9007199254740993`) {
			t.Errorf("%s = %s, want the integer exact", path, body)
		}
		var d map[string]any
		if err := json.Unmarshal([]byte(body), &d); err != nil {
			t.Fatalf("%s: %v: %s", path, err, body)
		}
		if strings.Contains(path, "html") && (d["name"] != "big" || d["boot"] != ts.Boot() || !strings.Contains(d["html"].(string), "9007199254740993") || d["version"] == nil) {
			t.Errorf("%s lacks the page update: %s", path, body)
		}
	}
}
