/** What the auth and body middleware leave on `ctx.state` for the handlers. */
import type { Context, Next } from 'koa';

export interface ClientIdentity {
  /** The client id that owns the jobs it creates: `default` for CLIENT_TOKEN, else the client's name. */
  readonly id: string;
}

export interface WorkerIdentity {
  /** True for GLOBAL_WORKER_TOKEN: any worker id. An individual token only fits its pattern. */
  readonly global: boolean;
  readonly mayActAs: (workerId: string) => boolean;
}

export interface AppState {
  client?: ClientIdentity;
  worker?: WorkerIdentity;
  /** The parsed JSON body; undefined when the request had none (see body.ts). */
  body?: unknown;
}

export type AppContext = Context & { state: AppState };

/** The template of the route that handled the request (set by @koa/router), never the raw URL with ids. */
export function routeTemplate(ctx: Context): string {
  const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  return typeof matched === 'string' ? matched : 'unmatched';
}
export type Middleware = (ctx: AppContext, next: Next) => Promise<void>;
