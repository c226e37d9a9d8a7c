import { h } from '../dom.js';

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `status status-${status}`, 'data-status': status }, status.replace(/_/g, ' '));
}
