import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEMO_HANDLERS } from '../../src/worker-sdk/demo-handlers.js';
import { EXAMPLE_HANDLERS } from '../../src/worker-sdk/example-handlers.js';
import { silentLogger } from '../../src/worker-sdk/index.js';
import type { Task, TaskContext } from '../../src/worker-sdk/index.js';

const BLUEPRINTS = fileURLToPath(new URL('../../blueprints/', import.meta.url));

/** Every `task:` value anywhere in a parsed blueprint (task states and parallel branches). */
function taskTypes(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) taskTypes(item, found);
  else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'task' && typeof value === 'string') found.add(value);
      else taskTypes(value, found);
    }
  }
  return found;
}

function task(type: string, params: Record<string, unknown>): Task {
  return { job_id: 'j', task_id: 't', type, params, priority: 0, attempt: 1, deadline: null, tracing_context: {}, params_metadata: {} };
}

const ctx: TaskContext = {
  signal: new AbortController().signal,
  progress: () => undefined,
  attempt: 1,
  jobId: 'j',
  taskId: 't',
  workerId: 'w',
  logger: silentLogger,
};

describe('the demo handlers', () => {
  it('cover every task type of the example blueprints in blueprints/', () => {
    const handled = new Set([...Object.keys(EXAMPLE_HANDLERS), ...Object.keys(DEMO_HANDLERS)]);
    const files = readdirSync(BLUEPRINTS).filter((file) => /\.ya?ml$/.test(file));
    const missing = files.flatMap((file) =>
      [...taskTypes(parse(readFileSync(BLUEPRINTS + file, 'utf8')))].filter((type) => !handled.has(type)).map((type) => `${file}: ${type}`),
    );
    expect(missing).toEqual([]);
  });

  it('give shipping a pickup time in the near future, so its wait state ends soon', async () => {
    const outcome = await DEMO_HANDLERS['carrier.book']!(task('carrier.book', { order_id: 'o1', parcels: 1 }), ctx);
    const pickup = Date.parse(String((outcome as { data: { pickup_at: string } }).data.pickup_at));
    expect(pickup - Date.now()).toBeGreaterThan(0);
    expect(pickup - Date.now()).toBeLessThan(5000);
  });

  it('answer out_of_stock for an order of more than 1000 of an item', async () => {
    expect(await DEMO_HANDLERS['stock.reserve']!(task('stock.reserve', { items: [{ sku: 'a', quantity: 5000 }] }), ctx)).toEqual({ status: 'out_of_stock' });
  });

  it('assemble the text of the OCR results in page order', async () => {
    const pages = [{ text: 'one' }, { text: 'two' }];
    expect(await DEMO_HANDLERS['doc.assemble']!(task('doc.assemble', { pages }), ctx)).toEqual({ data: { text: 'one\ntwo' } });
  });
});
