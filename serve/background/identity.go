package background

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/syft-widget/syft-widget/manifest"
	"github.com/syft-widget/syft-widget/serve"
)

// A background server's identity is what the pages and saved notebooks that
// show its widgets know of it: its port and token. It outlives each run
// (servers/NAME.identity, mode 0600, next to the record, which goes with its
// run), so a server that expired, was stopped or was killed comes back where
// its pages look for it, with the same token, hosting the manifests it hosted:
// every open page of it turns live again, not only the one whose cell ran.
// Only `token --rotate` changes the token; the port changes only when
// another process holds it.
type identity struct {
	Port      int      `json:"port"`
	Token     string   `json:"token"`
	Manifests []string `json:"manifests,omitempty"`
}

func identityPath(home, name string) string {
	return filepath.Join(serversDir(home), name+".identity")
}

// readIdentity returns the identity of server name; the zero identity when
// it has none (or it cannot be read: a new one is made).
func readIdentity(home, name string) identity {
	var id identity
	if b, err := os.ReadFile(identityPath(home, name)); err == nil {
		json.Unmarshal(b, &id)
	}
	return id
}

// writeIdentity replaces the identity atomically, 0600: it holds a token.
func writeIdentity(home, name string, id identity) error {
	b, _ := json.MarshalIndent(id, "", "  ")
	tmp, err := os.CreateTemp(serversDir(home), "."+name+".*.identity.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), identityPath(home, name))
}

// tokenFor is the token a new run of server name starts with: its own,
// or a new one for a server never seen.
func tokenFor(home, name string) string {
	if t := readIdentity(home, name).Token; t != "" {
		return t
	}
	return serve.NewToken()
}

// StoppedToken returns the token server name, which is not running, will
// come back with; rotate replaces it first. A server never started has none.
func StoppedToken(home, name string, rotate bool) (string, error) {
	id := readIdentity(home, name)
	if id.Token == "" {
		return "", fmt.Errorf("no background server named %s is running or has run in %s", name, home)
	}
	if rotate {
		id.Token = serve.NewToken()
		if err := writeIdentity(home, name, id); err != nil {
			return "", err
		}
	}
	return id.Token, nil
}

// listenAsBefore listens on the loopback port of the server's last run, or
// on a free one when another process holds it now.
func listenAsBefore(id identity, log *slog.Logger) (net.Listener, error) {
	if id.Port > 0 {
		ln, err := serve.Listen("127.0.0.1:" + strconv.Itoa(id.Port))
		if err == nil {
			return ln, nil
		}
		log.Warn("the port of the last run is taken; open pages will find the new one when a widget is rendered again", "port", id.Port, "error", err)
	}
	return serve.Listen("127.0.0.1:0")
}

// rehost loads the manifests of server name's last run that still exist
// and still name it, so the pages that showed them turn live again; load is
// the server's Load.
func rehost(ctx context.Context, name string, manifests []string, load func(string) error, log *slog.Logger) {
	hosted := 0
	for _, f := range manifests {
		if ctx.Err() != nil {
			return
		}
		if m, err := manifest.Load(f); err != nil || m.Server != name {
			continue // gone, moved to another server, or broken: a render reports it
		}
		if err := load(f); err != nil {
			log.Warn("a manifest of the last run did not load again", "file", f, "error", err)
			continue
		}
		hosted++
	}
	if len(manifests) > 0 {
		log.Info("manifests of the last run hosted again", "hosted", hosted, "of", len(manifests))
	}
}
