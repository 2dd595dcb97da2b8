// syft-widget tables: every table.sw-table of the live page sorts by a
// click on a column header (again: the other way), and one filter box
// (shown when a table has more than a few rows) hides the rows that do not
// contain what is typed. The page's updates rewrite #sw-body to the
// server's order; the sort and the filter are applied again after each one,
// before the browser paints.
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

  let observer = null;
  const apply = () => {
    if (observer) observer.disconnect();
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
    const th = e.target.closest && e.target.closest('th');
    const t = th && th.closest('table.sw-table');
    if (!t || !headerRow(t) || th.parentNode !== headerRow(t)) return;
    const i = tables().indexOf(t);
    const k = key(t, i);
    const c = Array.from(th.parentNode.cells).indexOf(th);
    const s = sorts.get(k);
    sorts.set(k, { col: c, desc: s && s.col === c ? !s.desc : false });
    apply();
  });

  observer = new MutationObserver(apply);
  apply();
})();
