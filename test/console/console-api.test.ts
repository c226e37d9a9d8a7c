import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileExpression, compileTemplate } from '../../src/blueprint/template.js';
import type { CompiledRetry, CompiledState } from '../../src/blueprint/types.js';
import { stateExpressions, type StateDetailView } from '../../src/http/console-api.js';
import { httpClient, startTestServer, type TestServer } from '../support/server.js';

const retry: CompiledRetry = { maxAttempts: 3, backoffMs: 1000, maxBackoffMs: 60_000 };

describe('stateExpressions', () => {
  it('lists the expressions inside task params with their paths, and skips literals', () => {
    const state: CompiledState = {
      name: 'resize',
      type: 'task',
      spec: { task: 'image.resize', params: compileTemplate({ url: '${ initial_data.url }', width: 512, sizes: ['${ 1 + 1 }'] }), priority: 0, retry },
      transitions: { success: 'done' },
    };
    expect(stateExpressions(state)).toEqual([
      { path: 'params.url', source: '${ initial_data.url }' },
      { path: 'params.sizes[0]', source: '${ 1 + 1 }' },
    ]);
  });

  it('lists each choice condition', () => {
    const state: CompiledState = {
      name: 'check',
      type: 'choice',
      choices: [
        { when: compileExpression('${ state_history.n > 3 }'), next: 'a' },
        { when: compileExpression('${ true }'), next: 'b' },
      ],
    };
    expect(stateExpressions(state).map((e) => e.path)).toEqual(['choices[0].when', 'choices[1].when']);
  });

  it('lists the for_each of a parallel state before its params', () => {
    const state: CompiledState = {
      name: 'fan',
      type: 'parallel',
      forEach: { items: compileExpression('${ initial_data.items }'), as: 'item', spec: { task: 't', params: compileTemplate({ v: '${ item }' }), priority: 0, retry } },
      into: 'out',
      next: 'done',
      onFailure: 'fail',
    };
    expect(stateExpressions(state)).toEqual([
      { path: 'for_each', source: '${ initial_data.items }' },
      { path: 'params.v', source: '${ item }' },
    ]);
  });

  it('lists the result and error of an end state', () => {
    const state: CompiledState = { name: 'done', type: 'end', status: 'finished', result: compileTemplate('${ state_history }') };
    expect(stateExpressions(state)).toEqual([{ path: 'result', source: '${ state_history }' }]);
  });
});

describe('GET /api/v1/blueprints/{name}/states', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ blueprintsDir: fileURLToPath(new URL('./blueprints', import.meta.url)) });
  });
  afterAll(() => server?.close());

  it('answers each state with its YAML as written and its expressions', async () => {
    const reply = await server.client.get<{ blueprint: string; start: string; states: StateDetailView[] }>('/api/v1/blueprints/console_loop/states');
    expect(reply.status).toBe(200);
    expect(reply.body.start).toBe('attempt');
    const check = reply.body.states.find((s) => s.name === 'check')!;
    expect(check).toMatchObject({ type: 'choice', expressions: [{ path: 'choices[0].when', source: '${ state_history.tries < 3 }' }] });
    expect(check.yaml).toContain('otherwise: done');
    expect(check.line).toBeGreaterThan(1);
  });

  it('answers 404 naming the blueprint that is not loaded', async () => {
    const reply = await server.client.get<{ error: string; code: string }>('/api/v1/blueprints/nope/states');
    expect(reply.status).toBe(404);
    expect(reply.body.error).toContain('"nope"');
  });

  it('answers 401 without the client token', async () => {
    const reply = await httpClient(server.url, {}).get('/api/v1/blueprints/console_loop/states');
    expect(reply.status).toBe(401);
  });
});
