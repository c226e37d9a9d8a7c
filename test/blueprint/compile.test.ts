import { describe, expect, it } from 'vitest';
import { loadBlueprintSources } from '../../src/blueprint/load.js';
import type { CompiledBlueprint } from '../../src/blueprint/types.js';

function compile(text: string): CompiledBlueprint {
  const { blueprints, diagnostics } = loadBlueprintSources([{ file: 'b.yaml', text }]);
  expect(diagnostics).toEqual([]);
  const compiled = [...blueprints.values()][0];
  if (!compiled) throw new Error('not compiled');
  return compiled;
}

const TASK = `name: shop
start: pay
states:
  pay:
    type: task
    task: payment.charge
    transitions: { success: done }
  done:
    type: end
`;

describe('compile', () => {
  it('applies the documented defaults to a task', () => {
    const b = compile(TASK);
    const pay = b.states.get('pay');
    expect(pay?.type).toBe('task');
    if (pay?.type !== 'task') return;
    expect(pay.spec.priority).toBe(0);
    expect(pay.spec.retry).toEqual({ maxAttempts: 3, backoffMs: 1000, maxBackoffMs: 300_000 });
    expect(pay.spec.timeoutMs).toBeUndefined();
    expect(pay.spec.params).toEqual({ kind: 'object', entries: [] });
    expect(b.version).toBe(1);
    expect(b.api).toEqual({ version: 'v1', endpoint: '/jobs/shop' });
  });

  it('lets blueprint defaults fill in what a state leaves out, field by field for retry', () => {
    const text = TASK.replace(
      'start: pay',
      'defaults:\n  priority: 4\n  timeout: 90\n  dispatch_timeout: 1m\n  retry: { max_attempts: 7, backoff: 250ms }\nstart: pay',
    ).replace('task: payment.charge', 'task: payment.charge\n    retry: { max_backoff: 1h30m }');
    const pay = compile(text).states.get('pay');
    if (pay?.type !== 'task') throw new Error('not a task');
    expect(pay.spec).toMatchObject({ priority: 4, timeoutMs: 90_000, dispatchTimeoutMs: 60_000 });
    expect(pay.spec.retry).toEqual({ maxAttempts: 7, backoffMs: 250, maxBackoffMs: 5_400_000 });
  });

  it('shares settings through an x- key, a YAML anchor and `<<` merge keys', () => {
    const text = `name: m
x-task: &task
  type: task
  retry: { max_attempts: 5 }
  priority: 3
start: a
states:
  a:
    <<: *task
    task: echo
    transitions: { success: b }
  b:
    <<: *task
    task: sleep
    priority: 7
    transitions: { success: c }
  c:
    type: end
`;
    const b = compile(text);
    expect(b.states.get('a')).toMatchObject({ type: 'task', spec: { task: 'echo', priority: 3, retry: { maxAttempts: 5 } } });
    expect(b.states.get('b')).toMatchObject({ type: 'task', spec: { task: 'sleep', priority: 7, retry: { maxAttempts: 5 } } });
  });

  it('makes api null for `api: false`', () => {
    expect(compile(TASK.replace('start: pay', 'api: false\nstart: pay')).api).toBeNull();
  });

  it('freezes the compiled blueprint and its states', () => {
    const b = compile(TASK);
    expect(Object.isFrozen(b)).toBe(true);
    expect(Object.isFrozen(b.states.get('pay'))).toBe(true);
  });

  it('builds the graph with typed nodes and labelled edges', () => {
    const b = compile(TASK);
    expect(b.graph.node('pay')).toEqual({ name: 'pay', type: 'task', start: true });
    expect(b.graph.node('done')).toEqual({ name: 'done', type: 'end', start: false, detail: 'finished' });
    const [edge] = b.graph.outEdges('pay') ?? [];
    expect(edge && b.graph.edge(edge)).toEqual({ kind: 'status', label: 'success' });
  });

  it('records each state\'s position and YAML text', () => {
    const b = compile(TASK);
    expect(b.sources.get('pay')).toEqual({
      line: 4,
      column: 3,
      yaml: '  pay:\n    type: task\n    task: payment.charge\n    transitions: { success: done }',
    });
  });

  it('validates initial_data against `input` with a path per violation', () => {
    const text = TASK.replace(
      'start: pay',
      'input:\n  type: object\n  required: [url]\n  properties:\n    url: { type: string, format: uri }\n    tags: { type: array, items: { type: string } }\nstart: pay',
    );
    const b = compile(text);
    expect(b.validateInput({ url: 'https://x.test/a' })).toEqual([]);
    expect(b.validateInput({ tags: ['a', 3] })).toEqual([
      { path: 'initial_data.url', message: 'is required' },
      { path: 'initial_data.tags[1]', message: 'must be string' },
    ]);
    expect(b.validateInput({ url: 'not a uri' })).toEqual([{ path: 'initial_data.url', message: 'must match format "uri"' }]);
  });

  it('accepts any object as initial_data when there is no `input`', () => {
    const b = compile(TASK);
    expect(b.validateInput({ anything: 1 })).toEqual([]);
    expect(b.validateInput([1])).toEqual([{ path: 'initial_data', message: 'must be an object' }]);
  });

  it('compiles parallel states with default names, into and on_failure', () => {
    const text = `name: p
start: fan
states:
  fan:
    type: parallel
    branches:
      - task: a
      - name: second
        task: b
        priority: 2
    next: each
  each:
    type: parallel
    for_each: \${ initial_data.items }
    as: item
    task: c
    params: { n: '\${ item }' }
    max_concurrency: 2
    into: results
    on_failure: continue
    next: done
  done:
    type: end
`;
    const b = compile(text);
    const fan = b.states.get('fan');
    const each = b.states.get('each');
    if (fan?.type !== 'parallel' || each?.type !== 'parallel') throw new Error('not parallel');
    expect(fan.branches?.map((x) => [x.name, x.task, x.priority])).toEqual([
      ['branch_1', 'a', 0],
      ['second', 'b', 2],
    ]);
    expect(fan).toMatchObject({ into: 'parallel_results', onFailure: 'fail' });
    expect(fan.maxConcurrency).toBeUndefined();
    expect(each).toMatchObject({ into: 'results', onFailure: 'continue', maxConcurrency: 2 });
    expect(each.forEach?.as).toBe('item');
    expect(each.forEach?.items.source).toBe('${ initial_data.items }');
    expect(each.forEach?.spec.task).toBe('c');
  });

  it('compiles wait, set, choice, approval and end states', () => {
    const text = `name: w
start: pause
states:
  pause:
    type: wait
    duration: 1.5
    next: later
  later:
    type: wait
    until: \${ initial_data.at }
    next: mark
  mark:
    type: set
    values: { seen: true }
    next: pick
  pick:
    type: choice
    choices:
      - when: \${ state_history.seen }
        next: ask
    otherwise: fail
  ask:
    type: approval
    timeout: 2h
    message: Go?
    transitions: { approved: ok, timeout: fail }
  ok:
    type: end
    result: 42
  fail:
    type: end
    status: failed
    error: no
`;
    const b = compile(text);
    expect(b.states.get('pause')).toMatchObject({ durationMs: 1500, next: 'later' });
    expect(b.states.get('later')).toMatchObject({ next: 'mark' });
    expect(b.states.get('mark')).toMatchObject({ values: [['seen', { kind: 'literal', value: true }]] });
    expect(b.states.get('pick')).toMatchObject({ otherwise: 'fail' });
    expect(b.states.get('ask')).toMatchObject({ timeoutMs: 7_200_000, message: { kind: 'literal', value: 'Go?' } });
    expect(b.states.get('ok')).toMatchObject({ status: 'finished', result: { kind: 'literal', value: 42 } });
    expect(b.states.get('fail')).toMatchObject({ status: 'failed', error: { kind: 'literal', value: 'no' } });
  });
});
