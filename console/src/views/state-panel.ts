/** The definition of one state: its YAML as written, and every expression in it. */
import { h } from '../dom.js';
import type { StateDetail } from '../types.js';

/** The state's YAML without the indentation it has inside `states:`. */
function dedent(text: string): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join('\n');
}

export function statePanel(detail: StateDetail | undefined, name: string): HTMLElement {
  if (!detail) {
    return h('section', { class: 'state-panel', 'data-state-panel': name }, h('h3', {}, name), h('p', { class: 'muted' }, 'No definition available for this state.'));
  }
  return h(
    'section',
    { class: 'state-panel', 'data-state-panel': name },
    h('h3', {}, detail.name, ' ', h('span', { class: `type type-${detail.type}` }, detail.type)),
    h('p', { class: 'muted' }, `line ${detail.line}, column ${detail.column}`),
    h('h4', {}, 'Definition'),
    h('pre', { class: 'yaml' }, dedent(detail.yaml)),
    h('h4', {}, `Expressions (${detail.expressions.length})`),
    detail.expressions.length === 0
      ? h('p', { class: 'muted' }, 'This state has no expressions.')
      : h(
          'ul',
          { class: 'expressions' },
          detail.expressions.map((e) => h('li', {}, h('span', { class: 'expr-path' }, e.path), h('code', {}, e.source))),
        ),
  );
}
