// Configuration: every setting as ferry was started with it and where its value came from (flag, environment,
// config file line, default); secrets redacted on the server. Filterable by key or source, in the page.
import { api, frame, h, replace, showError, table } from './ferry.js';

await frame('config');
const root = document.getElementById('page');
const filter = h('input', { id: 'filter', type: 'search', placeholder: 'oci., env, default…', size: 30 });
const body = h('div');
replace(root, h('form', { class: 'row', role: 'search', onsubmit: (e) => e.preventDefault() },
  h('label', { for: 'filter' }, 'Show settings whose key, value or source contains'), filter), body);

try {
  const s = await api('/settings');
  const render = () => {
    const f = filter.value.trim().toLowerCase();
    const rows = s.settings.filter((v) => !f || [v.key, v.value || '', v.source].some((x) => x.toLowerCase().includes(f)));
    replace(body,
      s.known ? null : h('p', { class: 'muted' }, 'This ferry was not started by the ferry command: sources unknown.'),
      table('Effective settings; secrets are never shown', ['Setting', 'Value', 'Source', 'Flag', 'Environment'],
        rows.map((v) => [h('span', { class: 'mono' }, v.key),
          v.value === null ? h('span', { class: 'muted' }, 'unset') : h('span', { class: v.secret ? 'muted' : 'mono' }, v.value),
          h('span', { class: v.source === 'default' ? 'muted' : null }, v.source),
          h('span', { class: 'mono' }, v.flag), h('span', { class: 'mono' }, v.env)])));
  };
  filter.addEventListener('input', render);
  render();
} catch (err) {
  showError(body, err);
}
