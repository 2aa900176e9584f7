// Audit: the audit log, newest first, filtered on the server by time, action, result and who; paged.
import { api, frame, h, qs, replace, showError, table, when } from './ferry.js';
import { pager } from './pager.js';

await frame('audit');
const root = document.getElementById('page');

const input = (id, label, attrs) => [h('label', { for: id }, label), h('input', { id, name: id, ...attrs })];
const [sinceL, since] = input('since', 'Since (UTC)', { type: 'datetime-local' });
const [untilL, until] = input('until', 'Until (UTC)', { type: 'datetime-local' });
const [actionL, action] = input('action', 'Action contains', { placeholder: 'POST /admin/api/prewarm' });
const [whoL, who] = input('who', 'Who contains', { placeholder: 'token:' });
const result = h('select', { id: 'result', name: 'result' }, h('option', { value: '' }, 'any'),
  h('option', { value: 'ok' }, 'ok'), h('option', { value: 'refused' }, 'refused'), h('option', { value: 'failed' }, 'failed'));
const form = h('form', { class: 'row', role: 'search' }, h('div', {}, sinceL, since), h('div', {}, untilL, until),
  h('div', {}, actionL, action), h('div', {}, h('label', { for: 'result' }, 'Result'), result), h('div', {}, whoL, who),
  h('button', { type: 'submit', id: 'filter' }, 'Filter'));
const error = h('div');
const iso = (v) => (v ? new Date(v + 'Z').toISOString() : '');

const list = pager('Audit', (after) => api('/audit' + qs({ since: iso(since.value), until: iso(until.value),
  action: action.value.trim(), result: result.value, who: who.value.trim(), after, limit: 50 })),
(page) => table('Audited admin actions, newest first', ['Time', 'Who', 'From', 'Action', 'Target', '#Status',
  'Result'], page.entries.map((e) => [when(e.time), h('span', { class: 'mono' }, e.who), e.from,
  h('span', { class: 'mono' }, e.action), e.target, h('span', { class: e.status < 400 ? 'ok' : 'bad' }, String(e.status)),
  e.result])));

replace(root, form, error, list.el);
form.addEventListener('submit', (e) => { e.preventDefault(); list.reload().catch((err) => showError(error, err)); });
list.reload().catch((err) => showError(error, err));
