// Command syft-widget turns YAML manifests into live, file-backed widgets.
//
// Usage: syft-widget COMMAND [flags] [args]; `syft-widget help` lists the
// commands. Data goes to stdout, messages to stderr; the exit code is 0 on
// success, 1 on failure and 2 on a usage error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/syft-widget/syft-widget/serve"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// command is one subcommand: its flags, and what it does with the
// positional arguments.
type command struct {
	name, args, summary string
	flags               func(fs *flag.FlagSet) func(args []string) error
}

var commands []*command

func init() {
	commands = []*command{
		runCommand, serveCommand, renderCommand, refreshCommand, evalCommand, checkCommand,
		serversCommand, stopCommand, logsCommand, tokenCommand, schemaCommand, versionCommand,
	}
}

// errUsage marks a usage error (exit code 2).
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

func usagef(format string, args ...any) error { return errUsage{fmt.Sprintf(format, args...)} }

// errSilent is a failure already reported to the user.
var errSilent = errors.New("")

func main() {
	serve.Version = version
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

var stdout, stderr io.Writer = os.Stdout, os.Stderr

// Main runs the command line and returns the exit code.
func Main(args []string, out, errOut io.Writer) int {
	stdout, stderr = out, errOut
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			return Main([]string{args[1], "--help"}, out, errOut)
		}
		printUsage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range append(commands, daemonCommand) {
		if c.name == args[0] {
			return c.run(args[1:])
		}
	}
	fmt.Fprintf(stderr, "syft-widget: unknown command %q\n\n", args[0])
	printUsage(stderr)
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "syft-widget turns YAML manifests into live, file-backed widgets.\n\nUsage:")
	for _, c := range commands {
		fmt.Fprintf(w, "  syft-widget %-8s %-40s %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'syft-widget COMMAND --help' for a command's flags.")
}

func (c *command) run(args []string) int {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	action := c.flags(fs)
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "Usage: syft-widget %s %s\n\n%s\n", c.name, c.args, c.summary)
		var b strings.Builder
		fs.SetOutput(&b)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		if b.Len() > 0 {
			fmt.Fprintf(w, "\nFlags:\n%s", b.String())
		}
	}
	// Flags may come before, between or after the arguments.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage(stdout)
				return 0
			}
			fmt.Fprintf(stderr, "syft-widget %s: %v\n", c.name, err)
			usage(stderr)
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	err := action(positional)
	var ue errUsage
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "syft-widget %s: %s\n", c.name, ue.msg)
		usage(stderr)
		return 2
	case err == errSilent:
		return 1
	default:
		fmt.Fprintln(stderr, err)
		return 1
	}
}

var versionCommand = &command{
	name: "version", summary: "print the version",
	flags: func(fs *flag.FlagSet) func([]string) error {
		return func(args []string) error {
			if len(args) > 0 {
				return usagef("takes no arguments")
			}
			fmt.Fprintln(stdout, version)
			return nil
		}
	},
}
