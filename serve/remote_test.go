package serve

import (
	"net"
	"strings"
	"testing"
)

func TestOnlyLoopbackAddressesNeedNoPermission(t *testing.T) {
	for addr, loop := range map[string]bool{
		"127.0.0.1:0": true, "127.0.0.2:8080": true, "localhost:0": true, "[::1]:0": true,
		"0.0.0.0:0": false, ":0": false, "[::]:0": false, "192.168.1.5:0": false, "example.org:80": false,
	} {
		if got := IsLoopbackAddr(addr); got != loop {
			t.Errorf("IsLoopbackAddr(%q) = %v", addr, got)
		}
		err := CheckAddr(addr, false)
		if (err == nil) != loop {
			t.Errorf("CheckAddr(%q, false) = %v", addr, err)
		}
		if err != nil && !strings.Contains(err.Error(), "--allow-remote") {
			t.Errorf("the refusal does not say what to do: %v", err)
		}
		if err := CheckAddr(addr, true); err != nil {
			t.Errorf("CheckAddr(%q, true) = %v", addr, err)
		}
	}
}

func TestRemoteBaseNamesAnAddressTheServerAllows(t *testing.T) {
	base, hosts := RemoteBase(&net.TCPAddr{IP: net.IPv4(192, 168, 1, 5), Port: 8123})
	if base != "http://192.168.1.5:8123/" || len(hosts) == 0 || hosts[0] != "192.168.1.5" {
		t.Errorf("RemoteBase = %s %v", base, hosts)
	}
	base, _ = RemoteBase(&net.TCPAddr{IP: net.IPv6unspecified, Port: 8123})
	if strings.Contains(base, "[::]") || strings.Contains(base, "0.0.0.0") {
		t.Errorf("a wildcard address is not a URL: %s", base)
	}
}
