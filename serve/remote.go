package serve

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// IsLoopbackAddr reports whether a listen address (host:port) binds to
// loopback only: 127.0.0.0/8, ::1 or localhost. An empty host, 0.0.0.0 and
// :: listen on every interface.
func IsLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CheckAddr refuses a non-loopback listen address unless allowRemote: a
// widget server is private by default, and exposing it is a choice.
func CheckAddr(addr string, allowRemote bool) error {
	if addr == "" || IsLoopbackAddr(addr) || allowRemote {
		return nil
	}
	return fmt.Errorf("--addr %s would accept connections from other machines: add --allow-remote to mean it (anyone who has the printed URL, with its token, can read the widgets)", addr)
}

// RemoteBase is the address other machines reach a server listening at ln
// on, and the Host names its requests will carry (to allow): the listen IP
// itself, or, for a wildcard address (0.0.0.0, ::), the machine's first
// non-loopback address; the host name is allowed too.
func RemoteBase(ln net.Addr) (base string, hosts []string) {
	tcp, ok := ln.(*net.TCPAddr)
	if !ok {
		return "http://" + ln.String() + "/", nil
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = firstExternalIP() // a wildcard listener ([::] included) accepts IPv4 too
	}
	host := "127.0.0.1"
	if ip != nil {
		host = ip.String()
		hosts = append(hosts, host)
	}
	if name, err := os.Hostname(); err == nil && name != "" {
		hosts = append(hosts, name)
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(tcp.Port)) + "/", hosts
}

// firstExternalIP is the machine's first non-loopback unicast address,
// IPv4 first; nil when there is none.
func firstExternalIP() net.IP {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var six net.IP
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok || n.IP.IsLoopback() || !n.IP.IsGlobalUnicast() {
			continue
		}
		if n.IP.To4() != nil {
			return n.IP
		}
		if six == nil && n.IP.To4() == nil {
			six = n.IP
		}
	}
	return six
}

// DefaultAddr is where run and serve listen unless told: loopback, on the
// port SyftBox assigned when it runs syft-widget as an app
// (SYFTBOX_ASSIGNED_PORT), else a free one.
func DefaultAddr() string {
	if p := os.Getenv("SYFTBOX_ASSIGNED_PORT"); p != "" {
		if n, err := strconv.Atoi(p); err == nil && n > 0 && n < 65536 {
			return "127.0.0.1:" + p
		}
	}
	return "127.0.0.1:0"
}
