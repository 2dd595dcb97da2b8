package background

import (
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"io"

	"github.com/syft-widget/syft-widget/serve"
)

// health is a /healthz answer to a challenge.
type health struct {
	OK    bool   `json:"ok"`
	Boot  string `json:"boot"`
	PID   int    `json:"pid"`
	Proof string `json:"proof"`
}

// prove challenges the server at r's address: it must answer a fresh nonce
// with the HMAC of r's token for that address and r's pid (serve.Proof)
// before it gets a token, a manifest path or the trust of a command. A
// public /healthz (its boot id) proves nothing: after a server dies,
// another local user can take its port and answer it.
func prove(r *Record) (*health, error) {
	nonce := serve.NewToken()
	resp, err := healthClient.Get(r.BaseURL() + "healthz?challenge=" + nonce)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var h health
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&h); err != nil || !h.OK {
		return nil, fmt.Errorf("the program at %s is not a syft-widget server", r.Addr)
	}
	want := serve.Proof(r.Token, nonce, r.Addr, r.PID)
	if !hmac.Equal([]byte(h.Proof), []byte(want)) {
		return nil, fmt.Errorf("the program at %s does not prove it is server %s (another program may hold its port)", r.Addr, r.Name)
	}
	return &h, nil
}
