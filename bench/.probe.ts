import { spawnServer } from './child/spawn.js';
const s = await spawnServer({ label: 'x', script: 'bench/server-process.ts', env: { PORT: '0', BLUEPRINTS_DIR: 'bench/blueprints', CLIENT_TOKEN: 'a'.repeat(20), GLOBAL_WORKER_TOKEN: 'b'.repeat(20), LOG_LEVEL: 'warn' } });
console.log(s.url, s.pid);
await new Promise((r) => setTimeout(r, 60000));
await s.stop();
