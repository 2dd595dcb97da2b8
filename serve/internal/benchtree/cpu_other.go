//go:build !unix

package benchtree

import "time"

// CPUTime is 0 where the process's CPU time is not at hand.
func CPUTime() time.Duration { return 0 }
