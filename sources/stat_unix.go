//go:build unix

package sources

import (
	"io/fs"
	"syscall"
)

// openFlags keeps a file swapped for a FIFO between Lstat and open from
// blocking the reader.
const openFlags = syscall.O_NONBLOCK

// inode returns the file's inode number, which an atomic save changes.
func inode(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}
