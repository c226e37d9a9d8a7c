/**
 * A job's timeline: each entry into a state in order, with how long the job stayed (a loop shows each
 * pass), and the raw history behind it.
 */
import { h, replace } from '../dom.js';
import { formatDuration, formatTime } from '../format.js';
import { stateSpans } from '../overlay.js';
import type { HistoryEventView, JobView } from '../types.js';

export class Timeline {
  readonly element = h('section', { class: 'timeline', 'data-timeline': 'true' });
  private readonly spans = h('div', { class: 'spans-box' });
  private readonly events = h('details', { class: 'events' }, h('summary', {}, 'All events'));
  private readonly eventsBody = h('div');
  private history: readonly HistoryEventView[] = [];

  constructor(private readonly onSelect: (state: string) => void) {
    this.events.append(this.eventsBody);
    this.events.addEventListener('toggle', () => this.renderEvents(this.history));
    this.element.append(this.spans, this.events);
  }

  render(job: JobView, history: readonly HistoryEventView[], now: number): void {
    const spans = stateSpans(job, history, now);
    const total = Math.max(1, spans.reduce((n, s) => n + s.durationMs, 0));
    replace(
      this.spans,
      spans.length === 0
        ? h('p', { class: 'muted' }, 'No state entered yet.')
        : h(
            'ol',
            { class: 'spans' },
            spans.map((s) =>
              h(
                'li',
                { class: s.open ? 'open' : '', 'data-span': s.state },
                h('button', { type: 'button', class: 'link', onclick: () => this.onSelect(s.state) }, s.state),
                h('span', { class: 'bar-track' }, h('span', { class: 'bar', style: `width:${Math.max(0.5, (s.durationMs / total) * 100)}%` })),
                h('span', { class: 'duration' }, formatDuration(s.durationMs), s.open ? ' (so far)' : ''),
                h('span', { class: 'muted small', title: formatTime(s.startedAt) }, `at +${formatDuration(Date.parse(s.startedAt) - Date.parse(job.created_at))}`),
              ),
            ),
          ),
    );
  }

  /** The raw event list is built only while it is open (a fan-out job has thousands of events). */
  renderEvents(history: readonly HistoryEventView[]): void {
    this.history = history;
    (this.events.firstElementChild as HTMLElement).textContent = `All ${history.length} events`;
    if (!this.events.open) return;
    replace(
      this.eventsBody,
      h(
        'table',
        { class: 'list small' },
        history.map((e) => {
          const { event_id: _id, job_id: _job, timestamp, event_type, state, ...rest } = e;
          return h('tr', {}, h('td', {}, formatTime(timestamp)), h('td', {}, event_type), h('td', {}, state ?? ''), h('td', {}, h('code', {}, Object.keys(rest).length ? JSON.stringify(rest) : '')));
        }),
      ),
    );
  }
}
