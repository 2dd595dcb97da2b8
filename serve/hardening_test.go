package serve

import (
	"testing"
)

// TestTheHTTPServerHasIdleAndHeaderTimeouts: a client that never sends its
// headers, and a keep-alive connection left open, are both closed in time
// (without IdleTimeout an idle connection was held for ever).
func TestTheHTTPServerHasIdleAndHeaderTimeouts(t *testing.T) {
	hs := NewServer(Config{}).httpServer()
	if hs.ReadHeaderTimeout <= 0 || hs.IdleTimeout <= 0 {
		t.Errorf("ReadHeaderTimeout %s, IdleTimeout %s", hs.ReadHeaderTimeout, hs.IdleTimeout)
	}
}
