/**
 * The example blueprints of blueprints/ run end to end against the real server with SDK workers:
 * the 20-line examples/hello-worker.ts as its own process, and the example worker's handlers
 * (`switchyard worker --tasks all`) for every other blueprint.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_HANDLERS } from '../../src/worker-sdk/demo-handlers.js';
import { EXAMPLE_HANDLERS } from '../../src/worker-sdk/example-handlers.js';
import { createWorker, silentLogger, type SwitchyardWorker } from '../../src/worker-sdk/index.js';
import { startTestServer, type TestServer } from '../support/server.js';

const BLUEPRINTS = fileURLToPath(new URL('../../blueprints', import.meta.url));
const HELLO_WORKER = fileURLToPath(new URL('../../examples/hello-worker.ts', import.meta.url));

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ blueprintsDir: BLUEPRINTS });
});

afterAll(async () => {
  await server.close();
});

describe('examples/hello-worker.ts', () => {
  it('runs blueprints/hello.yaml end to end as its own process and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', HELLO_WORKER], {
      env: { PATH: process.env.PATH, SWITCHYARD_URL: server.url, WORKER_TOKEN: server.workerToken },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const job = await server.waitForJob(await server.createJob('hello', { message: 'hi' }), undefined, 20_000);
      expect(job.status, output).toBe('finished');
      expect(job.result).toMatchObject({ message: 'hi', echoed_by: expect.stringMatching(/^hello-worker-\d+$/) as unknown });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});

describe('the example worker (--tasks all)', () => {
  let worker: SwitchyardWorker;

  beforeAll(async () => {
    worker = createWorker({
      url: server.url,
      token: server.workerToken,
      workerId: 'example-all',
      tasks: { ...EXAMPLE_HANDLERS, ...DEMO_HANDLERS },
      concurrency: 8,
      models: ['tesseract-5'],
      resources: { cpu_cores: 4, memory_gb: 8, gpu: { model: 'NVIDIA A100-SXM4-80GB', vram_gb: 80 } },
      logger: silentLogger,
    });
    await worker.start();
  });

  afterAll(async () => {
    await worker.stop({ timeoutMs: 1000 });
  });

  it('finishes a document_ocr job, reading every page in parallel', async () => {
    const jobId = await server.createJob('document_ocr', { document_url: 'https://docs.example/scan.pdf', pages: [1, 2, 3] });
    const job = await server.waitForJob(jobId);
    expect(job.status).toBe('finished');
    expect(job.result).toEqual({ text: 'Text of page 1.\nText of page 2.\nText of page 3.', pages_read: 3, pages_failed: 0 });
  });

  it('finishes an order_fulfilment job through its shipping child job', async () => {
    const reply = await server.client.post<{ job_id: string }>('/api/v1/orders', {
      initial_data: { order_id: 'o-1', customer_email: 'ada@example.com', amount_cents: 1250, items: [{ sku: 'book', quantity: 2 }], address: { city: 'Oslo' } },
    });
    expect(reply.status).toBe(202);
    const job = await server.waitForJob(reply.body.job_id, undefined, 20_000);
    expect(job.status).toBe('finished');
    expect(job.result).toMatchObject({ order_id: 'o-1', tracking_number: expect.stringMatching(/^TRK_/) as unknown });
  });

  it('finishes a video_transcoding job, its 1080p branch on the GPU worker', async () => {
    const jobId = await server.createJob('video_transcoding', { video_url: 'https://videos.example/in.mp4', title: 'Demo' });
    const job = await server.waitForJob(jobId, undefined, 20_000);
    expect(job.status).toBe('finished');
    expect(job.result).toMatchObject({ renditions: 3, published_url: expect.stringMatching(/^https:\/\/videos\.example\/default\//) as unknown });
  });

  it('pays a small expense_approval job without asking anyone', async () => {
    const reply = await server.client.post<{ job_id: string }>('/api/v2/expenses', { initial_data: { employee: 'Ada', amount: 42, currency: 'EUR' } });
    expect(reply.status).toBe(202);
    const job = await server.waitForJob(reply.body.job_id);
    expect(job.status).toBe('finished');
    expect(job.result).toEqual({ paid: true, approved_by: 'policy' });
  });
});
