// Shared by every page: the session, the admin API, a tiny DOM helper, formatting, the page frame.
// The session cookie is HttpOnly; the CSRF token lives in this module's memory only (never in browser storage).

let session = null;

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

/** Who is signed in; sends the browser to the sign-in page when nobody is. */
export async function signedIn() {
  const r = await fetch('session', { credentials: 'same-origin', cache: 'no-store' });
  if (r.status === 401) {
    toSignIn();
    throw new ApiError(401, 'not signed in');
  }
  session = await r.json();
  return session;
}

function toSignIn() {
  const next = location.pathname + location.search;
  location.assign('signin?next=' + encodeURIComponent(next));
}

/** A call to /admin/api; changes carry the CSRF token. Answers the parsed JSON or throws an ApiError. */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-Ferry-CSRF'] = session ? session.csrf : '';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch('/admin/api' + path, {
    method, headers, credentials: 'same-origin', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (r.status === 401) {
    toSignIn();
    throw new ApiError(401, 'signed out');
  }
  let data = null;
  try { data = await r.json(); } catch { /* not JSON */ }
  if (!r.ok) throw new ApiError(r.status, (data && data.message) || r.statusText);
  return data;
}

/** Query string from an object, leaving out empty values. */
export function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, v);
  const s = p.toString();
  return s ? '?' + s : '';
}

/** h('a', {href: 'x'}, 'text', child...): an element; attributes starting with "on" are listeners. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function bytes(n) {
  if (n === null || n === undefined || n < 0) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(n < 10 ? 2 : 1)) + ' ' + units[i];
}

export function when(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/:\d\dZ$/, 'Z');
}

export function pct(x) {
  return x === null || x === undefined ? '–' : (x * 100).toFixed(1) + ' %';
}

/** A table: headers as strings (a leading '#' right-aligns), rows as arrays of cells (strings or nodes). */
export function table(caption, headers, rows) {
  return h('div', { class: 'scroll' }, h('table', {},
    h('caption', { class: 'muted', text: caption }),
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col', class: t.startsWith('#') ? 'num' : null },
      t.replace(/^#/, ''))))),
    h('tbody', {}, rows.length === 0
      ? h('tr', {}, h('td', { colspan: headers.length, class: 'muted' }, 'none'))
      : rows.map((r) => h('tr', {}, r.map((c, i) => h('td', { class: headers[i].startsWith('#') ? 'num' : null }, c)))))));
}

export function replace(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
}

export function showError(el, err) {
  replace(el, h('p', { class: 'error', role: 'alert' }, err.message || String(err)));
}

const PAGES = [
  ['overview', 'Overview'], ['modules', 'Go modules'], ['images', 'Images'], ['prewarm', 'Prewarm'],
  ['transfer', 'Offline transfer'], ['audit', 'Audit'], ['config', 'Configuration'],
];

/** The frame of a signed-in page: skip link, navigation, who, sign out. */
export async function frame(current) {
  const s = await signedIn();
  const signOut = h('button', { type: 'button', class: 'plain', id: 'sign-out', onclick: async () => {
    await fetch('session', { method: 'DELETE', credentials: 'same-origin', headers: { 'X-Ferry-CSRF': s.csrf } });
    location.assign('signin');
  } }, 'Sign out');
  const header = h('header', { class: 'top' },
    h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
    h('a', { class: 'brand', href: 'overview' }, 'ferry'),
    h('nav', { 'aria-label': 'Pages' }, h('ul', {}, PAGES.map(([p, t]) =>
      h('li', {}, h('a', { href: p, 'aria-current': p === current ? 'page' : null }, t))))),
    h('div', { class: 'who' }, h('span', {}, 'Signed in as ', h('span', { class: 'mono' }, s.who), ' (' + s.role + ')'),
      signOut));
  document.body.prepend(header);
  // A viewer may only read (the server refuses its changes anyway): forms and buttons that change are hidden.
  document.body.dataset.role = s.role;
  return s;
}

/** Calls fn now and every ms while the page is visible; returns a stop function. */
export function every(ms, fn) {
  let timer = null;
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    try { await fn(); } finally { if (!stopped) timer = setTimeout(tick, ms); }
  };
  tick();
  return () => { stopped = true; clearTimeout(timer); };
}
