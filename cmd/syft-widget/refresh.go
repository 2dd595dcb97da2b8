package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/syft-widget/syft-widget/render/ipynb"
	"github.com/syft-widget/syft-widget/serve/widget"
)

var refreshCommand = &command{
	name: "refresh", args: "NOTEBOOK.ipynb...", summary: "re-render the syft-widget checkpoints of saved notebooks with current data",
	flags: func(fs *flag.FlagSet) func([]string) error {
		return func(args []string) error {
			if len(args) == 0 {
				return usagef("needs at least one notebook")
			}
			failed := false
			for _, nb := range args {
				if err := refreshNotebook(nb); err != nil {
					fmt.Fprintln(stderr, err)
					failed = true
				}
			}
			if failed {
				return errSilent
			}
			return nil
		}
	},
}

// refreshNotebook re-renders the marked checkpoints of the notebook at path
// from their manifests (relative to the notebook's folder), keeping each
// one's live URL, and replaces the file atomically. A checkpoint whose
// manifest fails stays as it was, and is reported.
func refreshNotebook(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	out, n, errs, err := ipynb.Refresh(src, func(cp ipynb.Checkpoint) (string, error) {
		file := cp.Manifest
		if !filepath.IsAbs(file) {
			file = filepath.Join(dir, file)
		}
		w, err := widget.Load(file, nil)
		if err != nil {
			return "", err
		}
		defer w.Close()
		var b bytes.Buffer
		if err := w.Checkpoint(&b, cp.LiveURL); err != nil {
			return "", err
		}
		b.WriteString(ipynb.Marker(cp.Manifest) + "\n")
		return b.String(), nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for _, e := range errs {
		fmt.Fprintf(stderr, "%s: %v\n", path, e)
	}
	if n > 0 {
		if err := writeAtomically(path, out); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "%s: %d checkpoint(s) refreshed\n", path, n)
	if len(errs) > 0 {
		return fmt.Errorf("%s: %d checkpoint(s) could not be refreshed", path, len(errs))
	}
	return nil
}

// writeAtomically replaces path with data: a reader (Jupyter, a sync
// client) sees the old file or the new one, never a part.
func writeAtomically(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, nothing is there
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
