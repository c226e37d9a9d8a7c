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

function entriesOf(value: object): (readonly [string, unknown])[] {
  return Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
}

/** Builds the children of `details` the first time it is opened (now, if it is open already). */
function lazyChildren(details: HTMLDetailsElement, value: object): void {
  let built = false;
  const build = (): void => {
    if (built || !details.open) return;
    built = true;
    const body = h('div', { class: 'json-children' });
    for (const [k, v] of entriesOf(value)) body.appendChild(node(k, v));
    details.appendChild(body);
  };
  details.addEventListener('toggle', build);
  build();
}

function node(key: string, value: unknown): HTMLElement {
  const label = h('span', { class: 'json-key' }, `${key}: `);
  if (value === null || typeof value !== 'object') return h('div', { class: 'json-row' }, label, scalar(value));
  const details = h('details', { class: 'json-node' }, h('summary', {}, label, h('span', { class: 'muted' }, summary(value))));
  lazyChildren(details, value);
  return details;
}

/** A titled, collapsible JSON block; `open` shows its first level. */
export function jsonBlock(title: string, value: unknown, open = false): HTMLElement {
  const isTree = value !== null && typeof value === 'object';
  const details = h(
    'details',
    { class: 'json-block', 'data-json': title },
    h('summary', {}, title, isTree ? h('span', { class: 'muted small' }, ` ${summary(value)}`) : null),
  );
  details.open = open;
  if (value === undefined) details.appendChild(h('p', { class: 'muted' }, 'none'));
  else if (isTree) lazyChildren(details, value);
  else details.appendChild(h('div', { class: 'json-row' }, scalar(value)));
  return details;
}
