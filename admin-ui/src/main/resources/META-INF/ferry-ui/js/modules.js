// Go modules: search stored modules by path prefix or glob (server-side, paged), a module's versions with sizes,
// h1 hashes, what they were checked against, pins and last use; each file downloadable from ferry's GOPROXY path.
import { api, bytes, frame, h, qs, replace, showError, table, when } from './ferry.js';
import { pager } from './pager.js';

await frame('modules');
const root = document.getElementById('page');
const params = new URLSearchParams(location.search);

const query = h('input', { id: 'q', name: 'q', type: 'search', value: params.get('q') || '',
  placeholder: 'golang.org/x/ or github.com/*/toml', size: 40 });
const form = h('form', { class: 'row', role: 'search' },
  h('label', { for: 'q' }, 'Module path prefix or glob'), query,
  h('button', { type: 'submit', id: 'search' }, 'Search'));
const results = h('section', { 'aria-labelledby': 'results-title' }, h('h2', { id: 'results-title' }, 'Modules'));
const detail = h('section', { 'aria-live': 'polite' });
const error = h('div');
replace(root, form, error, results, detail);

const list = pager('Modules', (after) => api('/go/modules' + qs({ q: query.value.trim(), after, limit: 50 })),
  (page) => table('Stored modules matching ' + (page.query || 'anything') + ', in path order',
    ['Module', '#Versions', 'Kind'],
    page.modules.map((m) => [h('a', { href: '?' + new URLSearchParams({ q: query.value.trim(), module: m.path }),
      class: 'mono', onclick: (e) => { e.preventDefault(); open(m.path); } }, m.path), String(m.versions),
    m.privateModule ? 'private' : 'public'])));
results.append(list.el);

form.addEventListener('submit', (e) => {
  e.preventDefault();
  history.replaceState(null, '', qs({ q: query.value.trim() }) || location.pathname);
  list.reload().catch((err) => showError(error, err));
});

function open(module) {
  history.replaceState(null, '', qs({ q: query.value.trim(), module }));
  const versions = pager('Versions', (after) => api('/go/versions' + qs({ module, after, limit: 50 })),
    (page) => table('Stored versions of ' + page.module, ['Version', 'Checked by', '#Size', 'Files', 'Pins', 'Stored',
      'Last used'], page.versions.map((v) => [
      h('span', { class: 'mono' }, v.version), v.checkedBy,
      bytes(v.bytes),
      h('ul', {}, v.files.map((f) => h('li', {}, h('a', { href: f.url, download: true }, '.' + f.ext),
        ' ' + bytes(f.size), f.h1 ? h('div', { class: 'mono muted' }, f.h1) : null))),
      v.pins.length ? h('ul', {}, v.pins.map((p) => h('li', { class: 'mono' }, p))) : 'none',
      when(v.stored) + (v.upstream ? ' from ' + v.upstream : ''), when(v.lastUsed)])));
  replace(detail, h('h2', { id: 'module-title', tabindex: '-1' }, module), versions.el);
  versions.reload().then(() => document.getElementById('module-title').focus())
    .catch((err) => showError(detail, err));
}

list.reload().catch((err) => showError(error, err));
if (params.get('module')) open(params.get('module'));
