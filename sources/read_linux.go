package sources

import (
	"encoding/binary"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// dirFD returns the descriptor of an open folder, for readIn; -1 when there
// is none.
func dirFD(f *os.File) int { return int(f.Fd()) }

// listDir lists the folder open as fd, names and types, with getdents64:
// os.File.ReadDir makes an Lstat of every entry of a folder opened in a
// Root, which a first scan does not need (the open file's Fstat tells the
// same).
func listDir(f *os.File, fd int) ([]dirEntry, error) {
	var out []dirEntry
	buf := make([]byte, 32<<10)
	for {
		var n int
		err := eintr(func() (err error) {
			n, err = syscall.ReadDirent(fd, buf)
			return err
		})
		if err != nil {
			return out, &fs.PathError{Op: "readdirent", Path: f.Name(), Err: err}
		}
		if n <= 0 {
			return out, nil
		}
		// struct linux_dirent64: ino u64, off s64, reclen u16, type u8, name.
		for b := buf[:n]; len(b) >= 19; {
			reclen := int(binary.NativeEndian.Uint16(b[16:18]))
			if reclen < 19 || reclen > len(b) {
				break
			}
			rec := b[:reclen]
			b = b[reclen:]
			name := rec[19:]
			for i, c := range name {
				if c == 0 {
					name = name[:i]
					break
				}
			}
			if binary.NativeEndian.Uint64(rec[0:8]) == 0 || string(name) == "." || string(name) == ".." {
				continue
			}
			e := dirEntry{name: string(name)}
			switch rec[18] {
			case syscall.DT_REG:
			case syscall.DT_DIR:
				e.typ = fs.ModeDir
			case syscall.DT_LNK:
				e.typ = fs.ModeSymlink
			case syscall.DT_FIFO:
				e.typ = fs.ModeNamedPipe
			case syscall.DT_SOCK:
				e.typ = fs.ModeSocket
			case syscall.DT_CHR:
				e.typ = fs.ModeDevice | fs.ModeCharDevice
			case syscall.DT_BLK:
				e.typ = fs.ModeDevice
			default:
				e.unknown = true
			}
			out = append(out, e)
		}
	}
}

// readIn is read for the file name in the folder open as dirfd, with raw
// system calls: os.File registers each file with the runtime's poller,
// which regular files refuse (an epoll_ctl and four fcntl a file), and
// reads once more to see the end. A name from the folder's listing opened
// with O_NOFOLLOW stays in the folder, as through its os.Root.
func (o *op) readIn(dirfd int, name string, limit int64, buf *[]byte) ([]byte, fs.FileInfo, error) {
	var fd int
	err := eintr(func() (err error) {
		fd, err = syscall.Openat(dirfd, name, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC|openFlags, 0)
		return err
	})
	if err != nil {
		return nil, nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer syscall.Close(fd)
	st := &statInfo{name: name}
	if err := eintr(func() error { return syscall.Fstat(fd, &st.sys) }); err != nil {
		return nil, nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	if !st.Mode().IsRegular() {
		return nil, st, errNotRegular
	}
	if st.Size() > limit {
		return nil, st, nil
	}
	o.c.reads.Add(1)
	want := int(st.Size()) + 1
	if cap(*buf) < want {
		*buf = make([]byte, 0, max(want, 4096))
	}
	b := (*buf)[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		var n int
		err := eintr(func() (err error) {
			n, err = syscall.Read(fd, b[len(b):cap(b)])
			return err
		})
		if err != nil {
			return nil, st, &fs.PathError{Op: "read", Path: name, Err: err}
		}
		short := len(b)+n < cap(b)
		b = b[:len(b)+n]
		// A short read that reaches the size Fstat gave is the end: no
		// second call to be told so.
		if n == 0 || int64(len(b)) > limit || short && int64(len(b)) == st.Size() {
			break
		}
	}
	if cap(b) <= 1<<20 {
		*buf = b[:0]
	} else {
		*buf = nil
	}
	return b, st, nil
}

func eintr(f func() error) error {
	for {
		if err := f(); err != syscall.EINTR {
			return err
		}
	}
}

// statInfo is the fs.FileInfo of a Fstat.
type statInfo struct {
	name string
	sys  syscall.Stat_t
}

func (s *statInfo) Name() string       { return s.name }
func (s *statInfo) Size() int64        { return s.sys.Size }
func (s *statInfo) ModTime() time.Time { return time.Unix(s.sys.Mtim.Unix()) }
func (s *statInfo) IsDir() bool        { return s.Mode().IsDir() }
func (s *statInfo) Sys() any           { return &s.sys }

func (s *statInfo) Mode() fs.FileMode {
	m := fs.FileMode(s.sys.Mode & 0o777)
	switch s.sys.Mode & syscall.S_IFMT {
	case syscall.S_IFREG:
	case syscall.S_IFDIR:
		m |= fs.ModeDir
	case syscall.S_IFLNK:
		m |= fs.ModeSymlink
	case syscall.S_IFIFO:
		m |= fs.ModeNamedPipe
	case syscall.S_IFSOCK:
		m |= fs.ModeSocket
	default:
		m |= fs.ModeDevice | fs.ModeIrregular
	}
	return m
}
