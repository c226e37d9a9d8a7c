// Runs `switchyard worker` in a child process for cli-worker.test.ts, without the CLI dispatcher.
import { run } from '../../src/cli/worker.js';

await run(process.argv.slice(2));
