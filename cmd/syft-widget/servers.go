package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/syft-widget/syft-widget/serve"
)

// serverRow is one line of `servers`.
type serverRow struct {
	Name     string   `json:"name"`
	PID      int      `json:"pid"`
	URL      string   `json:"url"`
	Widgets  []string `json:"widgets"`
	Uptime   string   `json:"uptime"`
	Idle     string   `json:"idle"`
	Expires  string   `json:"expires"`
	Log      string   `json:"log"`
	Problems []string `json:"problems,omitempty"`
}

var serversCommand = &command{
	name: "servers", args: "[--json]", summary: "list background servers",
	flags: func(fs *flag.FlagSet) func([]string) error {
		asJSON := fs.Bool("json", false, "print JSON")
		return func(args []string) error {
			if len(args) > 0 {
				return usagef("takes no arguments")
			}
			home := serve.Home()
			rows := []serverRow{}
			for _, r := range serve.Records(home) {
				if !serve.Alive(r) {
					serve.RemoveStale(home, r)
					continue
				}
				row := serverRow{Name: r.Name, PID: r.PID, URL: r.BaseURL() + "?token=" + r.Token, Log: r.Log, Widgets: []string{}}
				var st serve.Status
				if b, err := serve.Admin(r, http.MethodGet, "status", nil); err == nil && json.Unmarshal(b, &st) == nil {
					row.Uptime = short(time.Since(st.Started))
					row.Idle = short(st.Idle)
					for _, w := range st.Widgets {
						if w.Name != "" {
							row.Widgets = append(row.Widgets, w.Name)
						}
						row.Problems = append(row.Problems, w.Errors...)
					}
					row.Expires = expiresIn(st)
				}
				rows = append(rows, row)
			}
			if *asJSON {
				b, _ := json.MarshalIndent(rows, "", "  ")
				fmt.Fprintln(stdout, string(b))
				return nil
			}
			if len(rows) == 0 {
				fmt.Fprintln(stderr, "no background servers are running")
				return nil
			}
			tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tPID\tURL\tWIDGETS\tUPTIME\tIDLE\tEXPIRES")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.PID, r.URL, strings.Join(r.Widgets, ","), r.Uptime, r.Idle, r.Expires)
			}
			return tw.Flush()
		}
	},
}

func expiresIn(st serve.Status) string {
	if st.Expiration == 0 {
		return "never"
	}
	left := st.Expiration - st.Idle
	if st.Streams > 0 || left < 0 {
		left = st.Expiration
	}
	return "in " + short(left)
}

// short writes a duration to the second, without trailing zero units:
// 24h, 1h30m, 42s.
func short(d time.Duration) string {
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

var stopCommand = &command{
	name: "stop", args: "NAME... | --all", summary: "stop background servers",
	flags: func(fs *flag.FlagSet) func([]string) error {
		all := fs.Bool("all", false, "stop every background server")
		timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for a graceful stop before killing")
		return func(args []string) error {
			if *all == (len(args) > 0) {
				return usagef("give server names or --all")
			}
			home := serve.Home()
			var recs []*serve.Record
			if *all {
				recs = serve.Records(home)
			} else {
				for _, name := range args {
					r, err := serve.ReadRecord(home, name)
					if err != nil {
						if errors.Is(err, os.ErrNotExist) {
							return fmt.Errorf("no background server named %s", name)
						}
						return err
					}
					recs = append(recs, r)
				}
			}
			failed := false
			for _, r := range recs {
				if !serve.Alive(r) {
					// Its pid may belong to another process by now: leave it be.
					serve.RemoveStale(home, r)
					fmt.Fprintf(stderr, "server %s was not running (pid %d is not it); removed its stale record\n", r.Name, r.PID)
					failed = failed || !*all
					continue
				}
				forced, err := serve.Stop(home, r, *timeout)
				if err != nil {
					return err
				}
				if forced {
					fmt.Fprintf(stderr, "stopped %s (pid %d) by force after %s\n", r.Name, r.PID, *timeout)
				} else {
					fmt.Fprintf(stderr, "stopped %s (pid %d)\n", r.Name, r.PID)
				}
			}
			if failed {
				return errSilent
			}
			return nil
		}
	},
}

var logsCommand = &command{
	name: "logs", args: "NAME [-n 20] [-f]", summary: "show (or follow) a background server's log",
	flags: func(fs *flag.FlagSet) func([]string) error {
		n := fs.Int("n", 20, "number of last lines to show")
		follow := fs.Bool("f", false, "keep printing new lines until interrupted")
		return func(args []string) error {
			if len(args) != 1 {
				return usagef("needs one server name")
			}
			if *n < 0 {
				return usagef("-n is a number of lines: 0 or more, not %d", *n)
			}
			path := serve.LogPath(serve.Home(), args[0])
			f, err := os.Open(path)
			if err != nil {
				if errors.Is(err, os.ErrNotExist) {
					return fmt.Errorf("server %s has no log (%s)", args[0], path)
				}
				return err
			}
			defer f.Close()
			if err := serve.Tail(f, stdout, *n); err != nil {
				return err
			}
			if !*follow {
				return nil
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serve.Follow(ctx, f, stdout)
		}
	},
}

var tokenCommand = &command{
	name: "token", args: "NAME [--rotate]", summary: "print a background server's token, or replace it",
	flags: func(fs *flag.FlagSet) func([]string) error {
		rotate := fs.Bool("rotate", false, "give the server a new token (pages and saved notebooks with the old one stop working)")
		return func(args []string) error {
			if len(args) != 1 {
				return usagef("needs one server name")
			}
			home := serve.Home()
			r, err := serve.ReadRecord(home, args[0])
			if err != nil || !serve.Alive(r) {
				return fmt.Errorf("no background server named %s is running", args[0])
			}
			if *rotate {
				b, err := serve.Admin(r, http.MethodPost, "token", nil)
				if err != nil {
					return err
				}
				var out struct {
					Token string `json:"token"`
				}
				json.Unmarshal(b, &out)
				fmt.Fprintln(stdout, out.Token)
				return nil
			}
			fmt.Fprintln(stdout, r.Token)
			return nil
		}
	},
}

// daemonCommand is the hidden command a background server runs as.
var daemonCommand = &command{
	name: serve.DaemonCommand, summary: "(internal) run a background server",
	flags: func(fs *flag.FlagSet) func([]string) error {
		name := fs.String("name", "", "server name")
		home := fs.String("home", serve.Home(), "state folder")
		expiration := fs.String("expiration", "24h", "idle time before exiting, or never")
		var hosts hostList
		fs.Var(&hosts, "allow-host", "also accept this Host name")
		return func(args []string) error {
			var exp time.Duration
			if *expiration != "never" {
				d, err := time.ParseDuration(*expiration)
				if err != nil {
					return usagef("bad --expiration: %v", err)
				}
				exp = d
			}
			serverGC()
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serve.RunDaemon(ctx, serve.DaemonConfig{Name: *name, Home: *home, Expiration: exp, AllowHosts: hosts})
		}
	},
}
