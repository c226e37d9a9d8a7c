/**
 * The one middleware that turns errors into replies: a SwitchyardError becomes
 * `{ error, code, details }` with its status; anything else is a bug, logged with its stack and
 * answered as a bare 500 that shows nothing of it.
 */
import type { Next } from 'koa';
import { RateLimitedError, SwitchyardError } from '../errors.js';
import { routeTemplate, type AppContext } from './context.js';
import type { HttpLogger } from './logger.js';

export class MethodNotAllowedError extends SwitchyardError {
  constructor(method: string, path: string, readonly allowed: readonly string[]) {
    super('METHOD_NOT_ALLOWED', 405, `${method} is not allowed on ${path}; use ${allowed.join(', ')}`, { allowed });
  }
}

export function routeNotFound(method: string, path: string): SwitchyardError {
  return new SwitchyardError('ROUTE_NOT_FOUND', 404, `no endpoint ${method} ${path}; see /_public/docs for the API`);
}

export function errorMiddleware(logger: HttpLogger) {
  return async function errors(ctx: AppContext, next: Next): Promise<void> {
    try {
      await next();
    } catch (caught) {
      const error = caught instanceof SwitchyardError ? caught : fromKoaError(caught);
      if (error instanceof SwitchyardError) {
        ctx.status = error.status;
        if (error instanceof MethodNotAllowedError) ctx.set('Allow', error.allowed.join(', '));
        if (error instanceof RateLimitedError) ctx.set('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
        if (error.status >= 500) logger.error({ err: error, route: routeTemplate(ctx), method: ctx.method }, 'request failed');
        const message = error.expose ? error.message : 'internal error';
        ctx.body = error.details === undefined || !error.expose ? { error: message, code: error.code } : { error: message, code: error.code, details: error.details };
        return;
      }
      logger.error({ err: caught, route: routeTemplate(ctx), method: ctx.method }, 'unexpected error while handling a request');
      ctx.status = 500;
      ctx.body = { error: 'internal error', code: 'INTERNAL_ERROR' };
    }
  };
}

/**
 * Koa and its helpers throw http-errors (`status`, `expose`) for things like a client that aborted;
 * those 4xx are the caller's problem and are shown as such. Anything else stays unknown.
 */
function fromKoaError(caught: unknown): SwitchyardError | undefined {
  if (typeof caught !== 'object' || caught === null) return undefined;
  const { status, expose, message } = caught as { status?: unknown; expose?: unknown; message?: unknown };
  if (typeof status === 'number' && status >= 400 && status < 500 && expose === true && typeof message === 'string') {
    return new SwitchyardError('BAD_REQUEST', status, message);
  }
  return undefined;
}
