/**
 * Collapsible JSON: objects and arrays are <details> whose children are built only when opened, so a
 * state_history holding 1,000 branch results costs nothing until someone looks.
 */
import { h } from './dom.js';

function scalar(value: unknown): HTMLElement {
  const kind = value === null ? 'null' : typeof value;
  return h('span', { class: `json-${kind}` }, JSON.stringify(value) ?? 'undefined');
}

function summary(value: object): string {
  return Array.isArray(value) ? `Array(${value.length})` : `{${Object.keys(value).length} keys}`;
}

function node(key: string | null, value: unknown, open: boolean): HTMLElement {
  const label = key === null ? null : h('span', { class: 'json-key' }, `${key}: `);
  if (value === null || typeof value !== 'object') return h('div', { class: 'json-row' }, label, scalar(value));
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  const details = h('details', { class: 'json-node' }, h('summary', {}, label, h('span', { class: 'muted' }, summary(value))));
  let built = false;
  const build = (): void => {
    if (built || !details.open) return;
    built = true;
    const body = h('div', { class: 'json-children' });
    for (const [k, v] of entries) body.appendChild(node(k, v, false));
    details.appendChild(body);
  };
  details.addEventListener('toggle', build);
  if (open) {
    details.open = true;
    build();
  }
  return details;
}

/** A titled, collapsible JSON block; `open` expands the first level. */
export function jsonBlock(title: string, value: unknown, open = false): HTMLElement {
  return h(
    'details',
    { class: 'json-block', 'data-json': title, open },
    h('summary', {}, title),
    value === undefined ? h('p', { class: 'muted' }, 'none') : node(null, value, true),
  );
}
