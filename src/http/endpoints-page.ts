/**
 * A plain HTML page listing every endpoint and every blueprint's create endpoint. It is the docs page
 * until the Swagger UI page (src/http/docs.ts) is mounted in its place.
 */
import type { CompiledBlueprint } from '../blueprint/types.js';

export const ENDPOINTS: ReadonlyArray<readonly [method: string, path: string, auth: string, what: string]> = [
  ['GET', '/_public/status', 'none', 'service status'],
  ['GET', '/_public/metrics', 'none', 'Prometheus metrics'],
  ['POST', '/_public/webhooks/approval/{job_id}', 'none', 'decide a waiting approval: {"decision": "..."}'],
  ['POST', '/_public/debug/flush_db', 'none', 'forget everything (only with ENABLE_DEBUG_ENDPOINTS=true)'],
  ['GET', '/_public/docs', 'none', 'this page'],
  ['POST', '/api/{api_version}/{endpoint}', 'X-Client-Token', 'create a job: {"initial_data": {...}, "webhook_url": "..."}'],
  ['GET', '/api/v1/jobs', 'X-Client-Token', 'your jobs, newest first (?status=&blueprint=&q=&limit=&cursor=)'],
  ['GET', '/api/v1/jobs/{job_id}', 'X-Client-Token', 'a job'],
  ['POST', '/api/v1/jobs/{job_id}/cancel', 'X-Client-Token', 'cancel a job'],
  ['GET', '/api/v1/jobs/{job_id}/history', 'X-Client-Token', 'the events of a job'],
  ['GET', '/api/v1/blueprints', 'X-Client-Token', 'the loaded blueprints'],
  ['GET', '/api/v1/blueprints/{blueprint_name}/graph', 'X-Client-Token', 'DOT graph (?job_id= overlay, ?format=svg)'],
  ['GET', '/api/v1/workers', 'X-Client-Token', 'live workers'],
  ['GET', '/api/v1/dashboard', 'X-Client-Token', 'counts of jobs, workers, queues'],
  ['POST', '/_worker/workers/register', 'X-Worker-Token', 'register a worker'],
  ['PATCH', '/_worker/workers/{worker_id}', 'X-Worker-Token', 'heartbeat / update'],
  ['GET', '/_worker/workers/{worker_id}/tasks/next', 'X-Worker-Token', 'long-poll the next task (?timeout= seconds)'],
  ['POST', '/_worker/tasks/result', 'X-Worker-Token', 'post a task result'],
  ['GET', '/_worker/ws/{worker_id}', 'X-Worker-Token', 'WebSocket: cancel_task commands, progress_update events'],
];

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function endpointsPage(blueprints: readonly CompiledBlueprint[]): string {
  const rows = ENDPOINTS.map(
    ([method, path, auth, what]) =>
      `<tr><td><code>${method}</code></td><td><code>${escapeHtml(path)}</code></td><td>${auth}</td><td>${escapeHtml(what)}</td></tr>`,
  ).join('\n');
  const jobs = blueprints
    .filter((blueprint) => blueprint.api !== null)
    .map(
      (blueprint) =>
        `<li><code>POST /api/${escapeHtml(blueprint.api!.version)}${escapeHtml(blueprint.api!.endpoint)}</code>: ${escapeHtml(blueprint.name)} v${blueprint.version}${
          blueprint.description ? ` &mdash; ${escapeHtml(blueprint.description)}` : ''
        }</li>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchyard API</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}td,th{padding:.25rem .75rem;text-align:left;border-bottom:1px solid #ddd}</style>
</head><body>
<h1>Switchyard API</h1>
<table><thead><tr><th>method</th><th>path</th><th>auth</th><th>what</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Blueprints</h2>
<ul>
${jobs || '<li>none loaded</li>'}
</ul>
</body></html>
`;
}
