/**
 * `/_public`: no authentication. Status, Prometheus metrics, the approval webhook, the debug flush
 * (404 unless ENABLE_DEBUG_ENDPOINTS). The docs page is docs.ts.
 */
import Router from '@koa/router';
import type { Config } from '../config.js';
import type { Engine } from '../engine/api.js';
import type { Metrics } from '../observability/metrics.js';
import type { AppState } from './context.js';
import { routeNotFound } from './errors.js';
import { pathParam } from './params.js';
import type { BodyValidator } from './schemas.js';

export interface PublicRoutesOptions {
  engine: Engine;
  config: Pick<Config, 'enableDebugEndpoints'>;
  metrics: Metrics;
  validator: BodyValidator;
}

export function publicRoutes({ engine, config, metrics, validator }: PublicRoutesOptions): Router<AppState> {
  const router = new Router<AppState>();

  router.get('/_public/status', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/_public/metrics', async (ctx) => {
    ctx.type = metrics.contentType;
    ctx.body = await metrics.render();
  });

  router.post('/_public/webhooks/approval/:job_id', async (ctx) => {
    const jobId = pathParam(ctx.params, 'job_id');
    const { decision } = validator.check<{ decision: string }>('approval', ctx.state.body);
    await engine.decide(jobId, decision);
    ctx.body = { status: 'approval_received', job_id: jobId };
  });

  router.post('/_public/debug/flush_db', async (ctx) => {
    // Without the flag the endpoint does not exist, rather than existing and refusing.
    if (!config.enableDebugEndpoints) throw routeNotFound(ctx.method, ctx.path);
    await engine.flush();
    ctx.body = { status: 'db_flushed' };
  });

  return router;
}
