package serve

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
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

func TestAgoTextMovesOnWithoutAnyChange(t *testing.T) {
	ts := startTestServer(t, Config{Name: "test"})
	// "just now" until 10 s have passed, then "10 s ago": a second from now.
	at := time.Now().Add(-9 * time.Second).UTC().Format(time.RFC3339Nano)
	ts.write(t, "at.json", `{"at": "`+at+`"}`)
	m := ts.write(t, "ago.yaml", "name: ago\nsources:\n  at:\n    file: at.json\nendpoints:\n  /a:\n    at: at.data.at\ntemplate: <p>seen <span data-field=\"at\" data-format=\"ago\">{at}</span></p>\n")
	if err := ts.Load(m); err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, ts.url("w/ago/data?html=1")); !strings.Contains(body, "just now") {
		t.Fatalf("first render: %s", body)
	}
	eventually(t, "the page to say 10 s ago", func() bool {
		_, body := get(t, ts.url("w/ago/data?html=1"))
		return strings.Contains(body, "s ago")
	})
}
