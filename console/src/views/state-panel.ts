/** The definition of one state: its YAML as written, and every expression in it. */
import { h } from '../dom.js';
import type { StateDetail } from '../types.js';

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
    h('pre', { class: 'yaml' }, detail.yaml),
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
