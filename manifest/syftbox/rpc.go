package syftbox

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// DecodeBody decodes an RPC body: URL-safe base64 (padded or not; standard
// base64 also accepted) holding JSON, which comes back parsed; a body that
// is not JSON comes back as text, one that is not base64 as written; an
// empty body is nil.
func DecodeBody(body string) any {
	s := strings.TrimSpace(body)
	if s == "" {
		return nil
	}
	var b []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.URLEncoding, base64.RawURLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
		if b, err = enc.DecodeString(s); err == nil {
			break
		}
	}
	if err != nil {
		return body
	}
	var v any
	if json.Unmarshal(b, &v) == nil {
		return v
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return body
}
