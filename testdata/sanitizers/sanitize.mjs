// Runs HTML fragments through the notebook front ends' own sanitizers, as
// they treat untrusted output: JupyterLab's Sanitizer (@jupyterlab/apputils,
// installed here by `npm ci`) and classic Notebook's security.sanitize_html
// (from Debian's python3-notebook). Reads a JSON array of fragments on
// stdin; writes a JSON array of {"jupyterlab": ..., "classic": ...}.
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { Sanitizer } from '@jupyterlab/apputils/lib/sanitizer.js';

const classicDir = process.env.CLASSIC_NOTEBOOK_STATIC || '/usr/lib/python3/dist-packages/notebook/static/';

// Classic Notebook's files are AMD modules: give them a define() that
// hands each its dependencies.
const loadClassic = () => {
  const modules = {};
  let last;
  const define = (deps, factory) => {
    if (typeof deps === 'function') [factory, deps] = [deps, []];
    last = factory(...deps.map((d) => modules[d] || {}));
  };
  define.amd = true;
  const ctx = vm.createContext({ define, console, setTimeout, clearTimeout });
  vm.runInContext(readFileSync(classicDir + 'components/sanitizer/index.js', 'utf8'), ctx);
  modules['components/sanitizer/index'] = last;
  vm.runInContext(readFileSync(classicDir + 'base/js/security.js', 'utf8'), ctx);
  return last;
};

const lab = new Sanitizer();
const classic = loadClassic();
const input = JSON.parse(readFileSync(0, 'utf8'));
// outputarea.js sanitizes untrusted text/html with sanitize_html_and_parse(html): no allow_css.
const out = input.map((html) => ({ jupyterlab: lab.sanitize(html), classic: classic.sanitize_html(html) }));
process.stdout.write(JSON.stringify(out));
