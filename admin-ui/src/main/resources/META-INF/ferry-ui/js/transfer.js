// Offline transfer: start exports (what, to which directory on the server, for which site, since which bundle,
// volume size) and imports (directories, trusted keys); each job's progress live; the export history per site.
import { api, bytes, every, frame, h, replace, showError, table, when } from './ferry.js';

await frame('transfer');
const root = document.getElementById('page');

const field = (id, label, attrs = {}) => {
  const input = h(attrs.tag || 'input', { id, name: id, ...attrs, tag: null });
  return [h('label', { for: id }, label), input];
};
const [toLabel, to] = field('export-to', 'Directory on the server', { required: true, placeholder: '/media/usb' });
const [siteLabel, site] = field('export-site', 'Site', { placeholder: 'plant-7' });
const [formatLabel, format] = field('export-format', 'Format', { tag: 'select' });
format.append(h('option', { value: 'bundle' }, 'bundle (signed)'), h('option', { value: 'goproxy' }, 'goproxy tree'),
  h('option', { value: 'oci-layout' }, 'OCI layout'));
const [sinceLabel, since] = field('export-since', 'Since bundle', { placeholder: 'bundle id, for a delta' });
const [volumeLabel, volume] = field('export-volume', 'Volume size', { placeholder: '4GiB' });
const [modulesLabel, modules] = field('export-modules', 'Modules (one per line; empty: everything)',
  { tag: 'textarea', spellcheck: 'false' });
const [imagesLabel, images] = field('export-images', 'Images (one per line)', { tag: 'textarea', spellcheck: 'false' });
const exportMessage = h('p', { role: 'status' });
const exportForm = h('form', { id: 'export-form' },
  h('div', { class: 'row' }, h('div', {}, toLabel, to), h('div', {}, siteLabel, site), h('div', {}, formatLabel, format),
    h('div', {}, sinceLabel, since), h('div', {}, volumeLabel, volume)),
  h('div', { class: 'grid' }, h('div', {}, modulesLabel, modules), h('div', {}, imagesLabel, images)),
  h('p', {}, h('button', { type: 'submit', id: 'start-export' }, 'Start export')), exportMessage);

const [fromLabel, from] = field('import-from', 'Bundle directories on the server (one per line)',
  { tag: 'textarea', spellcheck: 'false' });
const [trustLabel, trust] = field('import-trust', 'Also trust these verifier keys (one per line)',
  { tag: 'textarea', spellcheck: 'false' });
const importMessage = h('p', { role: 'status' });
const importForm = h('form', { id: 'import-form' }, h('div', { class: 'grid' }, h('div', {}, fromLabel, from),
  h('div', {}, trustLabel, trust)), h('p', {}, h('button', { type: 'submit', id: 'start-import' }, 'Start import')),
importMessage);

const jobsBody = h('div');
const historyBody = h('div');
const keyBody = h('div');
replace(root,
  h('section', { class: 'card', 'aria-labelledby': 'key-title' }, h('h2', { id: 'key-title' }, 'This site\'s verifier key'),
    keyBody),
  h('section', { class: 'card change', 'aria-labelledby': 'export-title' }, h('h2', { id: 'export-title' }, 'Export'), exportForm),
  h('section', { 'aria-labelledby': 'jobs-title' }, h('h2', { id: 'jobs-title' }, 'Jobs'), jobsBody),
  h('section', { 'aria-labelledby': 'history-title' }, h('h2', { id: 'history-title' }, 'Export history by site'), historyBody),
  h('section', { class: 'card change', 'aria-labelledby': 'import-title' }, h('h2', { id: 'import-title' }, 'Import'), importForm));

const lines = (t) => t.value.split('\n').map((l) => l.trim()).filter(Boolean);

exportForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  exportMessage.textContent = '';
  const b = { to: to.value.trim(), format: format.value };
  if (site.value.trim()) b.site = site.value.trim();
  if (since.value.trim()) b.since = since.value.trim();
  if (volume.value.trim()) b.maxVolumeSize = volume.value.trim();
  if (lines(modules).length) b.modules = lines(modules);
  if (lines(images).length) b.images = lines(images);
  try {
    const j = await api('/exports', { method: 'POST', body: b });
    exportMessage.textContent = 'Export ' + j.id + ' started';
    refresh();
  } catch (err) {
    showError(exportMessage, err);
  }
});

importForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  importMessage.textContent = '';
  try {
    const j = await api('/imports', { method: 'POST', body: { from: lines(from), trust: lines(trust) } });
    importMessage.textContent = 'Import ' + j.id + ' started';
    refresh();
  } catch (err) {
    showError(importMessage, err);
  }
});

function jobRow(j) {
  const cls = j.state === 'SUCCEEDED' ? 'ok' : j.state === 'RUNNING' ? 'warn' : 'bad';
  return [j.kind, h('span', { class: 'mono' }, j.bundleId || j.id), h('span', { class: 'badge ' + cls }, j.state),
    j.phase, j.bytesTotal > 0 ? h('progress', { max: j.bytesTotal, value: Math.max(0, j.bytesDone),
      'aria-label': j.kind + ' ' + j.id + ' progress' }) : bytes(j.bytesDone),
    bytes(j.bytesDone) + (j.bytesTotal > 0 ? ' / ' + bytes(j.bytesTotal) : ''), j.error || '', when(j.started),
    j.state === 'RUNNING' ? h('button', { type: 'button', class: 'plain change', onclick: async () => {
      try { await api('/' + j.kind + 's/' + encodeURIComponent(j.id), { method: 'DELETE' }); refresh(); } catch (err) {
        showError(jobsBody, err);
      }
    } }, 'Cancel ' + j.kind) : ''];
}

let running = false;
async function refresh() {
  try {
    const [exports, imports, history] = await Promise.all([api('/exports'), api('/imports'), api('/bundles')]);
    const jobs = [...exports.jobs, ...imports.jobs].sort((a, b) => (a.started < b.started ? 1 : -1));
    running = jobs.some((j) => j.state === 'RUNNING');
    replace(jobsBody, table('Exports and imports, newest first', ['Kind', 'Bundle', 'State', 'Phase', 'Progress',
      '#Bytes', 'Error', 'Started', 'Action'], jobs.map(jobRow)));
    const bySite = new Map();
    for (const b of history.bundles) {
      const key = b.site || '(no site)';
      if (!bySite.has(key)) bySite.set(key, []);
      bySite.get(key).push(b);
    }
    replace(historyBody, bySite.size === 0 ? h('p', { class: 'muted' }, 'No bundle exported yet.')
      : [...bySite.entries()].map(([s, list]) => h('div', {}, h('h3', {}, s),
        table('Bundles exported for ' + s + ', oldest first', ['Bundle', 'Built on', 'Created', '#Objects', '#Bytes',
          'Directory', 'Base for --since'], list.map((b) => [h('span', { class: 'mono bundle' }, b.id), b.base
          || (b.inventory ? 'inventory' : 'full'), when(b.created), String(b.objects), bytes(b.bytes),
          h('span', { class: 'mono' }, b.directory), b.sinceAvailable ? 'yes' : 'no (record not kept)'])))));
  } catch (err) {
    showError(jobsBody, err);
  }
}

async function loadKey() {
  const k = await api('/signing-key');
  if (!k.verifier) {
    replace(keyBody, h('p', {}, 'No bundle signing key yet: ', h('code', {}, 'ferry keys generate'),
      ' makes one. Plain-format exports work without.'));
    return;
  }
  const field = h('input', { id: 'verifier', readonly: true, value: k.verifier, size: 60, class: 'mono' });
  const status = h('span', { role: 'status' });
  replace(keyBody, h('p', { class: 'muted' }, 'Sites that import this site\'s bundles add it to their trusted keys.'),
    h('div', { class: 'row' }, h('label', { for: 'verifier' }, 'Verifier key'), field,
      h('button', { type: 'button', class: 'plain', onclick: async () => {
        field.select();
        try { await navigator.clipboard.writeText(k.verifier); status.textContent = 'Copied.'; } catch {
          status.textContent = 'Selected: copy it with Ctrl+C.';
        }
      } }, 'Copy'), status));
}
loadKey().catch((err) => showError(keyBody, err));

// Each second while something runs, else every ten.
let ticks = 0;
every(1000, async () => {
  if (running || ticks++ % 10 === 0) await refresh();
});
