/**
 * Real redis-server processes for tests: one standalone server, or a local three-node Cluster, each on
 * free ports in a temporary directory, killed on teardown. Tests that use these wrap themselves in
 * `describe.skipIf(!hasTool('redis-server'))` (test/support/tools.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServerOptions {
  /** Turn on the append-only file (fsync every write), so a restart of the server loses nothing. */
  aof?: boolean;
  /** Extra `--name value` arguments. */
  args?: string[];
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Pid of the current redis-server process. */
  pid(): number;
  /** Kill the server (SIGKILL by default) and wait for it to exit; the data directory is kept. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Start the server again on the same port and directory (after kill). */
  restart(): Promise<void>;
  /** Kill the server and remove its directory. */
  stop(): Promise<void>;
}

/** A port that is free now, and (for Cluster nodes) whose bus port `port + 10000` is free too. */
export async function freePort(withBusPort = false): Promise<number> {
  for (let tries = 0; tries < 50; tries += 1) {
    const port = await listenAndClose(0);
    if (port > 55_000 && withBusPort) continue;
    if (withBusPort && !(await isFree(port + 10_000))) continue;
    return port;
  }
  throw new Error('no free port found for redis-server');
}

function listenAndClose(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const chosen = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(chosen));
    });
  });
}

async function isFree(port: number): Promise<boolean> {
  try {
    await listenAndClose(port);
    return true;
  } catch {
    return false;
  }
}

/** Sends one inline command and resolves with the first reply line (or an error text). */
export function rawCommand(port: number, command: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (text: string): void => {
      socket.destroy();
      resolve(text);
    };
    socket.setTimeout(timeoutMs, () => done('-TIMEOUT'));
    socket.once('error', (error) => done(`-${error.message}`));
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      const end = reply.indexOf('\r\n');
      if (end >= 0) done(reply.slice(0, end));
    });
  });
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function baseArgs(port: number, dir: string, options: RedisServerOptions): string[] {
  return [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--save', '',
    '--appendonly', options.aof === true ? 'yes' : 'no',
    '--appendfsync', 'always',
    '--daemonize', 'no',
    '--logfile', join(dir, 'redis.log'),
    // Thousands of long-polls in tests must not be limited by the default of 10,000 clients.
    '--maxclients', '10000',
    ...(options.args ?? []),
  ];
}

const live = new Set<ChildProcess>();
// A test run that ends without its teardown (a crash, a timeout) must not leave servers behind.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function spawnServer(args: string[]): ChildProcess {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-redis-'));
  const port = await freePort();
  const args = baseArgs(port, dir, options);
  let child = spawnServer(args);
  const ready = (): Promise<void> =>
    waitUntil(async () => (await rawCommand(port, 'PING')) === '+PONG', `redis-server on port ${port}`);
  await ready();
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    pid: () => child.pid ?? -1,
    async kill(signal = 'SIGKILL') {
      child.kill(signal);
      await exited(child);
    },
    async restart() {
      child = spawnServer(args);
      await ready();
    },
    async stop() {
      await server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

export interface RedisCluster {
  readonly ports: number[];
  /** `redis://host:port` of every node; a Cluster client needs only one to find the others. */
  readonly urls: string[];
  stop(): Promise<void>;
}

/** Three masters, no replicas, all 16384 slots assigned; resolves when the cluster state is ok. */
export async function startRedisCluster(nodes = 3): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-cluster-'));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let index = 0; index < nodes; index += 1) {
      const port = await freePort(true);
      ports.push(port);
      const nodeDir = join(dir, String(port));
      spawnSync('mkdir', ['-p', nodeDir]);
      children.push(
        spawnServer(
          baseArgs(port, nodeDir, {
            args: ['--cluster-enabled', 'yes', '--cluster-config-file', join(nodeDir, 'nodes.conf'), '--cluster-node-timeout', '2000'],
          }),
        ),
      );
    }
    for (const port of ports) {
      await waitUntil(async () => (await rawCommand(port, 'PING')) === '+PONG', `cluster node on port ${port}`);
    }
    const create = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    for (const port of ports) {
      await waitUntil(
        async () => (await clusterInfo(port)).includes('cluster_state:ok'),
        `cluster state ok on port ${port}`,
        20_000,
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports, urls: ports.map((port) => `redis://127.0.0.1:${port}`), stop };
}

function clusterInfo(port: number): Promise<string> {
  const result = spawnSync('redis-cli', ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8', timeout: 5000 });
  return Promise.resolve(result.stdout ?? '');
}
