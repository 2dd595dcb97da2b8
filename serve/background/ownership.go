package background

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// CheckHome makes sure the state folder and its servers/ folder are the
// user's own: created 0700 when missing, and refused (with a message that
// says what to do) when another user owns them or others may write in
// them. Another user who could write there could plant a record whose
// address, pid or HTML the commands would trust.
func CheckHome(home string) error {
	for _, dir := range []string{home, serversDir(home)} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("cannot create the state folder %s: %w", dir, err)
		}
		if err := ownedPrivately(dir); err != nil {
			return err
		}
	}
	return nil
}

// ownedPrivately checks that path (and, if it is a symlink, the link
// itself) belongs to this user and is writable by nobody else.
func ownedPrivately(path string) error {
	li, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if li.Mode()&fs.ModeSymlink != 0 {
		if err := owned(path, li); err != nil {
			return err
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("refusing to use %s as the state folder: it is not a folder", path)
	}
	if err := owned(path, fi); err != nil {
		return err
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("refusing to use %s: other users may write in it (mode %04o), so they could plant a server record; run chmod go-w %s", path, fi.Mode().Perm(), path)
	}
	return nil
}

func owned(path string, fi fs.FileInfo) error {
	if uid, ok := fileOwner(fi); ok && uid != os.Getuid() {
		return fmt.Errorf("refusing to use %s: it belongs to another user (uid %d, you are uid %d); set %s to a folder of yours", path, uid, os.Getuid(), EnvHome)
	}
	return nil
}

// openNoFollow opens a file of the state folder without following a
// symlink in its place: a link planted there must not make the commands
// read, append to or create its target.
func openNoFollow(path string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|oNoFollow, perm)
	if err != nil && isSymlink(path) {
		return nil, fmt.Errorf("refusing to open %s: it is a symlink (remove it)", path)
	}
	return f, err
}

func isSymlink(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode()&fs.ModeSymlink != 0
}

// OpenLog opens server name's log for reading, not following a symlink.
func OpenLog(home, name string) (*os.File, error) {
	return openNoFollow(LogPath(home, name), os.O_RDONLY, 0)
}

// fallbackHome is the state folder when there is no home folder: per user,
// in the temporary folder, checked like any other by CheckHome.
func fallbackHome() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("syft-widget-%d", os.Getuid()))
}
