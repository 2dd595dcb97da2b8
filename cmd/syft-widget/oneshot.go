package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/syft-widget/syft-widget/manifest"
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
			s := w.State()
			var out []byte
			if len(args) == 2 {
				b, ok := s.Endpoint(args[1])
				if !ok {
					return fmt.Errorf("%s: no endpoint %s (endpoints: %s)", args[0], args[1], endpointList(w.M))
				}
				out = b
			} else {
				all := map[string]json.RawMessage{}
				for _, ep := range w.M.Endpoints {
					b, _ := s.Endpoint(ep.Path)
					all[ep.Path] = b
				}
				out, _ = json.Marshal(all)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, out, "", "  "); err != nil {
				return err
			}
			pretty.WriteByte('\n')
			_, err = stdout.Write(pretty.Bytes())
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
			var b bytes.Buffer
			if *noServer {
				w, err := widget.Load(args[0], nil)
				if err != nil {
					return err
				}
				if err := w.Checkpoint(&b, ""); err != nil {
					return err
				}
			} else {
				// The server reads the data and renders: a warm render reads nothing.
				m, err := manifest.Load(args[0])
				if err != nil {
					return err
				}
				fragment, err := background.EnsureHosted(background.Home(), m, *publicURL)
				if err != nil {
					return err
				}
				b.WriteString(fragment)
			}
			if *outFile != "" {
				return os.WriteFile(*outFile, b.Bytes(), 0o644)
			}
			_, err := stdout.Write(b.Bytes())
			return err
		}
	},
}
