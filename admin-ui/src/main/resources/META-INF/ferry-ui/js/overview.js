// Overview: the store against its quota, hit ratio, traffic per minute (uPlot charts from /admin/api/metrics/recent),
// upstream health, running jobs and the last refusals. Refreshed every 10 seconds.
import uPlot from '../lib/uplot/uPlot.esm.js';
import { api, bytes, every, frame, h, pct, replace, showError, table, when } from './ferry.js';

await frame('overview');
const root = document.getElementById('page');
const charts = new Map();

function chart(id, title, label, series, format) {
  const box = h('div', { class: 'card' }, h('h2', { id: id + '-title' }, title),
    h('div', { class: 'chart', id, role: 'img', 'aria-labelledby': id + '-title' }));
  return { box, id, label, series, format };
}

function draw(spec, xs, ys) {
  const el = document.getElementById(spec.id);
  const width = Math.max(260, el.clientWidth);
  const data = [xs, ...ys];
  let plot = charts.get(spec.id);
  if (plot && plot.width !== width) { plot.destroy(); plot = null; }
  if (!plot) {
    plot = new uPlot({
      width, height: 170, legend: { show: true },
      scales: { x: { time: true } },
      axes: [{}, { values: (u, vals) => vals.map(spec.format), size: 70 }],
      series: [{ label: 'time' }, ...spec.series.map((s) => ({ label: s[0], stroke: s[1], width: 2,
        value: (u, v) => (v === null ? '–' : spec.format(v)) }))],
    }, data, el);
    charts.set(spec.id, plot);
  } else {
    plot.setData(data);
  }
}

const storeChart = chart('chart-store', 'Store size (trend)', 'bytes', [['stored', '#0b5cad']], bytes);
const reqChart = chart('chart-requests', 'Requests per minute', 'requests',
  [['requests', '#0b5cad'], ['hits', '#1a6b2f'], ['misses', '#b42318']], (v) => String(Math.round(v)));
const bytesChart = chart('chart-bytes', 'Bytes served per minute', 'bytes', [['bytes', '#6a3d9a']], bytes);

const summary = h('div', { class: 'grid' });
const upstreams = h('section', { 'aria-labelledby': 'up-title' }, h('h2', { id: 'up-title' }, 'Upstreams'));
const jobs = h('section', { 'aria-labelledby': 'jobs-title' }, h('h2', { id: 'jobs-title' }, 'Running jobs'));
const refusals = h('section', { 'aria-labelledby': 'ref-title' }, h('h2', { id: 'ref-title' }, 'Last refusals'));
const upBody = h('div');
const jobsBody = h('div');
const refBody = h('div');
upstreams.append(upBody);
jobs.append(jobsBody);
refusals.append(refBody);
replace(root, summary, h('div', { class: 'grid' }, storeChart.box, reqChart.box, bytesChart.box),
  upstreams, jobs, refusals);

async function refresh() {
  try {
    const [storage, recent, health, prewarm, exports, imports, refused] = await Promise.all([
      api('/storage'), api('/metrics/recent'), api('/upstreams'), api('/prewarm'), api('/exports'),
      api('/imports'), api('/refusals')]);
    renderSummary(storage);
    const xs = recent.minutes.map((m) => Date.parse(m.at) / 1000);
    draw(storeChart, xs, [recent.minutes.map((m) => m.storeBytes)]);
    draw(reqChart, xs, [recent.minutes.map((m) => m.requests), recent.minutes.map((m) => m.hits),
      recent.minutes.map((m) => m.misses)]);
    draw(bytesChart, xs, [recent.minutes.map((m) => m.bytes)]);
    renderUpstreams(health);
    renderJobs(prewarm.jobs, exports.jobs, imports.jobs);
    replace(refBody, table('Content refused from upstreams since start, newest first',
      ['When', 'Upstream', 'What', 'Why'],
      refused.refusals.map((r) => [when(r.at), h('span', { class: 'mono' }, r.upstream),
        h('span', { class: 'mono' }, r.subject), r.reason])));
  } catch (e) {
    showError(summary, e);
  }
}

function renderSummary(s) {
  const quota = s.quotaBytes
    ? [h('meter', { min: 0, max: 1, low: 0.8, high: 0.9, optimum: 0.5, value: s.quotaUsed, 'aria-label': 'quota used' }),
      h('p', {}, bytes(s.sizeBytes) + ' of ' + bytes(s.quotaBytes) + ' quota (' + pct(s.quotaUsed) + ')')]
    : [h('p', { class: 'muted' }, 'no quota set')];
  replace(summary,
    h('div', { class: 'card', id: 'store-card' }, h('h2', {}, 'Store'), h('p', { class: 'big' }, bytes(s.sizeBytes)),
      ...quota, h('p', { class: 'muted' }, s.objects + ' objects, ' + bytes(s.diskBytes) + ' on disk, '
        + bytes(s.pinned.bytes) + ' pinned, ' + s.evicted.objects + ' evicted')),
    h('div', { class: 'card' }, h('h2', {}, 'Hit ratio'), h('p', { class: 'big' }, pct(s.cache.hitRatio)),
      h('p', { class: 'muted' }, s.cache.hits + ' hits, ' + s.cache.stale + ' stale, ' + s.cache.misses
        + ' misses since start')));
}

function renderUpstreams(health) {
  const rows = [];
  for (const [pool, p] of Object.entries(health.pools)) {
    for (const u of p.upstreams) {
      const state = u.quarantine ? 'quarantined' : u.breaker;
      const cls = state === 'closed' ? 'ok' : state === 'half_open' ? 'warn' : 'bad';
      const failed = Object.values(u.failures || {}).reduce((a, b) => a + b, 0);
      rows.push([pool, h('span', { class: 'mono' }, u.url || u.name), h('span', { class: 'badge ' + cls }, state),
        u.attempts ? pct(failed / u.attempts) : '–',
        u.speed && u.speed.firstByteMillis !== null ? Math.round(u.speed.firstByteMillis) + ' ms' : '–',
        String(u.attempts), when(u.lastSuccess)]);
    }
  }
  replace(upBody, table('Every upstream by pool: breaker state, share of failed requests, time to first byte',
    ['Pool', 'Upstream', 'Breaker', '#Error rate', '#Latency', '#Requests', 'Last success'], rows));
}

function renderJobs(prewarms, exports, imports) {
  const rows = [];
  for (const j of prewarms.filter((x) => x.finished === null)) {
    rows.push(['prewarm', j.description, j.state, h('progress', { max: Math.max(1, j.total), value: j.done,
      'aria-label': 'prewarm ' + j.description }), j.done + ' / ' + j.total]);
  }
  for (const j of [...exports, ...imports].filter((x) => x.state === 'RUNNING')) {
    rows.push([j.kind, j.bundleId || j.directory || j.id, j.phase, h('progress', {
      max: Math.max(1, j.bytesTotal), value: Math.max(0, j.bytesDone), 'aria-label': j.kind + ' ' + j.id }),
    bytes(j.bytesDone) + ' / ' + bytes(j.bytesTotal)]);
  }
  replace(jobsBody, table('Prewarm, export and import jobs still running', ['Kind', 'What', 'State', 'Progress',
    '#Done'], rows));
}

every(10000, refresh);
