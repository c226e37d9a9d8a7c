// A complete worker for blueprints/hello.yaml (docs/workers.md). In your own project import from
// 'switchyard/worker'; here the SDK comes from the sources. Run: npx tsx examples/hello-worker.ts
import { createWorker, InvalidInputError } from '../src/worker-sdk/index.js';

const worker = createWorker({
  url: process.env.SWITCHYARD_URL ?? 'http://127.0.0.1:8080',
  token: process.env.WORKER_TOKEN ?? process.env.GLOBAL_WORKER_TOKEN ?? '',
  workerId: `hello-worker-${process.pid}`,
  concurrency: 4,
  tasks: {
    echo: async (task, ctx) => {
      const { message } = task.params;
      if (message !== undefined && typeof message !== 'string') throw new InvalidInputError('params.message must be a string');
      ctx.progress(1, 'echoed');
      return { data: { message: message ?? 'hello', echoed_by: ctx.workerId } };
    },
  },
});

await worker.start();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void worker.stop({ timeoutMs: 30_000 }));
