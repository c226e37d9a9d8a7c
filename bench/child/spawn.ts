import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ProbeAction, ProbeConfig, ProbeStats } from './probe-protocol.js';

/**
 * Starts a server (the ceiling or Switchyard) as a child process with tsx, waits for its port, and
 * offers probes of its memory and event-loop delay. Its output is kept (the last few kilobytes) to
 * explain a failed start.
 */
export interface ServerChild {
  label: string;
  pid: number;
  port: number;
  url: string;
  probe(action?: ProbeAction, config?: ProbeConfig): Promise<ProbeStats>;
  stop(): Promise<void>;
}

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface SpawnOptions {
  label: string;
  /** Script path relative to the repository root. */
  script: string;
  env: Record<string, string>;
  /** Extra node flags, e.g. --cpu-prof. --expose-gc is always given. */
  nodeFlags?: string[];
  startTimeoutMs?: number;
}

function tail(chunks: string[], text: string): void {
  chunks.push(text);
  while (chunks.join('').length > 8192) chunks.shift();
}

export async function spawnServer(options: SpawnOptions): Promise<ServerChild> {
  const output: string[] = [];
  const child: ChildProcess = fork(options.script, [], {
    cwd: REPO_ROOT,
    execArgv: ['--import', 'tsx', '--expose-gc', ...(options.nodeFlags ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout?.on('data', (chunk: Buffer) => tail(output, chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => tail(output, chunk.toString()));

  const probes = new Map<number, (stats: ProbeStats) => void>();
  let nextProbe = 1;

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.label} did not start within ${options.startTimeoutMs ?? 30_000} ms:\n${output.join('')}`));
    }, options.startTimeoutMs ?? 30_000);
    child.on('message', (raw) => {
      const message = raw as ChildMessage;
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message.port);
      } else if (message.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`${options.label} failed to start: ${message.error}\n${output.join('')}`));
      } else if (message.type === 'probe-reply') {
        probes.get(message.id)?.(message.stats);
        probes.delete(message.id);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${options.label} exited (${code ?? signal}) before it listened:\n${output.join('')}`));
    });
  });

  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

  return {
    label: options.label,
    pid: child.pid!,
    port,
    url: `http://127.0.0.1:${port}`,
    probe(action: ProbeAction = 'stats', config?: ProbeConfig) {
      return new Promise<ProbeStats>((resolve, reject) => {
        const id = nextProbe++;
        const timer = setTimeout(() => {
          probes.delete(id);
          reject(new Error(`${options.label} did not answer a probe`));
        }, 30_000);
        probes.set(id, (stats) => {
          clearTimeout(timer);
          resolve(stats);
        });
        child.send({ type: 'probe', id, action, ...(config ? { config } : {}) });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // Long enough for a V8 CPU profile to be written on exit.
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
