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

  var theme = function () {
    var b = document.body;
    var light = b && b.getAttribute('data-jp-theme-light');
    if (light === 'false') return 'dark';
    if (light === 'true') return 'light';
    if (b && b.classList.contains('vscode-dark')) return 'dark';
    if (b && b.classList.contains('vscode-light')) return 'light';
    return window.matchMedia && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  };
  var tell = function (f) {
    try { f.contentWindow.postMessage({ type: 'syft-widget-theme', theme: theme() }, '*'); } catch (e) { /* gone */ }
  };

  var cp = frame('allow-scripts');
  cp.srcdoc = c.srcdoc;
  cp.addEventListener('load', function () { tell(cp); });
  wrap.appendChild(cp);
  host.parentNode.replaceChild(wrap, host);

  var shown = cp, live = null, liveH = 0, attempt = 0, timer = 0;
  var load = function () {
    if (live) wrap.removeChild(live);
    liveH = 0;
    live = frame('allow-scripts allow-same-origin');
    live.style.position = 'absolute';
    live.style.left = '0';
    live.style.top = '0';
    live.style.visibility = 'hidden';
    live.style.pointerEvents = 'none';
    live.setAttribute('aria-hidden', 'true');
    live.setAttribute('tabindex', '-1');
    var f = live;
    f.addEventListener('load', function () { tell(f); });
    f.src = c.liveURL;
    wrap.appendChild(f);
    // No "ready" in time: keep the checkpoint, try again later.
    timer = setTimeout(function () {
      if (shown !== live) {
        down = true;
        if (follow()) return;
        load();
      }
    }, Math.min(60000, 1000 * Math.pow(2, attempt++)));
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
  var baseOf = function (u) { var i = u.lastIndexOf('/w/'); return i < 0 ? '' : u.slice(0, i + 1); };
  var announce = function () {
    if (!c.server) return;
    reg[c.server] = c.liveURL;
    window.dispatchEvent(new CustomEvent('syft-widget-server', { detail: c.server }));
  };
  var follow = function () {
    var u = c.server && reg[c.server];
    if (!down || !u || baseOf(u) === baseOf(c.liveURL)) return false;
    var token = /[?&]token=([^&#]*)/.exec(u);
    c.liveURL = baseOf(u) + 'w/' + encodeURIComponent(c.name) + '/?token=' + (token ? token[1] : '');
    attempt = 0;
    clearTimeout(timer);
    if (shown === live) live = null; // shown until the new page is ready
    load();
    return true;
  };
  window.addEventListener('syft-widget-server', function (e) { if (e.detail === c.server) follow(); });

  if (c.liveURL) load();
}
