package background

import (
	"testing"

	"github.com/syft-widget/syft-widget/serve"
)

func TestPublicBaseFollowsFlagsAndEnvironment(t *testing.T) {
	t.Setenv(EnvPublicURL, "")
	t.Setenv("JUPYTERHUB_SERVICE_PREFIX", "")
	t.Setenv("VSCODE_PROXY_URI", "")
	t.Setenv("COLAB_RELEASE_TAG", "")
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
	if h := allowHostFor(PublicBase("", 1)); h != "box.example.org" {
		t.Errorf("the public host joining the allow-list: %q", h)
	}
}

func TestPublicBaseBehindProxiesAcceptsTheProxiedHostWithTheToken(t *testing.T) {
	t.Setenv(EnvPublicURL, "")
	t.Setenv("JUPYTERHUB_SERVICE_PREFIX", "")
	t.Setenv("COLAB_RELEASE_TAG", "")
	t.Setenv("VSCODE_PROXY_URI", "https://code.example.org/proxy/{{port}}/")
	if got := PublicBase("", 8123); got != "https://code.example.org/proxy/8123/" {
		t.Errorf("code-server: %s", got)
	}
	if h := allowHostFor(PublicBase("", 1)); h != "code.example.org" {
		t.Errorf("code-server's host joining the allow-list: %q", h)
	}
	t.Setenv("VSCODE_PROXY_URI", "./proxy/{{port}}")
	if got := PublicBase("", 8123); got != "http://127.0.0.1:8123/" {
		t.Errorf("a relative VSCODE_PROXY_URI gives %s; it cannot be resolved from a webview, want loopback", got)
	}
	t.Setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ada/")
	if h := allowHostFor(PublicBase("", 1)); h != serve.AnyHost {
		t.Errorf("behind jupyter-server-proxy the allow-list gets %q, want any Host with the token", h)
	}
	t.Setenv("JUPYTERHUB_SERVICE_PREFIX", "")
	t.Setenv("VSCODE_PROXY_URI", "")
	t.Setenv("COLAB_RELEASE_TAG", "release-colab_20260101")
	if got, h := PublicBase("", 8123), allowHostFor(PublicBase("", 8123)); got != "http://127.0.0.1:8123/" || h != serve.AnyHost {
		t.Errorf("Colab: base %s (want loopback, for proxyPort), host %q (want any, with the token)", got, h)
	}
}
