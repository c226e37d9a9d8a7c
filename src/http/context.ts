/** What the auth middleware leaves on `ctx.state` for the handlers. */
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
  /** The route pattern that matched, for metrics and logs (never the raw URL with ids). */
  route?: string;
}

export type AppContext = Context & { state: AppState };
export type Middleware = (ctx: AppContext, next: Next) => Promise<void>;
