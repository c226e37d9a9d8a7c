/**
 * `GET /api/v1/blueprints/{name}/graph`: DOT (`text/vnd.graphviz`), or SVG with `?format=svg`.
 * `?job_id=` draws that job's path (only for a job of the caller, and only of this blueprint).
 */
import { blueprintSvg, toDot, toSvg } from '../blueprint/index.js';
import type { GraphOverlay } from '../blueprint/types.js';
import type { Engine } from '../engine/api.js';
import { BadRequestError, NotFoundError } from '../errors.js';
import type { AppContext } from './context.js';
import { pathParam, queryChoice, queryString } from './params.js';

export function graphHandler(engine: Engine, clientId: (ctx: AppContext) => string) {
  return async function graph(ctx: AppContext & { params: Record<string, string> }): Promise<void> {
    const name = pathParam(ctx.params, 'blueprint_name');
    const blueprint = engine.blueprints.get(name);
    if (!blueprint) {
      throw new NotFoundError(`no blueprint "${name}"; GET /api/v1/blueprints lists them`);
    }
    const format = queryChoice(ctx, 'format', ['dot', 'svg'] as const) ?? 'dot';
    const jobId = queryString(ctx, 'job_id');
    if (jobId !== undefined && jobId.length > 200) throw new BadRequestError('query parameter "job_id" is longer than 200 characters', { parameter: 'job_id' });
    let overlay: GraphOverlay | undefined;
    if (jobId) {
      const found = await engine.graphOverlay(jobId, clientId(ctx));
      if (found.blueprint !== name) {
        throw new BadRequestError(`job "${jobId}" runs blueprint "${found.blueprint}", not "${name}"`, { parameter: 'job_id' });
      }
      overlay = found.overlay;
    }
    if (format === 'svg') {
      ctx.type = 'image/svg+xml';
      ctx.body = overlay ? await toSvg(toDot(blueprint, overlay)) : await blueprintSvg(blueprint);
    } else {
      ctx.type = 'text/vnd.graphviz; charset=utf-8';
      ctx.body = toDot(blueprint, overlay);
    }
  };
}
