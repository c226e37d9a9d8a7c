/**
 * Token checks. Tokens are compared as sha256 hashes with crypto.timingSafeEqual, against every
 * configured credential without stopping at the first match, so timing says nothing about which token
 * is close. A token is never logged, stored in plain text, or returned.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Next } from 'koa';
import { hashToken, type Config } from '../config.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import type { AppContext, ClientIdentity, WorkerIdentity } from './context.js';

function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface Authenticator {
  client(token: string | undefined): ClientIdentity | undefined;
  worker(token: string | undefined): WorkerIdentity | undefined;
}

export function createAuthenticator(config: Pick<Config, 'clients' | 'globalWorkerTokenHash' | 'workers'>): Authenticator {
  return {
    client(token) {
      if (!token) return undefined;
      const presented = hashToken(token);
      let found: ClientIdentity | undefined;
      for (const client of config.clients) {
        if (sameHash(presented, client.tokenHash) && !found) found = { id: client.name };
      }
      return found;
    },
    worker(token) {
      if (!token) return undefined;
      const presented = hashToken(token);
      const global = sameHash(presented, config.globalWorkerTokenHash);
      const patterns = config.workers.filter((worker) => sameHash(presented, worker.tokenHash));
      if (global) return { global: true, mayActAs: () => true };
      if (patterns.length === 0) return undefined;
      return { global: false, mayActAs: (workerId) => patterns.some((worker) => worker.matches(workerId)) };
    },
  };
}

export function requireClient(auth: Authenticator) {
  return async function clientAuth(ctx: AppContext, next: Next): Promise<void> {
    const token = ctx.get('x-client-token');
    if (token === '') throw new UnauthorizedError('missing X-Client-Token header');
    const client = auth.client(token);
    if (!client) throw new UnauthorizedError('invalid X-Client-Token');
    ctx.state.client = client;
    await next();
  };
}

export function requireWorker(auth: Authenticator) {
  return async function workerAuth(ctx: AppContext, next: Next): Promise<void> {
    const token = ctx.get('x-worker-token');
    if (token === '') throw new UnauthorizedError('missing X-Worker-Token header');
    const worker = auth.worker(token);
    if (!worker) throw new UnauthorizedError('invalid X-Worker-Token');
    ctx.state.worker = worker;
    await next();
  };
}

/** An individual worker token acts only for worker ids that match its pattern. */
export function assertMayActAs(worker: WorkerIdentity | undefined, workerId: string): void {
  if (!worker) throw new UnauthorizedError('missing X-Worker-Token header');
  if (!worker.mayActAs(workerId)) {
    throw new ForbiddenError(`this worker token may not act as worker "${workerId}"`);
  }
}
