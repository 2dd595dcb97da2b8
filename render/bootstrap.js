function (c) {
  // syft-widget checkpoint bootstrap: shows the checkpoint in a sandboxed
  // srcdoc iframe and, given a live URL, loads the live page in a hidden
  // iframe that takes its place once it announces itself.
  'use strict';
  var host = document.getElementById(c.id);
  if (!host || !host.parentNode || !window.postMessage) return;
  var auto = c.height === 'auto';
  var cur = auto ? Math.max(host.offsetHeight, 20) : 0;
  var wrap = document.createElement('div');
  wrap.className = 'syft-widget';
  wrap.style.cssText = 'position:relative;max-width:100%;width:' + c.width;

  var frame = function (sandbox) {
    var f = document.createElement('iframe');
    f.setAttribute('sandbox', sandbox);
    f.setAttribute('title', c.title);
    f.setAttribute('referrerpolicy', 'no-referrer');
    f.style.cssText = 'border:0;display:block;width:100%;background:transparent;height:' + (auto ? cur + 'px' : c.height);
    return f;
  };
  var setH = function (f, px) {
    if (!auto || typeof px !== 'number' || !(px > 0)) return;
    cur = Math.ceil(px);
    f.style.height = cur + 'px';
  };

  // The theme follows what the user sees: the front end's own hint
  // (JupyterLab, VS Code), else the colour behind the widget (classic
  // Notebook gives no hint and stays white in a dark OS), else the OS.
  var behind = function () {
    for (var el = wrap.parentNode; el && el.nodeType === 1; el = el.parentNode) {
      var m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?/.exec(getComputedStyle(el).backgroundColor || '');
      if (m && (m[4] === undefined || Number(m[4]) > 0.5)) {
        var lin = function (v) { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
        var lum = 0.2126 * lin(+m[1]) + 0.7152 * lin(+m[2]) + 0.0722 * lin(+m[3]);
        return lum < 0.18 ? 'dark' : 'light'; // 0.18: where black and white text contrast equally
      }
    }
    return '';
  };
  var theme = function () {
    var b = document.body;
    var light = b && b.getAttribute('data-jp-theme-light');
    if (light === 'false') return 'dark';
    if (light === 'true') return 'light';
    if (b && (b.classList.contains('vscode-dark') || b.classList.contains('vscode-high-contrast'))) return 'dark';
    if (b && (b.classList.contains('vscode-light') || b.classList.contains('vscode-high-contrast-light'))) return 'light';
    return behind() || (window.matchMedia && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
  };
  var tell = function (f) {
    try { f.contentWindow.postMessage({ type: 'syft-widget-theme', theme: theme() }, '*'); } catch (e) { /* gone */ }
  };

  var cp = frame('allow-scripts');
  cp.srcdoc = c.srcdoc;
  cp.addEventListener('load', function () { tell(cp); });
  wrap.appendChild(cp);
  host.parentNode.replaceChild(wrap, host);

  // Loading: a live iframe is never thrown away while it loads (a big
  // widget takes a while to parse), nor once its page has spoken (it then
  // connects, retries and says "ready" by itself). Only a frame that loaded
  // and stays silent (an error page: server gone, proxy error, blocked) is
  // replaced, after a backoff.
  var shown = cp, live = null, liveH = 0, attempt = 0, timer = 0, heard = false, url = '';
  var load = function () {
    if (live) wrap.removeChild(live);
    liveH = 0;
    heard = false;
    live = frame('allow-scripts allow-same-origin');
    // Chromium's Local Network Access: a notebook on a public origin may
    // frame a loopback or private server only when the iframe delegates it.
    live.setAttribute('allow', 'local-network-access; local-network; loopback-network');
    live.style.position = 'absolute';
    live.style.left = '0';
    live.style.top = '0';
    live.style.visibility = 'hidden';
    live.style.pointerEvents = 'none';
    live.setAttribute('aria-hidden', 'true');
    live.setAttribute('tabindex', '-1');
    var f = live;
    f.addEventListener('load', function () {
      tell(f);
      if (f !== live || heard || shown === live) return;
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (f !== live || heard || shown === live) return;
        unreachable();
        down = true;
        if (!follow()) load();
      }, Math.min(60000, 1000 * Math.pow(2, attempt++)));
    });
    f.src = url;
    wrap.appendChild(f);
  };
  // unreachable says in one line how to reach a loopback server from a
  // browser on another machine (a hub, a remote kernel, a VS Code tunnel).
  var note = null;
  var unreachable = function () {
    if (note || attempt < 2) return;
    var u;
    try { u = new URL(url, location.href); } catch (e) { return; }
    var loop = /^(127\.|localhost$|\[::1\]$)/.test(u.hostname);
    if (!loop || /^(127\.|localhost$|\[::1\]$)/.test(location.hostname)) return;
    note = document.createElement('div');
    note.className = 'syft-widget-note';
    note.style.cssText = 'font:11px system-ui,sans-serif;opacity:.7;margin-top:2px';
    note.textContent = 'Static: the live view is at ' + u.host + ' on the kernel\'s machine; forward port ' + u.port +
      ' to this browser, or render with --public-url.';
    wrap.appendChild(note);
  };
  var start = function () {
    var u;
    try { u = new URL(c.liveURL, location.href); } catch (e) { return; }
    var colab = window.google && google.colab && google.colab.kernel && google.colab.kernel.proxyPort;
    // Colab reaches a kernel port only through its own proxy: ask it for
    // the address valid in this tab, and keep the path and token.
    if (colab && /^(127\.|localhost$)/.test(u.hostname)) {
      Promise.resolve(google.colab.kernel.proxyPort(Number(u.port) || 80)).then(function (base) {
        url = new URL(u.pathname.replace(/^\//, '') + u.search, String(base).replace(/\/?$/, '/')).href;
        load();
      }, function () { url = u.href; load(); });
      return;
    }
    url = u.href;
    load();
  };
  var swap = function () {
    clearTimeout(timer);
    live.style.height = shown.style.height; // no jump: keep the height until the live page reports its own
    live.style.position = 'static';
    live.style.visibility = 'visible';
    live.style.pointerEvents = '';
    live.removeAttribute('aria-hidden');
    live.removeAttribute('tabindex');
    wrap.removeChild(shown);
    if (note) wrap.removeChild(note);
    note = null;
    shown = live;
    setH(live, liveH);
  };

  window.addEventListener('message', function (e) {
    var d = e.data;
    if (!d || d.type !== 'syft-widget') return;
    if (e.source === cp.contentWindow && shown === cp && d.kind === 'height') {
      setH(cp, d.height);
      if (live) live.style.height = cp.style.height;
    } else if (live && e.source === live.contentWindow) {
      heard = true;
      clearTimeout(timer);
      if (d.kind === 'height') {
        liveH = d.height;
        if (shown === live) setH(live, d.height);
      } else if (d.kind === 'ready') {
        down = false;
        if (shown !== live) swap();
        announce();
      } else if (d.kind === 'status') {
        down = d.state === 'reconnecting' || d.state === 'offline' || d.state === 'removed';
        follow();
      }
    }
  });

  var retheme = function () {
    tell(cp);
    if (live) tell(live);
  };
  if (window.MutationObserver && document.body) {
    new MutationObserver(retheme).observe(document.body, { attributes: true, attributeFilter: ['data-jp-theme-light', 'class'] });
  }
  if (window.matchMedia) {
    var mq = matchMedia('(prefers-color-scheme: dark)');
    if (mq.addEventListener) mq.addEventListener('change', retheme);
  }
  // A background server whose old port was taken starts on another one.
  // Any fragment of this document that reaches it (a cell run again) says
  // where; the widgets of the same server whose pages lost it move there,
  // keeping what they show until the new page is ready.
  var reg = window.__syftWidgetServers = window.__syftWidgetServers || {};
  var down = false;
  // Live URLs are BASE + w/NAME/?token=...: the base is two levels up.
  var baseOf = function (u) { try { return new URL('../../', u).href; } catch (e) { return ''; } };
  var announce = function () {
    if (!c.server) return;
    reg[c.server] = url;
    window.dispatchEvent(new CustomEvent('syft-widget-server', { detail: c.server }));
  };
  var follow = function () {
    var u = c.server && reg[c.server];
    if (!down || !u || baseOf(u) === baseOf(url)) return false;
    var token = /[?&]token=([^&#]*)/.exec(u);
    url = new URL('../' + encodeURIComponent(c.name) + '/?token=' + (token ? token[1] : ''), u).href;
    attempt = 0;
    clearTimeout(timer);
    if (shown === live) live = null; // shown until the new page is ready
    load();
    return true;
  };
  window.addEventListener('syft-widget-server', function (e) { if (e.detail === c.server) follow(); });

  if (c.liveURL) start();
}
