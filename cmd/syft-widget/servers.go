package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/syft-widget/syft-widget/serve/background"
	"github.com/syft-widget/syft-widget/serve/gcpolicy"
)

var serversCommand = &command{
	name: "servers", args: "[--json]", summary: "list background servers",
	flags: func(fs *flag.FlagSet) func([]string) error {
		asJSON := fs.Bool("json", false, "print JSON")
		return func(args []string) error {
			if len(args) > 0 {
				return usagef("takes no arguments")
			}
			home := background.Home()
			if err := background.CheckHome(home); err != nil {
				return err
			}
			rows := background.Summaries(home)
			if *asJSON {
				b, _ := json.MarshalIndent(rows, "", "  ")
				fmt.Fprintln(stdout, string(b))
				return nil
			}
			if len(rows) == 0 {
				fmt.Fprintln(stderr, "no background servers are running")
				return nil
			}
			return background.WriteTable(stdout, rows)
		}
	},
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
			home := background.Home()
			if err := background.CheckHome(home); err != nil {
				return err
			}
			var recs []*background.Record
			if *all {
				recs = background.Records(home)
			} else {
				for _, name := range args {
					r, err := background.ReadRecord(home, name)
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
				if !background.Alive(r) {
					// Its pid may belong to another process by now: leave it be.
					background.RemoveStale(home, r)
					fmt.Fprintf(stderr, "server %s was not running (pid %d is not it); removed its stale record\n", r.Name, r.PID)
					failed = failed || !*all
					continue
				}
				forced, err := background.Stop(home, r, *timeout)
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
			home := background.Home()
			if err := background.CheckHome(home); err != nil {
				return err
			}
			path := background.LogPath(home, args[0])
			f, err := background.OpenLog(home, args[0])
			if err != nil {
				if errors.Is(err, os.ErrNotExist) {
					return fmt.Errorf("server %s has no log (%s)", args[0], path)
				}
				return err
			}
			defer f.Close()
			if err := background.Tail(f, stdout, *n); err != nil {
				return err
			}
			if !*follow {
				return nil
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return background.Follow(ctx, f, stdout)
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
			home := background.Home()
			if err := background.CheckHome(home); err != nil {
				return err
			}
			r, err := background.ReadRecord(home, args[0])
			if err != nil || !background.Alive(r) {
				// Not running: its identity holds the token it comes back with.
				token, err := background.StoppedToken(home, args[0], *rotate)
				if err != nil {
					return err
				}
				fmt.Fprintln(stdout, token)
				return nil
			}
			if *rotate {
				token, err := background.RotateToken(r)
				if err != nil {
					return err
				}
				fmt.Fprintln(stdout, token)
				return nil
			}
			fmt.Fprintln(stdout, r.Token)
			return nil
		}
	},
}

// daemonCommand is the hidden command a background server runs as.
var daemonCommand = &command{
	name: background.DaemonCommand, summary: "(internal) run a background server",
	flags: func(fs *flag.FlagSet) func([]string) error {
		name := fs.String("name", "", "server name")
		home := fs.String("home", background.Home(), "state folder")
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
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			// Widgets come and go as clients register them: the limit
			// follows the live heap from the start, and is lifted while a
			// load makes it grow.
			gc := gcpolicy.Open(gcpolicy.Server)
			defer gc.Close()
			gc.Follow(ctx)
			return background.RunDaemon(ctx, background.DaemonConfig{Name: *name, Home: *home, Expiration: exp, AllowHosts: hosts})
		}
	},
}
