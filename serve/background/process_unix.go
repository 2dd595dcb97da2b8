//go:build unix

package background

import (
	"bytes"
	"os"
	"os/signal"
	"strconv"
	"syscall"
)

// detached starts a process in its own session, so that it outlives the
// shell, the notebook kernel and their process groups.
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }

func ignoreHangup() { signal.Ignore(syscall.SIGHUP) }

func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	if err == nil || err == syscall.EPERM {
		// A zombie child of ours still "exists": look at its state.
		b, rerr := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if rerr == nil {
			if i := bytes.LastIndexByte(b, ')'); i > 0 && i+2 < len(b) && b[i+2] == 'Z' {
				return false
			}
		}
		return true
	}
	return false
}

func killProcess(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }

// lockFile takes an exclusive lock on path, waiting for it.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
