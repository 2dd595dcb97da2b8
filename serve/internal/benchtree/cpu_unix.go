//go:build unix

package benchtree

import (
	"syscall"
	"time"
)

// CPUTime is the CPU time (user and system) the process has used so far.
// On a machine shared with other work, a benchmark's CPU time per
// operation says more than its wall time, which waits for the CPU.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
