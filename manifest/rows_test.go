package manifest

import (
	"strings"
	"testing"
)

func TestEndpointsUnderRowsAreReservedForThePagesOfLongTables(t *testing.T) {
	got := errorsOf(t, "endpoints:\n  /rows/x:\n    a: 1\n")
	if len(got) != 1 || !strings.Contains(got[0], `F:2:3: endpoint "/rows/x" is reserved`) {
		t.Errorf("/rows/x gives %q", got)
	}
	if _, err := Load(write(t, "w.yaml", "endpoints:\n  /rowsx:\n    a: 1\n")); err != nil {
		t.Errorf("/rowsx: %v", err)
	}
}
