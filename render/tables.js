// syft-widget tables: every table.sw-table of the live page sorts by a
// click on a column header (again: the other way), and one filter box
// (shown when a table has more than a few rows) hides the rows that do not
// contain what is typed. The page's updates rewrite #sw-body to the
// server's order; the sort and the filter are applied again after each one,
// before the browser paints. A list longer than the body holds (marked
// data-sw-rows by the server) is paged instead: see the pager below.
(() => {
  'use strict';
  const body = document.getElementById('sw-body');
  if (!body) return;
  const sorts = new Map(); // table key -> {col, desc}
  let filter = '';
  const key = (t, i) => i + ':' + Array.from(t.tHead ? t.tHead.rows[0].cells : []).map((c) => c.textContent.trim()).join('|');
  const tables = () => Array.from(body.querySelectorAll('table.sw-table'));
  const headerRow = (t) => (t.tHead && t.tHead.rows[0]) || null;
  const dataRows = (t) => Array.from(t.tBodies).flatMap((tb) => Array.from(tb.rows)).filter((r) => !r.classList.contains('sw-more'));
  // A cell's sort value: a number when it reads as one (1,234 / 12.5% / 3 ms), else its text.
  const value = (cell) => {
    const s = cell ? cell.textContent.trim() : '';
    const n = parseFloat(s.replace(/,/g, ''));
    return isNaN(n) || !/^-?[\d,]*\.?\d/.test(s) ? s.toLowerCase() : n;
  };
  const compare = (a, b) => {
    if (typeof a === typeof b) return a < b ? -1 : a > b ? 1 : 0;
    return typeof a === 'number' ? -1 : 1; // numbers before text
  };

  // Pager: a table or list marked data-sw-rows holds only the first
  // data-sw-page of its data-sw-total rows. A click on its last row (the
  // server's "… and N more") turns it into prev/next buttons and "rows a–b
  // of N"; its sort
  // and the filter box ask the server (rows/{path}), which sorts and
  // filters every row. A view that is not the body's own (another page, a
  // sort, a filter) is fetched again after each update of the page, and
  // shown as last fetched until the answer comes, so an update never
  // flashes the first page.
  const pager = (() => {
    const token = new URLSearchParams(location.search).get('token');
    const views = new Map(); // path -> view
    const fmt = (n) => Number(n).toLocaleString('en-US');
    const view = (el) => {
      const path = el.getAttribute('data-sw-rows');
      let v = views.get(path);
      if (!v) views.set(path, (v = { path, offset: 0, sort: '', desc: false, q: '', got: null, seq: 0, open: false }));
      v.size = Number(el.getAttribute('data-sw-page')) || 200;
      v.each = el.getAttribute('data-sw-kind') === 'each';
      v.total = Number(el.getAttribute('data-sw-total')) || 0;
      return v;
    };
    const own = (v) => v.offset === 0 && v.sort === '' && v.q === '';
    const load = async (v) => {
      const seq = ++v.seq;
      const p = new URLSearchParams({ offset: String(v.offset), limit: String(v.size) });
      if (v.sort) p.set('sort', v.sort);
      if (v.desc) p.set('desc', '1');
      if (v.q) p.set('q', v.q);
      if (v.each) p.set('each', '1');
      if (token !== null) p.set('token', token);
      let got;
      try {
        const r = await fetch('rows/' + encodeURIComponent(v.path) + '?' + p, { cache: 'no-store' });
        if (!r.ok) return;
        got = await r.json();
      } catch (e) {
        return; // the next update asks again
      }
      if (seq !== v.seq) return; // a newer ask went out
      if (got.matched > 0 && v.offset >= got.matched) {
        // Rows went away under this page: show the last one there is.
        v.offset = Math.floor((got.matched - 1) / v.size) * v.size;
        load(v);
        return;
      }
      got.seq = seq;
      v.got = got;
      apply();
    };
    // The element that holds the rows, and its "… and N more" item.
    const holder = (el) => (el.tagName === 'TABLE' ? el.tBodies[0] : el);
    const moreOf = (h) => Array.from(h.children).find((c) => c.classList.contains('sw-more')) || null;
    // The rows are the elements right before "… and N more": as many as
    // the server drew (a data-each's parent may hold other elements before
    // them), or as were last put there (counted on the "more" element,
    // which an update of the body resets).
    const itemsOf = (h, more, v) => {
      const before = [];
      for (let c = more.previousElementSibling; c; c = c.previousElementSibling) before.unshift(c);
      const n = more.hasAttribute('data-sw-shown') ? Number(more.getAttribute('data-sw-shown')) : Math.min(v.total, v.size);
      return before.slice(Math.max(0, before.length - n));
    };
    const install = (el, v) => {
      const h = holder(el);
      const more = h && moreOf(h);
      if (!more) return; // the body holds every row
      let items = itemsOf(h, more, v);
      if (v.got && more.getAttribute('data-sw-got') !== String(v.got.seq)) {
        const t = document.createElement('template');
        t.innerHTML = v.got.html;
        items.forEach((c) => h.removeChild(c));
        items = Array.from(t.content.children);
        h.insertBefore(t.content, more);
        more.setAttribute('data-sw-shown', String(items.length));
        more.setAttribute('data-sw-got', String(v.got.seq));
      }
      // Until the user opens it (a click on "… and N more", a sort, the
      // filter), the list stays exactly the server's render.
      if (!v.open) return;
      const matched = v.got ? v.got.matched : v.total;
      const shown = items.length;
      const from = matched === 0 ? 0 : v.offset + 1;
      const to = v.offset + shown;
      let text = matched === 0 ? 'no rows match' : 'rows ' + fmt(from) + '–' + fmt(to) + ' of ' + fmt(matched);
      if (v.q && matched !== v.total) text += ' matching (' + fmt(v.total) + ' in all)';
      const cell = more.tagName === 'TR' ? more.cells[0] : more;
      if (!cell) return;
      const prevOK = v.offset > 0, nextOK = v.offset + v.size < matched;
      const sig = text + '|' + prevOK + '|' + nextOK;
      if (cell.getAttribute('data-sw-pager') === sig) return;
      cell.setAttribute('data-sw-pager', sig);
      cell.textContent = '';
      const button = (go, label, ok) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'sw-page';
        b.dataset.go = go;
        b.textContent = label;
        b.disabled = !ok;
        return b;
      };
      const span = document.createElement('span');
      span.className = 'sw-page-at';
      span.textContent = text;
      cell.append(button('prev', '‹ prev', prevOK), ' ', span, ' ', button('next', 'next ›', nextOK));
    };
    // A list is paged where the body holds only its first rows: it ends in
    // "… and N more" (a data-each list is drawn whole where the manifest
    // sets no limit).
    const paged = (el) => {
      const h = holder(el);
      return !!(h && moreOf(h));
    };
    return {
      paged,
      lists: () => Array.from(body.querySelectorAll('[data-sw-rows]')).filter(paged),
      // apply shows each paged list's view; updated says the server's
      // render just replaced the body (its rows are the first page again).
      apply(updated, text) {
        for (const el of this.lists()) {
          const v = view(el);
          if (v.q !== text) {
            v.q = text;
            v.open = true;
            v.offset = 0;
            // The rows shown are the body's own only if nothing was fetched.
            if (!own(v) || v.got) load(v);
          } else if (updated) {
            // The body's own first page needs nothing, unless rows put
            // there earlier are still in place (an update that left them).
            const more = holder(el) && moreOf(holder(el));
            if (own(v) && !(more && more.hasAttribute('data-sw-got'))) v.got = null;
            else load(v);
          }
          install(el, v);
        }
      },
      open(el) {
        const v = view(el);
        if (v.open) return false;
        v.open = true;
        return true;
      },
      sortBy(el, col, desc) {
        const v = view(el);
        v.open = true;
        v.sort = col;
        v.desc = desc;
        load(v);
      },
      go(el, dir) {
        const v = view(el);
        const matched = v.got ? v.got.matched : v.total;
        const next = Math.max(0, v.offset + dir * v.size);
        if (next === v.offset || next >= matched) return;
        v.offset = next;
        load(v); // the first page too: the body's own rows are gone from the page
      },
    };
  })();

  // pagedIn is the paged list of a table: itself, or a tbody of its rows.
  const pagedIn = (t) => {
    const el = t.hasAttribute('data-sw-rows') ? t : t.querySelector(':scope > tbody[data-sw-rows]');
    return el && pager.paged(el) ? el : null;
  };

  let observer = null;
  const apply = (updated) => {
    if (observer) observer.disconnect();
    pager.apply(updated === true, filter);
    let many = false;
    tables().forEach((t, i) => {
      const head = headerRow(t);
      const rows = dataRows(t);
      if (rows.length > 5) many = true;
      // Only a sorted column is marked: until the user sorts, the DOM is
      // exactly the server's render.
      if (head) {
        const s = sorts.get(key(t, i));
        Array.from(head.cells).forEach((th, c) => {
          const dir = s && s.col === c ? (s.desc ? 'descending' : 'ascending') : null;
          if (dir && th.getAttribute('aria-sort') !== dir) th.setAttribute('aria-sort', dir);
          else if (!dir && th.hasAttribute('aria-sort')) th.removeAttribute('aria-sort');
        });
      }
      if (pagedIn(t)) return; // the server sorts and filters it
      const s = sorts.get(key(t, i));
      if (s && rows.length > 1) {
        const sorted = rows.slice().sort((a, b) => {
          const r = compare(value(a.cells[s.col]), value(b.cells[s.col]));
          return s.desc ? -r : r;
        });
        if (sorted.some((r, k) => r !== rows[k])) {
          const parent = rows[0].parentNode;
          const more = parent.querySelector('tr.sw-more');
          sorted.forEach((r) => parent.insertBefore(r, more));
        }
      }
      const f = filter.toLowerCase();
      rows.forEach((r) => {
        const hide = f !== '' && !r.textContent.toLowerCase().includes(f);
        if (r.hidden !== hide) r.hidden = hide;
      });
    });
    if (pager.lists().length > 0) many = true;
    box.hidden = !many && filter === '';
    if (observer) observer.observe(body, { childList: true, subtree: true, characterData: true, attributes: true });
  };

  // The filter box lives outside #sw-body: updates never touch it.
  const box = document.createElement('input');
  box.type = 'search';
  box.id = 'sw-filter';
  box.placeholder = 'filter rows';
  box.setAttribute('aria-label', 'filter the rows of the tables');
  box.hidden = true;
  body.parentNode.insertBefore(box, body);
  box.addEventListener('input', () => { filter = box.value.trim(); apply(); });

  body.addEventListener('click', (e) => {
    const b = e.target.closest && e.target.closest('button.sw-page');
    const list = b && b.closest('[data-sw-rows]');
    if (list) {
      pager.go(list, b.dataset.go === 'next' ? 1 : -1);
      return;
    }
    // "… and N more" of a paged list opens its pager.
    const more = e.target.closest && e.target.closest('.sw-more');
    const owner = more && more.closest('[data-sw-rows]');
    if (owner && pager.paged(owner) && pager.open(owner)) {
      apply();
      return;
    }
    const th = e.target.closest && e.target.closest('th');
    const t = th && th.closest('table.sw-table');
    if (!t || !headerRow(t) || th.parentNode !== headerRow(t)) return;
    const i = tables().indexOf(t);
    const k = key(t, i);
    const c = Array.from(th.parentNode.cells).indexOf(th);
    const s = sorts.get(k);
    const desc = s && s.col === c ? !s.desc : false;
    sorts.set(k, { col: c, desc });
    // A paged table sorts on the server, by the column's key: the header's
    // data-sort, else its text.
    const paged = pagedIn(t);
    if (paged) pager.sortBy(paged, th.dataset.sort || th.textContent.trim(), desc);
    apply();
  });

  // An update of the page (live.js says so) may change any row of a paged
  // list, shown or not: its page is fetched again. Changes of the body
  // itself only need the view put back (before the browser paints).
  body.addEventListener('sw-update', () => apply(true));
  observer = new MutationObserver(() => apply());
  apply();
})();
