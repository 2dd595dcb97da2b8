//go:build !unix

package benchtree

import "testing"

// lockTree does nothing where flock is not at hand: run one benchmark at a
// time there.
func lockTree(testing.TB, string) {}
