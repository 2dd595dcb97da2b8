package serve

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"strconv"
)

// Proof answers a challenge: an HMAC, keyed by the server's token, of the
// nonce, the address the request reached and the server's pid. Only a
// server that knows the token can compute it, and a proof is good only for
// the address it was asked at, so it cannot be relayed from another port.
func Proof(token, nonce, addr string, pid int) string {
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte("syft-widget challenge\x00" + nonce + "\x00" + addr + "\x00" + strconv.Itoa(pid)))
	return hex.EncodeToString(mac.Sum(nil))
}

// challenge adds the proof to a /healthz answer when the request carries a
// ?challenge= nonce. /healthz stays public and tells nothing private: a
// proof reveals nothing about the token.
func (s *Server) challenge(r *http.Request, answer map[string]any, pid int) {
	nonce := r.URL.Query().Get("challenge")
	if nonce == "" || len(nonce) > 128 {
		return
	}
	addr, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if addr == nil {
		return
	}
	answer["proof"] = Proof(s.Token(), nonce, addr.String(), pid)
}
