//go:build !linux

package sources

import (
	"io/fs"
	"os"
)

func dirFD(*os.File) int { return -1 }

func (o *op) readIn(int, string, int64, *[]byte) ([]byte, fs.FileInfo, error) {
	panic("readIn without a folder descriptor")
}
