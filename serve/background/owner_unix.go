//go:build unix

package background

import (
	"io/fs"
	"os"
	"strconv"
	"syscall"
)

const oNoFollow = syscall.O_NOFOLLOW

func fileOwner(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

// isOurServer says whether pid runs this very program: a pid read from a
// record is signalled only then, never an unrelated process that reused it.
func isOurServer(pid int) bool {
	exe, err := os.Executable()
	if err != nil {
		return false
	}
	target, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	if err != nil {
		return false
	}
	a, errA := os.Stat(exe)
	b, errB := os.Stat(target)
	return errA == nil && errB == nil && os.SameFile(a, b)
}
