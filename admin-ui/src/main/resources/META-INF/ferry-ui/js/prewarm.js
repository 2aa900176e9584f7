// Prewarm: paste a go.mod, go.sum, module queries or image references, start, watch the job live (polled each
// second while it runs), failures with their reasons. Mirror sets: list, add from YAML, run. Pin sets.
import { api, bytes, every, frame, h, qs, replace, showError, table, when } from './ferry.js';
import { pager } from './pager.js';

await frame('prewarm');
const root = document.getElementById('page');

const kind = h('select', { id: 'kind', name: 'kind' },
  h('option', { value: 'gomod' }, 'go.mod'), h('option', { value: 'gosum' }, 'go.sum'),
  h('option', { value: 'modules' }, 'Module queries (one per line)'),
  h('option', { value: 'images' }, 'Image references (one per line)'),
  h('option', { value: 'mirrorset' }, 'Mirror set YAML (run once)'));
const content = h('textarea', { id: 'content', name: 'content', required: true, spellcheck: 'false' });
const platforms = h('input', { id: 'platforms', name: 'platforms', placeholder: 'linux/amd64,linux/arm64 or all' });
const message = h('p', { role: 'status' });
const form = h('form', { id: 'prewarm-form' },
  h('div', { class: 'row' }, h('label', { for: 'kind' }, 'What to prewarm'), kind,
    h('label', { for: 'platforms' }, 'Platforms (images)'), platforms),
  h('label', { for: 'content' }, 'Content'), content,
  h('p', {}, h('button', { type: 'submit', id: 'start' }, 'Start prewarm')), message);

const jobsBody = h('div');
const jobBody = h('section', { 'aria-live': 'polite', id: 'job' });
const setsBody = h('div');
const pinsBody = h('div');
const setName = h('input', { id: 'set-name', placeholder: 'from the file' });
const setRefresh = h('input', { id: 'set-refresh', placeholder: '6h' });
const setContent = h('textarea', { id: 'set-content', spellcheck: 'false' });
const setMessage = h('p', { role: 'status' });
const setForm = h('form', { id: 'set-form' }, h('div', { class: 'row' }, h('label', { for: 'set-name' }, 'Name'), setName,
  h('label', { for: 'set-refresh' }, 'Refresh every'), setRefresh), h('label', { for: 'set-content' }, 'Mirror set YAML'),
setContent, h('p', {}, h('button', { type: 'submit' }, 'Register mirror set')), setMessage);

replace(root, h('section', { 'aria-labelledby': 'new-title', class: 'card change' }, h('h2', { id: 'new-title' }, 'New prewarm'), form),
  jobBody,
  h('section', { 'aria-labelledby': 'jobs-title' }, h('h2', { id: 'jobs-title' }, 'Jobs'), jobsBody),
  h('section', { 'aria-labelledby': 'sets-title' }, h('h2', { id: 'sets-title' }, 'Mirror sets'), setsBody,
    h('details', { class: 'change' }, h('summary', {}, 'Add a mirror set'), setForm)),
  h('section', { 'aria-labelledby': 'pins-title' }, h('h2', { id: 'pins-title' }, 'Pin sets'), pinsBody));

function body() {
  const text = content.value;
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  switch (kind.value) {
    case 'gomod': return { kind: 'gomod', name: 'go.mod', content: text };
    case 'gosum': return { kind: 'gosum', name: 'go.sum', content: text };
    case 'modules': return { kind: 'modules', items: lines };
    case 'images': return platforms.value.trim()
      ? { kind: 'images', items: lines, platforms: platforms.value.trim() } : { kind: 'images', items: lines };
    default: return { kind: 'mirrorset', name: 'mirror-set.yaml', content: text };
  }
}

let stopWatch = null;
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  message.textContent = '';
  try {
    const job = await api('/prewarm', { method: 'POST', body: body() });
    message.textContent = 'Started ' + job.id;
    watch(job.id);
  } catch (err) {
    message.textContent = '';
    showError(message, err);
  }
});

function watch(id) {
  if (stopWatch) stopWatch();
  stopWatch = every(1000, async () => {
    const j = await api('/prewarm/' + encodeURIComponent(id));
    renderJob(j);
    if (j.finished) { stopWatch(); loadJobs(); loadSets(); loadPins(); }
  });
}

function renderJob(j) {
  const cls = j.state === 'SUCCEEDED' ? 'ok' : j.state === 'FAILED' ? 'bad' : 'warn';
  replace(jobBody, h('h2', {}, 'Job ', h('span', { class: 'mono' }, j.id)),
    h('p', {}, j.description, ' ', h('span', { class: 'badge ' + cls, id: 'job-state' }, j.state), ' ',
      j.finished ? null : h('button', { type: 'button', class: 'plain change', onclick: async () => {
        try { renderJob(await api('/prewarm/' + encodeURIComponent(j.id), { method: 'DELETE' })); } catch (err) {
          showError(message, err);
        }
      } }, 'Cancel job')),
    h('progress', { max: Math.max(1, j.total), value: j.done, 'aria-label': 'items done' }),
    h('p', {}, j.done + ' of ' + j.total + ' items, ' + j.failed + ' failed, ' + j.skipped + ' skipped, '
      + bytes(j.bytes) + ' read; started ' + when(j.started) + (j.finished ? ', ended ' + when(j.finished) : '')),
    j.current.length ? h('p', { class: 'muted' }, 'Now: ' + j.current.join(', ')) : null,
    j.planErrors.length ? table('Lines that could not be planned', ['Where', 'Problem'],
      j.planErrors.map((p) => [p.source + ':' + p.line, p.message])) : null,
    j.failures.length ? table('Items that failed', ['Item', 'Reason'],
      j.failures.map((f) => [h('span', { class: 'mono' }, f.item), f.reason])) : null);
}

async function loadJobs() {
  const { jobs } = await api('/prewarm');
  replace(jobsBody, table('Running and recent prewarm jobs, newest first', ['Job', 'State', '#Items', '#Failed',
    '#Read', 'Started'], jobs.slice().reverse().map((j) => [h('a', { href: '#job', onclick: () => watch(j.id) },
    j.description), j.state, j.done + '/' + j.total, String(j.failed), bytes(j.bytes), when(j.started)])));
}

async function loadSets() {
  const { mirrorSets } = await api('/mirror-sets');
  replace(setsBody, table('Registered mirror sets and their last run', ['Name', 'Refresh', 'Last run', 'Next run', ''],
    mirrorSets.map((s) => [s.name, s.refresh, s.lastRun ? s.lastRun.state + ' ' + s.lastRun.done + '/' + s.lastRun.total
      + (s.lastRun.failed ? ', ' + s.lastRun.failed + ' failed' : '') : 'never', when(s.nextRun),
    h('button', { type: 'button', class: 'plain change', onclick: async () => {
      const j = await api('/mirror-sets/' + encodeURIComponent(s.name) + '/run', { method: 'POST' });
      watch(j.id);
    } }, 'Run ' + s.name + ' now')])));
}

setForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  setMessage.textContent = '';
  const b = { content: setContent.value, fileName: 'mirror-set.yaml' };
  if (setName.value.trim()) b.name = setName.value.trim();
  if (setRefresh.value.trim()) b.refresh = setRefresh.value.trim();
  try {
    const s = await api('/mirror-sets', { method: 'POST', body: b });
    setMessage.textContent = 'Registered ' + s.name;
    loadSets();
  } catch (err) {
    showError(setMessage, err);
  }
});

const pinPrefix = h('input', { id: 'pin-prefix', type: 'search', placeholder: 'prewarm:, mirror-set:, pin:' });
const pinForm = h('form', { class: 'row', role: 'search' }, h('label', { for: 'pin-prefix' }, 'Pin set name starts with'),
  pinPrefix, h('button', { type: 'submit' }, 'Show'));
const pins = pager('Pin sets', (after) => api('/pin-sets' + qs({ prefix: pinPrefix.value.trim(), after, limit: 50 })),
  (page) => table('What is kept from eviction, by pin set', ['Pin set', '#Objects', '#Size'],
    page.pinSets.map((p) => [h('span', { class: 'mono' }, p.name), String(p.objects), bytes(p.bytes)])));
pinsBody.append(pinForm, pins.el);
pinForm.addEventListener('submit', (e) => { e.preventDefault(); pins.reload().catch((err) => showError(pinsBody, err)); });
const loadPins = () => pins.reload();

Promise.all([loadJobs(), loadSets(), loadPins()]).catch((err) => showError(jobsBody, err));
