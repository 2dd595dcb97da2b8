package manifest

import (
	"strings"
	"testing"
)

func TestListLimitIsAWholeNumberOfRows(t *testing.T) {
	for _, bad := range []string{"0", "-3", "2.5", "many", "[1]"} {
		got := errorsOf(t, "list_limit: "+bad+"\nendpoints:\n  /a:\n    x: 1\n")
		if len(got) != 1 || !strings.Contains(got[0], "F:1:13: list_limit must be a whole number") {
			t.Errorf("list_limit: %s gives %q", bad, got)
		}
	}
	m, err := Load(write(t, "w.yaml", "list_limit: 50\nendpoints:\n  /a:\n    x: 1\n"))
	if err != nil || m.ListLimit != 50 {
		t.Fatalf("list_limit: 50 gives %v, %v", m, err)
	}
	m, _ = Load(write(t, "w.yaml", "endpoints:\n  /a:\n    x: 1\n"))
	if m.ListLimit != DefaultListLimit {
		t.Errorf("the default list_limit is %d, want %d", m.ListLimit, DefaultListLimit)
	}
}
