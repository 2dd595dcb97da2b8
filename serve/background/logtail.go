package background

import (
	"bytes"
	"context"
	"io"
	"os"
	"time"
)

// Tail writes the last n lines of f to w and leaves f at its end.
func Tail(f *os.File, w io.Writer, n int) error {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	// Read backwards in blocks until n+1 newlines are seen.
	const block = 32 << 10
	var buf []byte
	off := size
	for off > 0 && bytes.Count(buf, []byte("\n")) <= n {
		step := min(int64(block), off)
		off -= step
		chunk := make([]byte, step)
		if _, err := f.ReadAt(chunk, off); err != nil && err != io.EOF {
			return err
		}
		buf = append(chunk, buf...)
	}
	lines := bytes.SplitAfter(buf, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	_, err = w.Write(bytes.Join(lines, nil))
	return err
}

// Follow copies what is appended to f to w until ctx is done.
func Follow(ctx context.Context, f *os.File, w io.Writer) error {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		if _, err := io.Copy(w, f); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
