package serve

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syft-widget/syft-widget/serve/widget"
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

// within runs f and fails the test if it does not return before the
// deadline: what f waits for is held, so it would never return.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s waited for the widget held in its evaluation", what)
	}
}

const heldManifest = "name: %s\nsources:\n  items: \"%s/*.json\"\nendpoints:\n  /a:\n    n: len(items)\n    tag: '\"%s\"'\ntemplate: <p data-field=\"n\">{n} {tag}</p>\n"

func TestAWidgetHeldInItsEvaluationDelaysNoOtherWidget(t *testing.T) {
	entered, release := make(chan struct{}, 1), make(chan struct{})
	var armed atomic.Bool
	t.Cleanup(widget.HoldEvaluations(func(name string) {
		if name == "slow" && armed.CompareAndSwap(true, false) {
			entered <- struct{}{}
			<-release
		}
	}))
	ts := startTestServer(t, Config{Name: "test"})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free) // before the server closes
	ts.write(t, "slow/a.json", "{}")
	ts.write(t, "fast/a.json", "{}")
	slow := ts.write(t, "slow.yaml", fmt.Sprintf(heldManifest, "slow", "slow", "v1"))
	fast := ts.write(t, "fast.yaml", fmt.Sprintf(heldManifest, "fast", "fast", "v1"))
	for _, m := range []string{slow, fast} {
		if err := ts.Load(m); err != nil {
			t.Fatal(err)
		}
	}

	// A change of its data holds the slow widget in its evaluation.
	armed.Store(true)
	ts.write(t, "slow/b.json", "{}")
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the slow widget never re-evaluated")
	}
	// Its manifest is edited: the reload must stop the old widget, which
	// waits for that evaluation.
	held := ts.Widget("slow")
	ts.write(t, "slow.yaml", fmt.Sprintf(heldManifest, "slow", "slow", "v2"))
	slowLoaded := make(chan error, 1)
	go func() { slowLoaded <- ts.Load(slow) }()
	within(t, "swapping in the reloaded slow widget", func() {
		eventually(t, "the reloaded slow widget", func() bool { return ts.Widget("slow") != held })
	})

	within(t, "another widget's /data", func() {
		if resp, body := get(t, ts.url("w/fast/data")); resp.StatusCode != 200 || !strings.Contains(body, `"n":1`) {
			t.Errorf("fast /data: %d %s", resp.StatusCode, body)
		}
	})
	within(t, "another widget's /events", func() {
		resp, err := http.Get(ts.url("w/fast/events"))
		if err != nil {
			t.Error(err)
			return
		}
		defer resp.Body.Close()
		rd := bufio.NewReader(resp.Body)
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Error(err)
				return
			}
			if strings.HasPrefix(line, "data: ") {
				return
			}
		}
	})
	within(t, "a reload of another widget's manifest", func() {
		ts.write(t, "fast.yaml", fmt.Sprintf(heldManifest, "fast", "fast", "v2"))
		if err := ts.Load(fast); err != nil {
			t.Error(err)
		}
		if _, body := get(t, ts.url("w/fast/data")); !strings.Contains(body, `"tag":"v2"`) {
			t.Errorf("fast after its reload: %s", body)
		}
	})
	within(t, "the index", func() {
		if resp, _ := get(t, ts.url("/")); resp.StatusCode != 200 {
			t.Errorf("index: %d", resp.StatusCode)
		}
	})

	free()
	if err := <-slowLoaded; err != nil {
		t.Fatal(err)
	}
	eventually(t, "the slow widget's reload to show", func() bool {
		_, body := get(t, ts.url("w/slow/data"))
		return strings.Contains(body, `"tag":"v2"`) && strings.Contains(body, `"n":2`)
	})
}

func TestAgoTextMovesOnInTheLivePage(t *testing.T) {
	p := newTab(t)
	ts := startTestServer(t, Config{Name: "test"})
	at := time.Now().Add(-9 * time.Second).UTC().Format(time.RFC3339Nano)
	ts.write(t, "at.json", `{"at": "`+at+`"}`)
	if err := ts.Load(ts.write(t, "ago.yaml", "name: ago\nsources:\n  at:\n    file: at.json\nendpoints:\n  /a:\n    at: at.data.at\ntemplate: <p>seen <span data-field=\"at\" data-format=\"ago\">{at}</span></p>\n")); err != nil {
		t.Fatal(err)
	}
	p.navigate(URL(ts.base, "ago", ts.Token()))
	p.wait("the page to be live", statusIs("live"))
	p.wait("the page to say 10 s ago or later, with no file changed", bodyHas("s ago"))
}
