//go:build !linux

package sources

import (
	"io/fs"
	"os"
)

func dirFD(*os.File) int { return -1 }

func listDir(f *os.File, _ int) ([]dirEntry, error) {
	ents, err := f.ReadDir(-1)
	out := make([]dirEntry, len(ents))
	for i, e := range ents {
		out[i] = dirEntry{name: e.Name(), typ: e.Type()}
	}
	return out, err
}

func (o *op) readIn(int, string, int64, *[]byte) ([]byte, fs.FileInfo, error) {
	panic("readIn without a folder descriptor")
}
