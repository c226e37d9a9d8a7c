/**
 * The authenticator's cache of matched tokens: hits skip the hash, misses always take the full
 * constant-time path, and only matches are remembered (bounded), so wrong tokens cannot grow or flush it.
 * test/security/auth.test.ts covers who may do what over HTTP.
 */
import { describe, expect, it } from 'vitest';
import { hashToken, type Config } from '../../src/config.js';
import { createAuthenticator, MATCHED_TOKEN_CACHE_SIZE } from '../../src/http/auth.js';

const token = (i: number) => `client-token-${i}-0123456789abcdef`;

/** A configuration whose client list counts how often it is checked (a cache miss reads it once). */
function countingConfig(clientCount: number): { config: Pick<Config, 'clients' | 'globalWorkerTokenHash' | 'workers'>; checks: () => number } {
  const clients = Array.from({ length: clientCount }, (_, i) => ({ name: `c${i}`, tokenHash: hashToken(token(i)) }));
  let reads = 0;
  const config = {
    get clients() {
      reads += 1;
      return clients;
    },
    globalWorkerTokenHash: hashToken('global-worker-token-0123456789'),
    workers: [{ pattern: 'gpu-*', matches: (id: string) => id.startsWith('gpu-'), tokenHash: hashToken('gpu-token-0123456789abcdef') }],
  };
  return { config, checks: () => reads };
}

describe('authenticator cache', () => {
  it('checks a matching token once, then answers repeats from the cache with the same identity', () => {
    const { config, checks } = countingConfig(2);
    const auth = createAuthenticator(config);
    const first = auth.client(token(1));
    expect(first).toEqual({ id: 'c1' });
    expect(auth.client(token(1))).toBe(first);
    expect(checks()).toBe(1);
  });

  it('checks a wrong token in full every time and never remembers it', () => {
    const { config, checks } = countingConfig(2);
    const auth = createAuthenticator(config);
    for (let i = 0; i < 3; i++) expect(auth.client('wrong-token-0123456789abcdef')).toBeUndefined();
    expect(checks()).toBe(3);
  });

  it('keeps at most the last matched tokens; wrong tokens do not push valid ones out', () => {
    const { config, checks } = countingConfig(MATCHED_TOKEN_CACHE_SIZE + 1);
    const auth = createAuthenticator(config);
    auth.client(token(0));
    for (let i = 0; i < 1000; i++) auth.client(`wrong-${i}-0123456789abcdef`);
    const before = checks();
    expect(auth.client(token(0))).toEqual({ id: 'c0' });
    expect(checks()).toBe(before);
    for (let i = 1; i <= MATCHED_TOKEN_CACHE_SIZE; i++) auth.client(token(i));
    const filled = checks();
    expect(auth.client(token(0))).toEqual({ id: 'c0' });
    expect(checks()).toBe(filled + 1);
  });

  it('remembers a worker token with its pattern: the cached identity still acts only as matching ids', () => {
    const { config } = countingConfig(1);
    const auth = createAuthenticator(config);
    for (let i = 0; i < 2; i++) {
      const worker = auth.worker('gpu-token-0123456789abcdef');
      expect(worker?.global).toBe(false);
      expect(worker?.mayActAs('gpu-1')).toBe(true);
      expect(worker?.mayActAs('cpu-1')).toBe(false);
    }
    expect(auth.worker('wrong-worker-token-0123456789')).toBeUndefined();
  });
});
