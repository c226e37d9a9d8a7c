import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_ID, hashToken, loadConfig, parseDuration, parseSize } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

const TOKENS = { CLIENT_TOKEN: 'client-token-0123456789', GLOBAL_WORKER_TOKEN: 'worker-token-0123456789' };

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-config-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(TOKENS);
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      blueprintsDir: './blueprints',
      redisUrl: undefined,
      redisPrefix: 'switchyard:',
      workerPollTimeoutMs: 30_000,
      workerTtlMs: 60_000,
      enableDebugEndpoints: false,
      maxBodyBytes: 1024 * 1024,
      logLevel: 'info',
      maxTransitions: 1000,
      jobRetentionMs: 7 * 86_400_000,
      memoryMaxEndedJobs: 100_000,
      maxFanOut: 10_000,
      maxJobDataBytes: 1024 * 1024,
      rateLimitClient: undefined,
      rateLimitWorker: undefined,
    });
  });

  it('reads MEMORY_MAX_ENDED_JOBS as a positive integer', () => {
    expect(loadConfig({ ...TOKENS, MEMORY_MAX_ENDED_JOBS: '5000' }).memoryMaxEndedJobs).toBe(5000);
    expect(() => loadConfig({ ...TOKENS, MEMORY_MAX_ENDED_JOBS: '0' })).toThrow(/MEMORY_MAX_ENDED_JOBS/);
  });

  it('freezes the configuration', () => {
    const config = loadConfig(TOKENS);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.clients)).toBe(true);
  });

  it('generates missing tokens and reports them once in generatedTokens', () => {
    const config = loadConfig({});
    const { CLIENT_TOKEN: client, GLOBAL_WORKER_TOKEN: worker } = config.generatedTokens;
    expect(client).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(worker).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(client).not.toBe(worker);
    expect(config.clients[0]!.tokenHash.equals(hashToken(client!))).toBe(true);
    expect(config.globalWorkerTokenHash.equals(hashToken(worker!))).toBe(true);
  });

  it('keeps configured tokens only as hashes', () => {
    const config = loadConfig(TOKENS);
    expect(config.generatedTokens).toEqual({});
    expect(JSON.stringify(config)).not.toContain(TOKENS.CLIENT_TOKEN);
    expect(JSON.stringify(config)).not.toContain(TOKENS.GLOBAL_WORKER_TOKEN);
  });

  it('reports every problem in one ConfigError', () => {
    const problems = problemsOf({
      ...TOKENS,
      PORT: 'eighty',
      WORKER_POLL_TIMEOUT: 'soon',
      MAX_BODY: 'big',
      ENABLE_DEBUG_ENDPOINTS: 'maybe',
      LOG_LEVEL: 'loud',
      REDIS_URL: 'http://localhost',
      RATE_LIMIT_CLIENT: '-3',
    });
    expect(problems).toHaveLength(7);
    expect(problems.join('\n')).toMatch(/PORT=.*integer/);
    expect(problems.join('\n')).toMatch(/WORKER_POLL_TIMEOUT=.*duration/);
    expect(problems.join('\n')).toMatch(/MAX_BODY=.*size/);
    expect(problems.join('\n')).toMatch(/ENABLE_DEBUG_ENDPOINTS=.*true or false/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL=.*one of/);
    expect(problems.join('\n')).toMatch(/REDIS_URL=.*redis:\/\//);
    expect(problems.join('\n')).toMatch(/RATE_LIMIT_CLIENT=.*positive/);
  });

  it('rejects a short token instead of accepting a guessable secret', () => {
    expect(problemsOf({ CLIENT_TOKEN: 'abc', GLOBAL_WORKER_TOKEN: TOKENS.GLOBAL_WORKER_TOKEN })).toEqual([
      expect.stringMatching(/CLIENT_TOKEN: token is shorter than 16/),
    ]);
  });

  it('parses durations, sizes and booleans in their documented forms', () => {
    const config = loadConfig({ ...TOKENS, WORKER_POLL_TIMEOUT: '500ms', WORKER_TTL: '2', JOB_RETENTION: '1d', MAX_BODY: '512kb', ENABLE_DEBUG_ENDPOINTS: 'true', PORT: '0' });
    expect(config.workerPollTimeoutMs).toBe(500);
    expect(config.workerTtlMs).toBe(2000);
    expect(config.jobRetentionMs).toBe(86_400_000);
    expect(config.maxBodyBytes).toBe(512 * 1024);
    expect(config.enableDebugEndpoints).toBe(true);
    expect(config.port).toBe(0);
  });

  it('reads clients and worker tokens from YAML files', () => {
    const clients = tempFile('clients.yaml', '- name: alice\n  token: alice-token-0123456789\n- name: bob\n  token: bob-token-0123456789\n');
    const workers = tempFile('workers.yaml', '- worker_id: gpu-*\n  token: gpu-token-0123456789\n');
    const config = loadConfig({ ...TOKENS, CLIENTS_CONFIG: clients, WORKERS_CONFIG: workers });
    expect(config.clients.map((client) => client.name)).toEqual([DEFAULT_CLIENT_ID, 'alice', 'bob']);
    expect(config.workers).toHaveLength(1);
    expect(config.workers[0]!.matches('gpu-1')).toBe(true);
    expect(config.workers[0]!.matches('cpu-1')).toBe(false);
  });

  it('names the file and entry of a bad client or worker list', () => {
    const clients = tempFile('clients.yaml', '- name: alice\n- name: alice\n  token: alice-token-0123456789\n- name: alice\n  token: other-token-0123456789\n');
    const workers = tempFile('workers.yaml', 'worker_id: x\n');
    const problems = problemsOf({ ...TOKENS, CLIENTS_CONFIG: clients, WORKERS_CONFIG: workers });
    expect(problems).toEqual([
      expect.stringMatching(/clients\.yaml: entry 0 \(alice\): token is missing/),
      expect.stringMatching(/clients\.yaml: entry 1: client name "alice" is used twice/),
      expect.stringMatching(/clients\.yaml: entry 2: client name "alice" is used twice/),
      expect.stringMatching(/workers\.yaml: expected a YAML list/),
    ]);
  });

  it('reports a config file that cannot be read', () => {
    expect(problemsOf({ ...TOKENS, CLIENTS_CONFIG: '/nonexistent/clients.yaml' })).toEqual([
      expect.stringMatching(/CLIENTS_CONFIG=\/nonexistent\/clients\.yaml: cannot read the file/),
    ]);
  });
});

describe('parseDuration and parseSize', () => {
  it('reads each unit', () => {
    expect([parseDuration('500ms'), parseDuration('30s'), parseDuration('5m'), parseDuration('2h'), parseDuration('1d'), parseDuration('7')]).toEqual([
      500, 30_000, 300_000, 7_200_000, 86_400_000, 7000,
    ]);
    expect([parseSize('1mb'), parseSize('512kb'), parseSize('100'), parseSize('1gb')]).toEqual([1048576, 524288, 100, 1073741824]);
  });

  it('returns undefined for malformed text', () => {
    expect(parseDuration('5 minutes')).toBeUndefined();
    expect(parseDuration('-1s')).toBeUndefined();
    expect(parseSize('1 tb')).toBeUndefined();
  });
});
