// Images: repositories of each mirrored registry and the hosted one, their tags (stale ones marked), a hosted
// repository's pushes, a manifest or index with its platforms, config, layers and sizes, and its referrers
// (signatures, SBOMs).
import { api, bytes, frame, h, qs, replace, showError, table, when } from './ferry.js';
import { pager } from './pager.js';

await frame('images');
const root = document.getElementById('page');
const params = new URLSearchParams(location.search);

const query = h('input', { id: 'q', type: 'search', value: params.get('q') || '', placeholder: 'library/', size: 30 });
const form = h('form', { class: 'row', role: 'search' }, h('label', { for: 'q' }, 'Repository name contains'), query,
  h('button', { type: 'submit', id: 'search' }, 'Search'));
const error = h('div');
const repos = h('section', { 'aria-labelledby': 'repos-title' }, h('h2', { id: 'repos-title' }, 'Repositories'));
const tags = h('section', { 'aria-live': 'polite' });
const manifest = h('section', { 'aria-live': 'polite' });
replace(root, form, error, repos, tags, manifest);

const link = (text, onclick, cls) => h('a', { href: '#', class: cls || 'mono', onclick: (e) => { e.preventDefault(); onclick(); } }, text);

const list = pager('Repositories', (after) => api('/oci/repositories' + qs({ q: query.value.trim(), after, limit: 50 })),
  (page) => [h('p', { class: 'muted' }, 'Registries: ' + (page.registries.join(', ') || 'none configured')),
    table('Repositories ferry holds content of', ['Registry', 'Repository'],
      page.repositories.map((r) => [r.registry, link(r.name, () => openRepo(r.registry, r.name))]))]);
repos.append(list.el);
form.addEventListener('submit', (e) => { e.preventDefault(); list.reload().catch((err) => showError(error, err)); });

function openRepo(registry, repository) {
  history.replaceState(null, '', qs({ q: query.value.trim(), registry, repository }));
  const p = pager('Tags', (after) => api('/oci/tags' + qs({ registry, repository, after, limit: 100 })),
    (page) => table('Tags as last resolved; stale ones are past their TTL', ['Tag', 'Digest', '#Size', 'Resolved',
      'Source', 'State'], page.tags.map((t) => [
      link(t.tag, () => openManifest(registry, repository, t.digest, t.tag)), h('span', { class: 'mono' }, t.digest),
      bytes(t.size), when(t.resolved), t.source,
      t.stale ? h('span', { class: 'badge warn' }, 'stale') : h('span', { class: 'badge ok' }, 'fresh')])));
  replace(tags, h('h2', { id: 'tags-title', tabindex: '-1' }, registry + ' / ' + repository), p.el);
  replace(manifest);
  p.reload().then(() => document.getElementById('tags-title').focus()).catch((err) => showError(tags, err));
  if (registry === 'hosted') {
    // Pushes and deletes of a hosted repository's manifests are in the audit log, with who sent them.
    const pushes = pager('Pushes', (after) => api('/audit' + qs({ action: '/v2/' + repository + '/manifests/', after,
      limit: 20 })), (page) => table('Pushes and deletes, newest first', ['Time', 'Who', 'From', 'Request', 'Digest or tag',
      'Result'], page.entries.map((e) => [when(e.time), h('span', { class: 'mono' }, e.who), e.from,
      h('span', { class: 'mono' }, e.action), h('span', { class: 'mono' }, e.target), e.result])));
    tags.append(h('h3', { id: 'pushes-title' }, 'Pushes'), pushes.el);
    pushes.reload().catch((err) => showError(tags, err));
  }
}

async function openManifest(registry, repository, digest, label) {
  history.replaceState(null, '', qs({ q: query.value.trim(), registry, repository, digest }));
  try {
    const m = await api('/oci/manifest' + qs({ registry, repository, digest }));
    const item = (d) => [d.digest, d.mediaType, d.size, d.stored];
    const parts = [h('h2', { id: 'manifest-title', tabindex: '-1' }, (label ? label + ' · ' : '') + 'manifest'),
      h('p', {}, h('span', { class: 'mono' }, m.digest), ' ', h('span', { class: 'muted' }, m.mediaType + ', '
        + bytes(m.size) + (m.layers.length ? ', ' + bytes(m.totalBytes) + ' with what is stored' : '')))];
    if (m.manifests.length) {
      parts.push(h('h3', {}, 'Platforms'), table('The index\'s manifests by platform', ['Platform', 'Digest', '#Size',
        'Stored'], m.manifests.map((d) => [d.platform || d.artifactType || '–',
        link(d.digest, () => openManifest(registry, repository, d.digest, d.platform)), bytes(d.size),
        d.stored ? 'yes' : 'no'])));
    }
    if (m.config) {
      parts.push(h('h3', {}, 'Config'), table('The image config', ['Digest', 'Media type', '#Size', 'Stored'],
        [item(m.config).map((c, i) => (i === 2 ? bytes(c) : i === 3 ? (c ? 'yes' : 'no') : c))]));
    }
    if (m.layers.length) {
      parts.push(h('h3', { id: 'layers-title' }, 'Layers'), table('Layers in order, bottom first', ['#', 'Digest',
        'Media type', '#Size', 'Stored'], m.layers.map((d, i) => [String(i + 1), h('span', { class: 'mono layer' },
        d.digest), d.mediaType, bytes(d.size), d.stored ? 'yes' : 'no'])));
    }
    parts.push(h('h3', {}, 'Referrers'), table('Signatures, SBOMs and other artifacts whose subject this is',
      ['Artifact type', 'Digest', '#Size'], m.referrers.map((d) => [d.artifactType || d.mediaType,
        h('span', { class: 'mono' }, d.digest), bytes(d.size)])));
    replace(manifest, ...parts);
    document.getElementById('manifest-title').focus();
  } catch (err) {
    showError(manifest, err);
  }
}

list.reload().catch((err) => showError(error, err));
if (params.get('registry') && params.get('repository')) {
  openRepo(params.get('registry'), params.get('repository'));
  if (params.get('digest')) openManifest(params.get('registry'), params.get('repository'), params.get('digest'));
}
