/**
 * Token checks. Tokens are compared as sha256 hashes with crypto.timingSafeEqual, against every
 * configured credential without stopping at the first match, so timing says nothing about which token
 * is close. A token is never logged, written anywhere, or returned.
 *
 * Hashing every request's token cost 2.5% of the CPU under load (docs/benchmarks.md), so the last
 * tokens that MATCHED are remembered in memory (at most 64 per kind, as the request headers hold them
 * anyway) with their identity. A wrong token is never remembered, so it always takes the full
 * constant-time path and cannot grow the cache.
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

/** How many matched tokens of each kind are remembered. */
export const MATCHED_TOKEN_CACHE_SIZE = 64;

/** Remembers only what `check` accepted; the oldest entry goes first when full. */
function rememberMatches<T>(check: (token: string) => T | undefined): (token: string) => T | undefined {
  const matched = new Map<string, T>();
  return (token) => {
    const known = matched.get(token);
    if (known !== undefined) return known;
    const identity = check(token);
    if (identity === undefined) return undefined;
    if (matched.size >= MATCHED_TOKEN_CACHE_SIZE) matched.delete(matched.keys().next().value as string);
    matched.set(token, identity);
    return identity;
  };
}

export function createAuthenticator(config: Pick<Config, 'clients' | 'globalWorkerTokenHash' | 'workers'>): Authenticator {
  const client = rememberMatches((token): ClientIdentity | undefined => {
    const presented = hashToken(token);
    let found: ClientIdentity | undefined;
    for (const known of config.clients) {
      if (sameHash(presented, known.tokenHash) && !found) found = Object.freeze({ id: known.name });
    }
    return found;
  });
  const worker = rememberMatches((token): WorkerIdentity | undefined => {
    const presented = hashToken(token);
    const global = sameHash(presented, config.globalWorkerTokenHash);
    const patterns = config.workers.filter((known) => sameHash(presented, known.tokenHash));
    if (global) return Object.freeze({ global: true, mayActAs: () => true });
    if (patterns.length === 0) return undefined;
    return Object.freeze({ global: false, mayActAs: (workerId: string) => patterns.some((known) => known.matches(workerId)) });
  });
  return {
    client: (token) => (token ? client(token) : undefined),
    worker: (token) => (token ? worker(token) : undefined),
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
