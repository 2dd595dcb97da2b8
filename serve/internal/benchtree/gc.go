package benchtree

import (
	"math"
	"testing"
	"time"

	"github.com/syft-widget/syft-widget/serve/gcpolicy"
)

// Following waits until gc, following the live heap since a load, has set
// its first limit (it first returns to the system what loading used), as
// a server has a moment after loading; at once when gc sets no limit.
func Following(tb testing.TB, gc *gcpolicy.Limiter) {
	tb.Helper()
	for deadline := time.Now().Add(time.Minute); gc.Limits() && gc.Limit() == math.MaxInt64; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			tb.Fatal("the collector policy set no limit within a minute of Follow")
		}
	}
}
