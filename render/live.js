// syft-widget live page client. Keeps #sw-body equal to the server's latest
// render: Server-Sent Events (one stream shared by every page of the same
// server in this browser: Web Locks, or an election where they are missing,
// pick a leader; a BroadcastChannel fans out), polling when a proxy buffers the stream, a quiet status line, and
// messages to the parent window (ready, height; theme in).
(() => {
  'use strict';
  const body = document.getElementById('sw-body');
  const statusEl = document.getElementById('sw-status');
  const cfg = document.body.dataset;
  const name = cfg.name;
  const interval = Math.max(50, Number(cfg.interval) || 1000);
  const token = new URLSearchParams(location.search).get('token');
  let version = Number(cfg.version) || 0;
  let boot = null; // boot id of the server whose state is shown
  let ready = false;
  let removed = false;
  let downSince = 0;

  const query = (extra) => {
    const p = new URLSearchParams(extra);
    if (token !== null) p.set('token', token);
    const s = p.toString();
    return s ? '?' + s : '';
  };
  const toParent = (msg) => {
    if (window.parent !== window) window.parent.postMessage(Object.assign({ type: 'syft-widget', name }, msg), '*');
  };

  // Morph: position by position, same kind of node -> update in place, so
  // nodes whose rendering did not change stay (scroll, selection, focus).
  const sameKind = (a, b) => a.nodeType === b.nodeType && a.nodeName === b.nodeName && a.namespaceURI === b.namespaceURI;
  const morphNode = (a, b) => {
    if (a.nodeType !== 1) {
      if (a.nodeValue !== b.nodeValue) a.nodeValue = b.nodeValue;
      return;
    }
    if (a.isEqualNode(b)) return;
    for (const at of Array.from(a.attributes)) if (!b.hasAttribute(at.name)) a.removeAttribute(at.name);
    for (const at of Array.from(b.attributes)) if (a.getAttribute(at.name) !== at.value) a.setAttribute(at.name, at.value);
    morphChildren(a, b);
  };
  const morphChildren = (a, b) => {
    const cur = Array.from(a.childNodes);
    const next = Array.from(b.childNodes);
    next.forEach((n, i) => {
      const c = cur[i];
      if (!c) a.appendChild(n);
      else if (sameKind(c, n)) morphNode(c, n);
      else a.replaceChild(n, c);
    });
    for (let i = next.length; i < cur.length; i++) a.removeChild(cur[i]);
  };

  // Patches: an update that says only what changed since the version this
  // page shows (render.PatchOp): per data-field element, its attributes and
  // its children, where [from, count] keeps a run of the current children
  // (moved if need be) and a string is a new child. Kept nodes stay, so an
  // insertion at the top of a list adds one node and moves none. Returns
  // false when the page does not have what the patch expects.
  const patchBody = (ops) => {
    const els = body.querySelectorAll('[data-field]');
    for (const op of ops) {
      const el = els[op.i];
      if (!el || el.getAttribute('data-field') !== op.field) return false;
    }
    const plans = ops.map((op) => {
      const el = els[op.i];
      const old = Array.from(el.childNodes);
      const next = [];
      for (const part of op.list) {
        if (typeof part === 'string') {
          const t = document.createElement('template');
          t.innerHTML = part;
          next.push(...t.content.childNodes);
        } else {
          for (let j = part[0]; j < part[0] + part[1]; j++) {
            if (!old[j]) return null;
            next.push(old[j]);
          }
        }
      }
      return { el, op, old, next };
    });
    if (plans.includes(null)) return false;
    for (const { el, op, old, next } of plans) {
      const want = new Map(op.attrs);
      for (const at of Array.from(el.attributes)) if (!want.has(at.name)) el.removeAttribute(at.name);
      for (const [k, val] of want) if (el.getAttribute(k) !== val) el.setAttribute(k, val);
      const keep = new Set(next);
      for (const n of old) if (!keep.has(n)) el.removeChild(n);
      let ref = el.firstChild;
      for (const n of next) {
        if (n === ref) ref = ref.nextSibling;
        else el.insertBefore(n, ref);
      }
    }
    return true;
  };
  // catchUp fetches the whole current state once: for a patch this page
  // cannot apply (it missed a version, or joined a shared stream late).
  let catching = false;
  const catchUp = async () => {
    if (catching) return;
    catching = true;
    try {
      const r = await fetch('data' + query({ html: '1' }), { cache: 'no-store' });
      if (r.status === 200) {
        const p = await r.json();
        accept(p.boot || null, Object.assign({ name }, p), true);
      }
    } catch (e) {
      /* the stream or the polling will bring the next state */
    }
    catching = false;
  };

  // accept applies a payload when it is newer than what is shown, or comes
  // from another server boot (a restarted server: take its snapshot).
  const accept = (b, p, polled) => {
    if (!p || (p.name !== undefined && p.name !== name)) return;
    const v = Number(p.version);
    const rebooted = b && b !== boot;
    let take;
    if (b && b !== boot) {
      take = true;
      boot = b;
    } else {
      take = polled ? v !== version : v > version;
    }
    if (take && typeof p.html === 'string') {
      const t = document.createElement('template');
      t.innerHTML = p.html;
      morphChildren(body, t.content);
      version = v;
    } else if (take && Array.isArray(p.patch)) {
      if (!rebooted && Number(p.base) === version && patchBody(p.patch)) version = v;
      else catchUp();
    }
    // The pager (tables.js) fetches its pages again for the new version.
    if (take) body.dispatchEvent(new Event('sw-update'));
    if (removed) {
      removed = false;
      setStatus('live');
    }
    shown();
  };
  const shown = () => {
    if (ready) return;
    ready = true;
    toParent({ kind: 'ready', version });
  };

  // Status line.
  const hhmmss = (t) => new Date(t).toTimeString().slice(0, 8);
  let told = '';
  const setStatus = (state) => {
    let text = state;
    if (removed) state = 'removed';
    if (state === 'removed') text = 'removed from server';
    else if (state === 'polling') text = 'live · polling';
    else if (state === 'down') {
      if (!downSince) downSince = Date.now();
      state = Date.now() - downSince < 10000 ? 'reconnecting' : 'offline';
      text = state === 'reconnecting' ? 'reconnecting…' : 'offline since ' + hhmmss(downSince);
    }
    if (state === 'live' || state === 'polling') downSince = 0;
    statusEl.textContent = text;
    statusEl.className = 'sw-' + state;
    // The embedder moves a page that lost its server to where it went.
    if (state !== told) toParent({ kind: 'status', state: (told = state) });
  };

  // Polling of this page's own data, while a stream delivers nothing.
  let polling = false, pollTimer = 0, pollGen = 0, etag = null;
  const pollOnce = async (gen) => {
    if (!polling || gen !== pollGen) return; // a stop (and restart) since
    try {
      const headers = etag ? { 'If-None-Match': etag } : {};
      const r = await fetch('data' + query({ html: '1' }), { headers, cache: 'no-store' });
      if (r.status === 200) {
        etag = r.headers.get('ETag');
        const p = await r.json();
        accept(p.boot || null, Object.assign({ name }, p), true);
        setStatus('polling');
      } else if (r.status === 304) {
        setStatus('polling');
      } else if (r.status === 404) {
        removed = true;
        setStatus('removed');
      } else {
        setStatus('down');
      }
    } catch (e) {
      setStatus('down');
    }
    if (polling && gen === pollGen) pollTimer = setTimeout(pollOnce, interval, gen);
  };
  const startPolling = () => {
    if (polling) return;
    polling = true;
    pollOnce(++pollGen);
  };
  const stopPolling = () => {
    polling = false;
    clearTimeout(pollTimer);
  };

  // A transport state, from our own stream or from the leader's.
  const onState = (state) => {
    if (state === 'polling') return startPolling();
    stopPolling();
    setStatus(state);
    if (state === 'live') shown();
  };

  // stream keeps one EventSource on url open: jittered exponential backoff
  // after errors; when a connection delivers no event in a few seconds (a
  // buffering proxy) it reports 'polling' and tries the stream again later.
  // It returns a function that ends it (a leader that steps down).
  const stream = (url, onPayload, onRemoved, report) => {
    let attempt = 0, stopped = false, current = null, retry = 0;
    const connect = () => {
      if (stopped) return;
      const es = current = new EventSource(url);
      let got = false;
      const watchdog = setTimeout(() => {
        if (got || stopped) return;
        es.close();
        report('polling');
        retry = setTimeout(connect, 30000);
      }, 5000);
      const alive = () => {
        if (!got) report('live');
        got = true;
        attempt = 0;
        clearTimeout(watchdog);
      };
      es.onmessage = (ev) => {
        alive();
        let p;
        try { p = JSON.parse(ev.data); } catch (e) { return; }
        const id = ev.lastEventId || '';
        const dash = id.lastIndexOf('-');
        onPayload(dash > 0 ? id.slice(0, dash) : null, p);
      };
      es.addEventListener('removed', (ev) => {
        alive();
        try { onRemoved(JSON.parse(ev.data).name); } catch (e) { /* not ours to read */ }
      });
      es.onerror = () => {
        es.close();
        clearTimeout(watchdog);
        report('down');
        const d = Math.min(30000, 500 * 2 ** attempt++);
        retry = setTimeout(connect, d / 2 + Math.random() * d / 2);
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      if (current) current.close();
    };
  };

  const removedHere = (n) => {
    if (n !== name) return;
    removed = true;
    setStatus('removed');
  };

  // Own stream: the fallback when this browser cannot share one.
  const ownStream = () => stream('events' + query(), (b, p) => accept(b, p, false), removedHere, onState);

  // elect calls lead in one page of those that share key, where Web Locks
  // are missing (they exist only in secure contexts: a plain-HTTP hub has
  // none). The role is a lease kept in IndexedDB, which every context has:
  // one readwrite transaction reads and writes it, and the browser runs such
  // transactions one at a time, so two pages never both take it, however
  // late their timers run or their messages arrive, and however many start
  // together. The leader opens its stream only once its transaction has
  // committed, and renews the lease every second for a few seconds ahead; a
  // page that finds it expired (its holder gone, or frozen for seconds)
  // takes it over. That is the one moment two streams may be open: the late
  // holder's next renewal finds the lease taken and closes its own (calling
  // what lead returned). A leader whose page goes closes its stream, gives
  // the lease back and says "bye", so that another takes over at once.
  const elect = (key, lead) => {
    const ch = new BroadcastChannel(key + ' leader');
    const words = crypto.getRandomValues(new Uint32Array(4));
    const me = Array.from(words, (w) => w.toString(36)).join('.');
    const lease = 5000;
    let db = null, busy = false, stepDown = null;
    const step = () => {
      if (stepDown) stepDown();
      stepDown = null;
    };
    const tick = () => {
      if (!db || busy) return;
      busy = true;
      let mine = false;
      let tx;
      try { tx = db.transaction('leases', 'readwrite'); } catch (e) { busy = false; step(); return; }
      const leases = tx.objectStore('leases');
      leases.get(key).onsuccess = (e) => {
        const l = e.target.result, now = Date.now();
        mine = !l || l.id === me || l.until < now;
        if (mine) leases.put({ id: me, until: now + lease }, key);
      };
      tx.oncomplete = () => {
        busy = false;
        if (!mine) step();
        else if (!stepDown) stepDown = lead();
      };
      // A lease this page cannot confirm is not its to use.
      tx.onabort = () => {
        busy = false;
        step();
      };
    };
    const req = indexedDB.open('syft-widget', 1);
    req.onupgradeneeded = () => req.result.createObjectStore('leases');
    req.onsuccess = () => {
      db = req.result;
      db.onversionchange = () => db.close();
      tick();
      setInterval(tick, 1000);
    };
    // Refused storage: this page keeps a stream of its own.
    req.onerror = () => { stepDown = lead(); };
    ch.onmessage = (e) => { if ((e.data || {}).k === 'bye') tick(); };
    addEventListener('pagehide', () => {
      if (!stepDown || !db) return;
      step();
      const tx = db.transaction('leases', 'readwrite');
      const leases = tx.objectStore('leases');
      leases.get(key).onsuccess = (e) => { if ((e.target.result || {}).id === me) leases.delete(key); };
      // The others' transactions queue behind this one.
      ch.postMessage({ k: 'bye' });
    });
    addEventListener('pageshow', (e) => { if (e.persisted) tick(); });
  };

  // Shared stream: one page (the holder of the lock, or the elected leader)
  // listens to ../../events for all widgets of the server and relays to the
  // others over a BroadcastChannel.
  const shared = () => {
    if (typeof BroadcastChannel !== 'function') return false;
    const root = new URL('../../', location.href);
    let h = 2166136261; // FNV-1a of the token: the lock name does not carry it
    for (const c of token || '') h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
    const key = 'syft-widget ' + root.origin + root.pathname + ' ' + h.toString(16);
    let ch;
    try { ch = new BroadcastChannel(key); } catch (e) { return false; }
    let leader = false, state = null;
    const last = new Map(); // widget name -> last payload, for late joiners
    ch.onmessage = (e) => {
      const m = e.data || {};
      if (leader) {
        if (m.k === 'hello') {
          for (const [b, p] of last.values()) ch.postMessage({ k: 'payload', b, p });
          if (state) ch.postMessage({ k: 'state', state });
        }
        return;
      }
      if (m.k === 'payload') accept(m.b, m.p, false);
      else if (m.k === 'removed') removedHere(m.name);
      else if (m.k === 'state') onState(m.state);
    };
    const lead = () => {
      leader = true;
      const stop = stream('../../events' + query(), (b, p) => {
        if (p && p.name !== undefined) last.set(p.name, [b, p]);
        ch.postMessage({ k: 'payload', b, p });
        accept(b, p, false);
      }, (n) => {
        last.delete(n);
        ch.postMessage({ k: 'removed', name: n });
        removedHere(n);
      }, (s) => {
        state = s;
        ch.postMessage({ k: 'state', state: s });
        onState(s);
      });
      return () => {
        stop();
        leader = false;
      };
    };
    if (navigator.locks) {
      try {
        // Hold the lock while this page lives.
        navigator.locks.request(key, () => { lead(); return new Promise(() => {}); }).catch(() => { if (!leader) ownStream(); });
      } catch (e) {
        return false;
      }
    } else {
      elect(key, lead);
    }
    ch.postMessage({ k: 'hello' });
    return true;
  };

  // Parent window: height for height:auto, theme hints in.
  const root = document.documentElement;
  // The embedder sizes the iframe to the content: a scrollbar would only
  // flicker (and, taking width, change the height it answers to).
  if (window.parent !== window && cfg.height === 'auto') root.classList.add('sw-auto');
  let lastH = -1;
  const height = () => {
    const h = Math.ceil(root.getBoundingClientRect().height);
    if (h !== lastH) {
      lastH = h;
      toParent({ kind: 'height', height: h });
    }
  };
  if (window.ResizeObserver) new ResizeObserver(height).observe(root);
  height();
  window.addEventListener('message', (e) => {
    const d = e.data;
    if (e.source !== window.parent || !d || d.type !== 'syft-widget-theme') return;
    if (d.theme === 'dark' || d.theme === 'light') root.dataset.theme = d.theme;
  });

  // The embedder asks, for the page of another server of this home that
  // lost it, where that server runs now: only this page may reach this
  // server. The answer holds ports, never a token.
  window.addEventListener('message', async (e) => {
    const d = e.data;
    if (e.source !== window.parent || !d || d.type !== 'syft-widget-where') return;
    const answer = { kind: 'where', id: d.id };
    try {
      const r = await fetch(['..', '..', 'servers', encodeURIComponent(d.server), 'where'].join('/') + query(),
        { method: 'POST', body: JSON.stringify({ token: String(d.token) }), cache: 'no-store' });
      if (r.ok) {
        const a = await r.json();
        answer.port = a.port;
        answer.here = a.here;
      }
    } catch (err) { /* no answer: the embedder asks again later */ }
    toParent(answer);
  });

  let sharedOK = false;
  try { sharedOK = shared(); } catch (e) { sharedOK = false; }
  if (!sharedOK) ownStream();
})();
