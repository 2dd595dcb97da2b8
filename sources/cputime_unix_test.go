//go:build unix

package sources

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used, in user and system mode:
// a cost that other processes on a shared machine do not inflate as much
// as they do wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
