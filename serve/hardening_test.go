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

// TestAProofIsGoodOnlyForItsTokenNonceAddressAndPid: a proof cannot be
// computed without the token, nor replayed for another nonce, nor relayed
// from another address or pid.
func TestAProofIsGoodOnlyForItsTokenNonceAddressAndPid(t *testing.T) {
	p := Proof("token", "nonce", "127.0.0.1:1", 7)
	for _, other := range []string{Proof("other", "nonce", "127.0.0.1:1", 7), Proof("token", "nonce2", "127.0.0.1:1", 7),
		Proof("token", "nonce", "127.0.0.1:2", 7), Proof("token", "nonce", "127.0.0.1:1", 8)} {
		if other == p {
			t.Error("two different challenges share a proof")
		}
	}
	if Proof("token", "nonce", "127.0.0.1:1", 7) != p {
		t.Error("a proof is not deterministic")
	}
}
