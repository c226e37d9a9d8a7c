/**
 * One job, live: its graph with the path it took (visited, current, failed and not-yet-reached states,
 * edge counts), its facts and current task, the actions it allows (cancel, each decision), a timeline
 * of its states with durations, and its data as collapsible JSON. Polls the job every 500 ms while it
 * runs, and its history whenever the job changed.
 */
import { ApiError } from '../api.js';
import { h, replace } from '../dom.js';
import { formatDuration, formatTime } from '../format.js';
import { GraphView } from '../graph.js';
import { jsonBlock } from '../json-view.js';
import { deriveOverlay, isTerminal, parallelBranches, stateSpans } from '../overlay.js';
import type { HistoryEventView, StateDetail } from '../types.js';
import { poll } from '../view.js';
import type { Cleanup, ViewContext } from '../view.js';
import { loadStates } from './blueprints.js';
import { branchPanel, countLabel, countsOf } from './branches.js';
import { statePanel } from './state-panel.js';
import { statusBadge } from './status.js';
import { Timeline } from './timeline.js';

/** Under a second, so the page is never more than a second behind the job (a poll plus its answer). */
const POLL_MS = 500;
/** Events past which the history is re-read at most every 2 s while the job stays in one state. */
const LONG_HISTORY = 1000;
const NO_GRAPH = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 40"><text x="10" y="25">This blueprint is no longer loaded, so its graph cannot be drawn.</text></svg>';

export async function jobView(ctx: ViewContext, id: string): Promise<Cleanup> {
  let job = await ctx.api.job(id);
  // A job outlives its blueprint being unloaded: then it is shown without a graph.
  const [svg, states] = await Promise.all([
    ctx.api.graphSvg(job.blueprint_name).catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 404) return NO_GRAPH;
      throw error;
    }),
    loadStates(ctx, job.blueprint_name),
  ]);
  let history: HistoryEventView[] = [];
  let selected: string | null = null;
  let busy = false;

  const header = h('div', { class: 'job-header' });
  const actions = h('div', { class: 'actions' });
  const message = h('div', { class: 'action-message', role: 'status' });
  const facts = h('div', { class: 'facts' });
  const side = h('aside', { class: 'side' });
  const timeline = new Timeline((state) => selectState(state));
  const data = h('section', { class: 'job-data' });
  const graph = new GraphView(svg, {
    onStateClick: (state) => selectState(state),
  });
  // On a big graph the current state is often out of view: follow it unless the user turns this off.
  const follow = h('input', { type: 'checkbox', name: 'follow', checked: true });
  const legend = h(
    'div',
    { class: 'legend' },
    ['visited', 'current', 'failed', 'stopped', 'unreached'].map((k) => h('span', { class: `key key-${k}` }, k === 'unreached' ? 'not reached' : k)),
    h('label', { class: 'follow' }, follow, ' follow the current state'),
  );
  replace(
    ctx.root,
    header,
    actions,
    message,
    facts,
    h('div', { class: 'split' }, h('div', {}, legend, graph.element), side),
    h('h2', {}, 'Timeline'),
    timeline.element,
    h('h2', {}, 'Data'),
    data,
  );
  graph.fit();

  const parallelStates = [...states.values()].filter((s) => s.type === 'parallel').map((s) => s.name);
  const isParallel = (state: string): boolean => parallelStates.includes(state) || (state === job.current_state && job.parallel !== undefined);

  const act = (label: string, run: () => Promise<unknown>): void => {
    if (busy) return;
    busy = true;
    message.textContent = `${label}…`;
    run()
      .then(() => {
        message.textContent = `${label}: done`;
      })
      .catch((error: unknown) => {
        message.textContent = `${label} failed: ${error instanceof Error ? error.message : String(error)}`;
      })
      .finally(() => {
        busy = false;
        void refresh();
      });
  };

  function renderHeader(): void {
    replace(
      header,
      h('h1', {}, 'Job ', h('code', { 'data-job-id': job.id }, job.id), ' ', statusBadge(job.status)),
      h(
        'p',
        {},
        h('a', { href: `#/blueprints/${encodeURIComponent(job.blueprint_name)}` }, job.blueprint_name),
        ` version ${job.blueprint_version}`,
        job.parent_job_id ? [' · child of ', h('a', { href: `#/jobs/${encodeURIComponent(job.parent_job_id)}` }, job.parent_job_id)] : null,
      ),
    );
    const buttons: HTMLElement[] = [];
    if (job.status === 'waiting_for_human' && job.decisions) {
      for (const decision of job.decisions) {
        buttons.push(h('button', { type: 'button', class: 'decision', 'data-decision': decision, onclick: () => act(`Decision "${decision}"`, () => ctx.api.decide(job.id, decision)) }, decision));
      }
    }
    if (!isTerminal(job.status)) {
      buttons.push(h('button', { type: 'button', class: 'danger', 'data-action': 'cancel', onclick: () => act('Cancel', () => ctx.api.cancel(job.id)) }, 'Cancel job'));
    }
    replace(actions, buttons.length ? [job.status === 'waiting_for_human' ? h('span', {}, 'Waiting for a decision: ') : null, ...buttons] : null);
  }

  function renderFacts(now: number): void {
    const task = job.current_task;
    const rows: [string, Node | string][] = [
      ['Current state', job.current_state ?? '—'],
      ['Created', formatTime(job.created_at)],
      ['Updated', formatTime(job.updated_at)],
      ['Finished', formatTime(job.finished_at)],
      ['Running for', formatDuration((job.finished_at ? Date.parse(job.finished_at) : now) - Date.parse(job.created_at))],
    ];
    if (task) {
      // A parallel state has many tasks out; the job view names one of them.
      rows.push([job.parallel ? 'One of its tasks' : 'Current task', h('span', { 'data-current-task': task.task_id }, `${task.type} (${task.task_id})`)]);
      rows.push(['Worker', h('span', { 'data-worker': task.worker_id ?? '' }, task.worker_id ?? 'not taken yet')]);
      rows.push(['Attempt', String(task.attempt)]);
      if (task.deadline) rows.push(['Deadline', formatTime(task.deadline)]);
    }
    if (job.progress) {
      const pct = typeof job.progress.progress === 'number' ? `${Math.round(job.progress.progress * 100)}%` : '';
      rows.push(['Progress', `${pct} ${job.progress.message ?? ''}`.trim()]);
    }
    if (job.parallel) rows.push(['Branches', countLabel(job.parallel.total, job.parallel.by_status)]);
    if (job.error) rows.push(['Error', h('span', { class: 'error-text', 'data-error': job.error.code }, `${job.error.code}: ${job.error.message}${job.error.state ? ` (in ${job.error.state})` : ''}`)]);
    else if (job.error_message) rows.push(['Error', h('span', { class: 'error-text' }, job.error_message)]);
    if (job.child_job_ids.length) {
      rows.push(['Child jobs', h('span', {}, job.child_job_ids.map((c) => h('a', { href: `#/jobs/${encodeURIComponent(c)}` }, c, ' ')))]);
    }
    replace(facts, h('dl', {}, rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
  }

  let followed: string | null = null;
  function renderGraph(): void {
    const overlay = deriveOverlay(job, history);
    graph.applyOverlay(overlay);
    const focus = overlay.current ?? overlay.failed ?? overlay.stopped ?? null;
    if (focus && focus !== followed && follow.checked) graph.reveal(focus);
    followed = focus;
    for (const state of parallelStates) {
      const counts = state === job.current_state && job.parallel ? job.parallel : countsOf(parallelBranches(history, state));
      graph.setBranchCounts(state, counts);
    }
    if (job.parallel && job.current_state && !parallelStates.includes(job.current_state)) {
      graph.setBranchCounts(job.current_state, job.parallel);
    }
  }

  function renderSide(): void {
    if (!selected) {
      replace(side, h('p', { class: 'muted' }, 'Click a state to see its definition, its visits, or the branches of a parallel state.'));
      return;
    }
    const state = selected;
    const visits = stateSpans(job, history, Date.now()).filter((s) => s.state === state);
    const detail: StateDetail | undefined = states.get(state);
    replace(
      side,
      isParallel(state) ? branchPanel(state, parallelBranches(history, state), state === job.current_state ? job.parallel : undefined) : null,
      h(
        'p',
        { 'data-visits': visits.length },
        visits.length === 0 ? 'Not reached by this job.' : `Entered ${visits.length} time${visits.length === 1 ? '' : 's'}, ${formatDuration(visits.reduce((n, s) => n + s.durationMs, 0))} in total.`,
      ),
      statePanel(detail, state),
    );
  }

  function selectState(state: string): void {
    selected = state;
    graph.select(state);
    renderSide();
  }

  const shown = new Map<string, string>();
  const blocks = new Map<string, HTMLElement>();
  function renderData(): void {
    const values: [string, unknown][] = [
      ['initial_data', job.initial_data],
      ['state_history', job.state_history],
      ['result', job.result],
      ['error', job.error ?? (job.error_message ? { message: job.error_message } : undefined)],
    ];
    for (const [title, value] of values) {
      const text = JSON.stringify(value) ?? 'undefined';
      const before = shown.get(title);
      if (before === text) continue;
      shown.set(title, text);
      const old = blocks.get(title);
      // Keep the block as the user left it; one that held nothing yet opens like a new one.
      const open = old && before !== 'undefined' ? (old as HTMLDetailsElement).open : value !== undefined && title !== 'state_history';
      const block = jsonBlock(title, value, open);
      if (old) old.replaceWith(block);
      else data.appendChild(block);
      blocks.set(title, block);
    }
  }

  let historyOf = '';
  let renderedOf = '';
  let lastState: string | null | undefined;
  let lastStatus = '';
  let historyAt = 0;
  /**
   * The job itself is read every poll; its history (thousands of events for a big fan-out) again only
   * when the job changed, and while the job stays in the same state at most every 2 s once the history
   * is long. The graph's current state comes from the job, so it is never held back by this.
   */
  async function refresh(): Promise<boolean> {
    job = await ctx.api.job(id);
    const moved = job.current_state !== lastState || job.status !== lastStatus;
    const due = Date.now() - historyAt >= (history.length > LONG_HISTORY ? 2000 : 0);
    if (moved || (job.updated_at !== historyOf && due)) {
      history = await ctx.api.history(id);
      historyAt = Date.now();
      historyOf = job.updated_at;
      lastState = job.current_state;
      lastStatus = job.status;
      if (selected) renderSide();
      timeline.renderEvents(history);
      renderedOf = '';
    }
    if (job.updated_at !== renderedOf) {
      renderedOf = job.updated_at;
      renderHeader();
      renderGraph();
      renderData();
    }
    const now = Date.now();
    renderFacts(now);
    timeline.render(job, history, now);
    return !isTerminal(job.status);
  }

  renderSide();
  return poll(POLL_MS, refresh, ctx.fail, ctx.recover);
}
