package background

import "testing"

func TestPublicBaseFollowsFlagsAndEnvironment(t *testing.T) {
	t.Setenv(EnvPublicURL, "")
	t.Setenv("JUPYTERHUB_SERVICE_PREFIX", "")
	if got := PublicBase("", 8123); got != "http://127.0.0.1:8123/" {
		t.Errorf("default: %s", got)
	}
	if got := PublicBase("https://hub.example.org/proxy/{port}", 8123); got != "https://hub.example.org/proxy/8123/" {
		t.Errorf("flag: %s", got)
	}
	t.Setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ada/")
	if got := PublicBase("", 8123); got != "/user/ada/proxy/8123/" {
		t.Errorf("JupyterHub: %s", got)
	}
	t.Setenv(EnvPublicURL, "https://box.example.org:{port}/")
	if got := PublicBase("", 8123); got != "https://box.example.org:8123/" {
		t.Errorf("env: %s", got)
	}
	if h := publicHost(PublicBase("", 1)); h != "box.example.org" {
		t.Errorf("the public host joining the allow-list: %q", h)
	}
}
