package main

import (
	"bytes"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/syft-widget/syft-widget/render/ipynb"

	"github.com/syft-widget/syft-widget/manifest"
	"github.com/syft-widget/syft-widget/render"
	"github.com/syft-widget/syft-widget/schema"
	"github.com/syft-widget/syft-widget/serve/background"
	"github.com/syft-widget/syft-widget/serve/widget"
)

var checkCommand = &command{
	name: "check", args: "MANIFEST...", summary: "validate manifests; list every error; exit 1 if any",
	flags: func(fs *flag.FlagSet) func([]string) error {
		return func(args []string) error {
			if len(args) == 0 {
				return usagef("needs at least one manifest")
			}
			failed := false
			for _, path := range args {
				m, notes, err := widget.Check(path)
				for _, n := range notes {
					fmt.Fprintln(stderr, n)
				}
				if err != nil {
					fmt.Fprintln(stderr, err)
					failed = true
					continue
				}
				fields := 0
				for _, ep := range m.Endpoints {
					fields += len(ep.Fields)
				}
				fmt.Fprintf(stdout, "%s: ok (widget %s, %d sources, %d endpoints, %d fields)\n", path, m.Name, len(m.Sources), len(m.Endpoints), fields)
			}
			if failed {
				return errSilent
			}
			return nil
		}
	},
}

var evalCommand = &command{
	name: "eval", args: "MANIFEST [ENDPOINT]", summary: "print the endpoints' JSON once (all, or one)",
	flags: func(fs *flag.FlagSet) func([]string) error {
		return func(args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usagef("needs a manifest and at most one endpoint")
			}
			w, err := widget.Load(args[0], nil)
			if err != nil {
				return err
			}
			path := ""
			if len(args) == 2 {
				path = args[1]
			}
			out, ok := w.State().EvalJSON(path)
			if !ok {
				return fmt.Errorf("%s: no endpoint %s (endpoints: %s)", args[0], args[1], endpointList(w.M))
			}
			_, err = stdout.Write(out)
			return err
		}
	},
}

func endpointList(m *manifest.Manifest) string {
	var b bytes.Buffer
	for i, ep := range m.Endpoints {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(ep.Path)
	}
	return b.String()
}

var schemaCommand = &command{
	name: "schema", summary: "print the manifest JSON Schema",
	flags: func(fs *flag.FlagSet) func([]string) error {
		return func(args []string) error {
			if len(args) > 0 {
				return usagef("takes no arguments")
			}
			_, err := stdout.Write(schema.JSON)
			return err
		}
	},
}

var renderCommand = &command{
	name: "render", args: "--checkpoint MANIFEST", summary: "print the embeddable fragment: a static checkpoint that turns live",
	flags: func(fs *flag.FlagSet) func([]string) error {
		checkpoint := fs.Bool("checkpoint", false, "print the checkpoint fragment (the only output form so far; required)")
		noServer := fs.Bool("no-server", false, "do not start or use a background server: the fragment stays a checkpoint")
		publicURL := fs.String("public-url", "", "address the browser uses to reach the server, with {port} (default: $SYFT_WIDGET_PUBLIC_URL, $JUPYTERHUB_SERVICE_PREFIX, or http://127.0.0.1:{port}/)")
		outFile := fs.String("out", "", "write the fragment to this file instead of stdout")
		return func(args []string) error {
			if !*checkpoint {
				return usagef("--checkpoint is required")
			}
			if len(args) != 1 {
				return usagef("needs exactly one manifest")
			}
			if err := checkPublicURL(*publicURL); err != nil {
				return err
			}
			var b bytes.Buffer
			if *noServer {
				if err := localCheckpoint(&b, args[0], ""); err != nil {
					return err
				}
			} else {
				// Every error of the manifest is reported before a server
				// is started or asked to host it.
				m, _, err := widget.Check(args[0])
				if err != nil {
					return err
				}
				// The server reads the data and renders: a warm render reads nothing.
				fragment, err := background.EnsureHosted(background.Home(), m, *publicURL)
				if err != nil {
					// No server (a read-only home, no free port...): the
					// checkpoint still shows, and says why it stays one,
					// inside the output, since a notebook merges stderr in.
					if err := localCheckpoint(&b, args[0], "not live: "+err.Error()); err != nil {
						return err
					}
				} else {
					b.WriteString(fragment)
				}
			}
			// The marker lets `refresh` find this output in a saved notebook.
			b.WriteString(ipynb.Marker(args[0]) + "\n")
			if *outFile != "" {
				return writePrivate(*outFile, b.Bytes())
			}
			_, err := stdout.Write(b.Bytes())
			return err
		}
	},
}

// localCheckpoint renders the checkpoint of the manifest at path in this
// process, with no live page; note says why, when there is a reason to.
func localCheckpoint(b *bytes.Buffer, path, note string) error {
	w, err := widget.Load(path, nil)
	if err != nil {
		return err
	}
	defer w.Close()
	st := w.State()
	return render.Checkpoint(b, render.CheckpointInput{Page: w.Page(), Body: st.HTML, At: st.At, Note: note})
}

// checkPublicURL refuses a public URL (the flag, or else
// $SYFT_WIDGET_PUBLIC_URL) that could not reach a server: it must be http
// or https and say where the port goes.
func checkPublicURL(flagValue string) error {
	v, from := flagValue, "--public-url"
	if v == "" {
		v, from = os.Getenv(background.EnvPublicURL), "$"+background.EnvPublicURL
	}
	if v == "" {
		return nil
	}
	u, err := url.Parse(strings.ReplaceAll(v, "{port}", "1"))
	switch {
	case err != nil:
		return usagef("%s %q is not a URL: %v", from, v, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return usagef("%s %q must start with http:// or https://", from, v)
	case u.Host == "":
		return usagef("%s %q has no host", from, v)
	case !strings.Contains(v, "{port}"):
		return usagef("%s %q needs {port} where the server's port goes, e.g. https://hub.example.org/user/ada/proxy/{port}/", from, v)
	}
	return nil
}

// writePrivate writes a file that may carry a token: readable by the user
// only (0600, also when it existed with a wider mode), written to a
// temporary file and renamed into place, so no reader sees half of it and a
// symlink at path is replaced rather than followed.
func writePrivate(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after a successful rename, there is nothing to remove
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
