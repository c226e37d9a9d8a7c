import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_TOKEN, FakeOrchestrator } from './fake-orchestrator.js';
import { waitFor } from './wait-for.js';

const RUNNER = fileURLToPath(new URL('./run-worker-cli.ts', import.meta.url));

interface Child {
  output: () => string;
  exited: Promise<number | null>;
  kill: (signal: NodeJS.Signals) => void;
}

function startCli(args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, ...args], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'debug', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    output: () => output,
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    kill: (signal) => child.kill(signal),
  };
}

let fake: FakeOrchestrator;

beforeEach(async () => {
  fake = new FakeOrchestrator();
  await fake.start();
});

afterEach(async () => {
  await fake.close();
});

describe('switchyard worker', () => {
  it('prints its usage for --help and exits 0', async () => {
    const cli = startCli(['--help']);
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toContain('Usage: switchyard worker --tasks');
  });

  it('exits 2 naming the problem when no token is given', async () => {
    const cli = startCli(['--tasks', 'echo']);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toContain('no worker token');
  });

  it('exits 2 for an unknown handler name', async () => {
    const cli = startCli(['--tasks', 'x=nope', '--token', 't']);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toContain('unknown handler "nope"');
  });

  it('registers the listed types from the environment settings and runs echo for unnamed types', async () => {
    const cli = startCli(['--tasks', 'echo,sleep,image.tag', '--id', 'cli-1', '--concurrency', '2'], {
      SWITCHYARD_URL: fake.url,
      GLOBAL_WORKER_TOKEN: FAKE_TOKEN,
    });
    try {
      const registration = await waitFor('a registration', () => fake.registrations[0], 15_000);
      expect(registration).toMatchObject({ worker_id: 'cli-1', supported_tasks: ['echo', 'sleep', 'image.tag'], max_concurrent_tasks: 2 });
      fake.enqueue('image.tag', { tag: 'red' });
      const result = await waitFor('a result', () => fake.results[0]);
      expect(result).toMatchObject({ result: { status: 'success', data: { tag: 'red' } } });
    } finally {
      cli.kill('SIGTERM');
      await cli.exited;
    }
  });

  it('on SIGTERM finishes the running task, posts its result and exits 0', async () => {
    const cli = startCli(['--tasks', 'sleep', '--id', 'cli-2', '--url', fake.url, '--token', FAKE_TOKEN]);
    await waitFor('a registration', () => fake.registrations[0], 15_000);
    fake.enqueue('sleep', { ms: 1000 });
    // The first progress event says the task is running; it reports every 100 ms of 1000.
    await waitFor('the task running', () => fake.socketMessages.length > 0, 15_000);
    cli.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(fake.results[0]).toMatchObject({ task_id: 'task-1', result: { status: 'success', data: { slept_ms: 1000 } } });
  });
});
