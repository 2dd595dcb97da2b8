package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/syft-widget/syft-widget/serve"
	"github.com/syft-widget/syft-widget/serve/gcpolicy"
)

// hostList collects repeated --allow-host flags.
type hostList []string

func (h *hostList) String() string     { return strings.Join(*h, ",") }
func (h *hostList) Set(v string) error { *h = append(*h, v); return nil }

var runCommand = &command{
	name: "run", args: "MANIFEST... [--addr 127.0.0.1:PORT] [--open]", summary: "serve widgets in the foreground, reloading manifests as they change",
	flags: func(fs *flag.FlagSet) func([]string) error {
		addr := fs.String("addr", serve.DefaultAddr(), "address to listen on (loopback by default; port 0 picks a free one; $SYFTBOX_ASSIGNED_PORT when SyftBox runs it as an app)")
		allowRemote := fs.Bool("allow-remote", false, "allow --addr to be a non-loopback address (other machines can then connect; the token still guards every page)")
		open := fs.Bool("open", false, "open each widget in the browser")
		var hosts hostList
		fs.Var(&hosts, "allow-host", "also accept requests for this Host name (repeatable)")
		verbose := fs.Bool("v", false, "log debug messages")
		token := tokenFlag(fs)
		applySyftbox := syftboxFlag(fs)
		return func(args []string) error {
			if err := applySyftbox(); err != nil {
				return err
			}
			if len(args) == 0 {
				return usagef("needs at least one manifest")
			}
			// A manifest that does not load is watched until it does; one
			// that is not there at all is a typo, not a file being written.
			for _, f := range args {
				if st, err := os.Stat(f); err != nil {
					return fmt.Errorf("%s: no such manifest file", f)
				} else if st.IsDir() {
					return fmt.Errorf("%s is a folder; serve it with: syft-widget serve %s", f, f)
				}
			}
			tok, err := chosenToken(*token)
			if err != nil {
				return err
			}
			return foreground("run", *addr, *allowRemote, hosts, *verbose, "", tok, func(srv *serve.Server) (closer, error) {
				mw, err := serve.WatchFiles(srv, args)
				if err != nil {
					fmt.Fprintln(stderr, err)
				}
				if mw == nil {
					return nil, errSilent
				}
				return mw, nil
			}, *open)
		}
	},
}

var serveCommand = &command{
	name: "serve", args: "DIR [--addr 127.0.0.1:PORT]", summary: "serve every manifest in DIR, following the folder as files come and go",
	flags: func(fs *flag.FlagSet) func([]string) error {
		addr := fs.String("addr", serve.DefaultAddr(), "address to listen on (loopback by default; port 0 picks a free one; $SYFTBOX_ASSIGNED_PORT when SyftBox runs it as an app)")
		allowRemote := fs.Bool("allow-remote", false, "allow --addr to be a non-loopback address (other machines can then connect; the token still guards every page)")
		var hosts hostList
		fs.Var(&hosts, "allow-host", "also accept requests for this Host name (repeatable)")
		outside := fs.Bool("allow-outside", false, "let manifests read data outside DIR")
		verbose := fs.Bool("v", false, "log debug messages")
		token := tokenFlag(fs)
		applySyftbox := syftboxFlag(fs)
		return func(args []string) error {
			if err := applySyftbox(); err != nil {
				return err
			}
			if len(args) != 1 {
				return usagef("needs exactly one folder")
			}
			confine := args[0]
			if *outside {
				confine = ""
			}
			tok, err := chosenToken(*token)
			if err != nil {
				return err
			}
			return foreground(filepath.Base(absOr(args[0])), *addr, *allowRemote, hosts, *verbose, confine, tok, func(srv *serve.Server) (closer, error) {
				return serve.WatchFolder(srv, args[0])
			}, false)
		}
	},
}

func absOr(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

type closer interface{ Close() error }

// foreground serves until SIGINT or SIGTERM.
func foreground(name, addr string, allowRemote bool, hosts []string, verbose bool, confine, token string, start func(*serve.Server) (closer, error), open bool) error {
	if err := serve.CheckAddr(addr, allowRemote); err != nil {
		return usagef("%v", err)
	}
	// The collector runs at the server's pace while the widgets load, and
	// its memory limit follows the live heap once they have.
	gc := gcpolicy.Open(gcpolicy.Server)
	defer gc.Close()
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	ln, err := serve.Listen(addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	base := "http://" + ln.Addr().String() + "/"
	if !serve.IsLoopbackAddr(ln.Addr().String()) {
		// The URL printed must be one the server accepts from elsewhere.
		var remoteHosts []string
		base, remoteHosts = serve.RemoteBase(ln.Addr())
		hosts = append(hosts, remoteHosts...)
		fmt.Fprintf(stderr, "warning: listening on %s, reachable from other machines; anyone with a URL below (it holds the token) can read these widgets\n", ln.Addr())
	}
	srv := serve.NewServer(serve.Config{Name: name, Token: token, AllowHosts: hosts, Log: log, ConfineTo: confine})
	watcher, err := start(srv)
	if err != nil {
		ln.Close()
		srv.Close()
		return err
	}
	defer watcher.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	gc.Follow(ctx)
	fmt.Fprintf(stdout, "index: %s?token=%s\n", base, srv.Token())
	for _, w := range srv.Widgets() {
		if w.Name != "" {
			url := serve.URL(base, w.Name, srv.Token())
			fmt.Fprintf(stdout, "%s: %s\n", w.Name, url)
			if open {
				openBrowser(url)
			}
		}
	}
	return srv.Serve(ctx, ln)
}

func openBrowser(url string) {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err == nil {
		go cmd.Wait()
	}
}

// envToken is the token of `run` and `serve` when --token is not given.
const envToken = "SYFT_WIDGET_TOKEN"

func tokenFlag(fs *flag.FlagSet) *string {
	return fs.String("token", "", "access token, kept across restarts so open pages and bookmarks keep working (default: $"+envToken+", else a new random one)")
}

// chosenToken is the token given by flag or environment ("" makes a new
// one). A guessable token would open the data to every local process and
// web page: it must be long and URL-safe.
func chosenToken(flagValue string) (string, error) {
	t, from := flagValue, "--token"
	if t == "" {
		t, from = os.Getenv(envToken), "$"+envToken
	}
	if t == "" {
		return "", nil
	}
	if len(t) < 16 || strings.Trim(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~") != "" {
		return "", usagef("%s must be at least 16 characters of A-Z, a-z, 0-9, -, ., _ or ~ (e.g. openssl rand -hex 16)", from)
	}
	return t, nil
}
