// Paging by cursor: the server answers a page and the cursor of the next; earlier cursors are kept here for Back.
import { h, replace } from './ferry.js';

/** load(after) answers {rows: [...], next}; render(result) draws it; returns {reload, el}. */
export function pager(label, load, render) {
  const stack = [];
  let after = '';
  let next = null;
  const prev = h('button', { type: 'button', class: 'plain', onclick: () => { after = stack.pop() || ''; run(); } },
    'Previous page');
  const more = h('button', { type: 'button', class: 'plain', onclick: () => { stack.push(after); after = next; run(); } },
    'Next page');
  const body = h('div');
  const el = h('div', {}, body, h('nav', { class: 'pager', 'aria-label': label + ' pages' }, prev, more));
  async function run() {
    const result = await load(after);
    next = result.next;
    prev.disabled = stack.length === 0 && !after;
    more.disabled = !next;
    replace(body, render(result));
  }
  return { el, reload: () => { stack.length = 0; after = ''; return run(); } };
}
