/** The blueprint list, and one blueprint's graph with its states' definitions and a form to start a job. */
import { ApiError } from '../api.js';
import { h, replace } from '../dom.js';
import { GraphView } from '../graph.js';
import { skeleton } from '../input-skeleton.js';
import { jsonBlock } from '../json-view.js';
import type { BlueprintStates, BlueprintSummary, StateDetail } from '../types.js';
import type { Cleanup, ViewContext } from '../view.js';
import { statePanel } from './state-panel.js';

export async function blueprintListView(ctx: ViewContext): Promise<Cleanup> {
  const list = await ctx.api.blueprints();
  replace(
    ctx.root,
    h('h1', {}, 'Blueprints'),
    list.length === 0
      ? h('p', { class: 'muted' }, 'No blueprints are loaded. Put YAML files in BLUEPRINTS_DIR and restart the server.')
      : h(
          'table',
          { class: 'list', 'data-list': 'blueprints' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Version'), h('th', {}, 'Endpoint'), h('th', {}, 'Description'), h('th', {}, ''))),
          h(
            'tbody',
            {},
            list.map((b) =>
              h(
                'tr',
                { 'data-blueprint': b.name },
                h('td', {}, h('a', { href: `#/blueprints/${encodeURIComponent(b.name)}` }, b.name)),
                h('td', {}, String(b.version)),
                h('td', {}, endpointOf(b) ? h('code', {}, `POST ${endpointOf(b)}`) : h('span', { class: 'muted' }, 'child only')),
                h('td', {}, b.description ?? ''),
                h('td', {}, h('a', { href: `#/jobs?blueprint=${encodeURIComponent(b.name)}` }, 'jobs')),
              ),
            ),
          ),
        ),
  );
  return () => {};
}

/** `/api/v1/jobs/x` for a blueprint that clients may start, else null. */
function endpointOf(b: BlueprintSummary): string | null {
  if (!b.endpoint) return null;
  if (b.endpoint.startsWith('/api/')) return b.endpoint;
  return `/api/${b.api_version ?? 'v1'}/${b.endpoint.replace(/^\/+/, '')}`;
}

/** Per-state definitions; an older server without the states route still shows the graph. */
export async function loadStates(ctx: ViewContext, name: string): Promise<Map<string, StateDetail>> {
  try {
    const reply: BlueprintStates = await ctx.api.states(name);
    return new Map(reply.states.map((s) => [s.name, s]));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return new Map();
    throw error;
  }
}

export async function blueprintView(ctx: ViewContext, name: string): Promise<Cleanup> {
  const [list, svg, states] = await Promise.all([ctx.api.blueprints(), ctx.api.graphSvg(name), loadStates(ctx, name)]);
  const summary = list.find((b) => b.name === name);
  const side = h('aside', { class: 'side' }, h('p', { class: 'muted' }, 'Click a state to see its definition and expressions.'));
  const graph = new GraphView(svg, {
    onStateClick: (state) => {
      graph.select(state);
      replace(side, statePanel(states.get(state), state));
    },
  });
  replace(
    ctx.root,
    h('h1', {}, name, ' ', h('span', { class: 'muted small' }, `version ${summary?.version ?? '?'}`)),
    summary?.description ? h('p', {}, summary.description) : null,
    h('p', {}, h('a', { href: `#/jobs?blueprint=${encodeURIComponent(name)}` }, 'Jobs of this blueprint'), ` · ${states.size || graph.nodes.size} states`),
    summary ? startForm(ctx, summary) : null,
    h('div', { class: 'split' }, graph.element, side),
  );
  graph.fit();
  return () => {};
}

function startForm(ctx: ViewContext, b: BlueprintSummary): HTMLElement | null {
  const endpoint = endpointOf(b);
  if (!endpoint || !b.endpoint) return null;
  const input = h('textarea', { name: 'initial_data', rows: 3, spellcheck: false, 'aria-label': 'initial_data' });
  input.value = JSON.stringify(skeleton(b.input), null, 1).replace(/\n\s*/g, ' ');
  const message = h('span', { class: 'form-message' });
  const form = h(
    'form',
    { class: 'start-job', 'data-form': 'start-job' },
    h('label', {}, 'initial_data (JSON) ', input),
    h('button', { type: 'submit' }, 'Start job'),
    message,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    let data: unknown;
    try {
      data = JSON.parse(input.value || '{}');
    } catch (error) {
      message.textContent = `initial_data is not JSON: ${(error as Error).message}`;
      return;
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      message.textContent = 'initial_data must be a JSON object';
      return;
    }
    message.textContent = 'starting…';
    const version = endpoint.split('/')[2] ?? 'v1';
    const path = endpoint.split('/').slice(3).join('/');
    ctx.api
      .createJob(version, path, data as Record<string, unknown>)
      .then((reply) => ctx.navigate(`#/jobs/${encodeURIComponent(reply.job_id)}`))
      .catch((error: unknown) => {
        message.textContent = error instanceof Error ? error.message : String(error);
      });
  });
  if (b.input && typeof b.input === 'object') {
    return h('div', {}, form, jsonBlock('input schema (initial_data must match it)', b.input));
  }
  return form;
}

