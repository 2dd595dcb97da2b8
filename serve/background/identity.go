package background

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/syft-widget/syft-widget/manifest"
	"github.com/syft-widget/syft-widget/serve"
)

// Where a moved server went: see Locate. Server names follow the
// manifest's rule, so a name never leaves the servers folder.
var serverName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Locate says on which loopback port server name of home runs now, if it
// runs (it proves so: Alive) and token is its token. A server answers
// this to pages of its own that ask where another server of the same home
// went (serve.Config.Locate): the page knows that server's token already;
// the answer never carries one.
func Locate(home, name, token string) (port int, ok bool) {
	if !serverName.MatchString(name) {
		return 0, false
	}
	r, err := ReadRecord(home, name)
	if err != nil || subtle.ConstantTimeCompare([]byte(token), []byte(r.Token)) != 1 || !Alive(r) {
		return 0, false
	}
	_, p, err := net.SplitHostPort(r.Addr)
	if err != nil {
		return 0, false
	}
	port, err = strconv.Atoi(p)
	return port, err == nil
}

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
	if f, err := openNoFollow(identityPath(home, name), os.O_RDONLY, 0); err == nil {
		json.NewDecoder(io.LimitReader(f, 1<<16)).Decode(&id)
		f.Close()
	}
	return id
}

// writeIdentity replaces the identity atomically, 0600: it holds a token.
func writeIdentity(home, name string, id identity) error {
	b, _ := json.MarshalIndent(id, "", "  ")
	return replacePrivate(identityPath(home, name), b)
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
