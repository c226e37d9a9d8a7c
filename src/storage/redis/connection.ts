/**
 * The connection model of the Redis store: per process, ONE command connection (one per node on a
 * Cluster) shared by every store call, and ONE subscriber connection for the notifier. Long-polls never
 * hold a connection of their own; they wait in memory (see notifier.ts).
 *
 * While Redis is unreachable every call must fail fast with StoreUnavailableError (503), never hang:
 * the offline queue is off (a command sent while disconnected fails at once), a command in flight when
 * the connection drops is not re-sent (maxRetriesPerRequest 0: every script is safe to retry from the
 * caller, but not to run twice silently), and a command with no reply fails after `commandTimeoutMs`.
 * Reconnection is automatic and unbounded, so the server recovers by itself when Redis is back.
 */
import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';
import { StoreUnavailableError, SwitchyardError } from '../../errors.js';

export type RedisClient = Redis | Cluster;

export interface RedisConnectionOptions {
  /** `redis://[user:pass@]host:port[/db]`; several comma-separated URLs name Cluster seed nodes. */
  url: string;
  /** Force (true) or forbid (false) Cluster mode; by default it is detected with `INFO cluster`. */
  cluster?: boolean;
  /** A command with no reply after this long fails with StoreUnavailableError. Default 5000. */
  commandTimeoutMs?: number;
  /** Shown in CLIENT LIST, so the connections of each process can be told apart. */
  connectionName?: string;
}

/** Reconnect quickly at first, then every second at most, forever. */
const retryStrategy = (times: number): number => Math.min(50 * times, 1000);

function parseUrls(url: string): URL[] {
  const parts = url
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (parts.length === 0) throw new StoreUnavailableError('REDIS_URL is empty: give redis://host:port');
  return parts.map((part) => {
    try {
      const parsed = new URL(part);
      if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error('protocol');
      return parsed;
    } catch {
      throw new StoreUnavailableError(`REDIS_URL "${part}" is not a redis://host:port URL`);
    }
  });
}

function baseOptions(first: URL, options: RedisConnectionOptions): RedisOptions {
  const db = first.pathname.length > 1 ? Number(first.pathname.slice(1)) : 0;
  return {
    username: first.username.length > 0 ? decodeURIComponent(first.username) : undefined,
    password: first.password.length > 0 ? decodeURIComponent(first.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: first.protocol === 'rediss:' ? {} : undefined,
    connectionName: options.connectionName,
    // Script replies are read as RESP2 shapes everywhere (flat arrays, strings).
    protocol: 2,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: options.commandTimeoutMs ?? 5000,
    connectTimeout: 2000,
    lazyConnect: true,
  };
}

function hostList(urls: URL[]): string {
  return urls.map((url) => url.host).join(',');
}

/** Waits until the client is ready, or fails with StoreUnavailableError after `timeoutMs`. */
export async function connectClient(client: RedisClient, where: string, timeoutMs = 5000): Promise<void> {
  if (client.status === 'ready') return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve) => client.once('ready', () => resolve())),
      new Promise<void>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new StoreUnavailableError(`Redis at ${where} did not answer within ${timeoutMs} ms; is it running?`)),
          timeoutMs,
        );
      }),
      client.status === 'wait' ? client.connect() : new Promise<void>(() => undefined),
    ]);
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    throw new StoreUnavailableError(`cannot connect to Redis at ${where}: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

export interface RedisConnections {
  readonly command: RedisClient;
  readonly subscriber: RedisClient;
  readonly isCluster: boolean;
  /** host:port list, for error messages. */
  readonly where: string;
  close(): Promise<void>;
}

async function detectCluster(urls: URL[], base: RedisOptions): Promise<boolean> {
  const first = urls[0]!;
  const probe = new Redis({ ...base, host: first.hostname, port: Number(first.port || 6379), connectionName: 'switchyard-probe' });
  // Errors also surface through connectClient; the listener only keeps them from being "unhandled".
  probe.on('error', () => undefined);
  try {
    await connectClient(probe, hostList(urls));
    const info = await probe.info('cluster');
    return /cluster_enabled:1/.test(info);
  } finally {
    probe.disconnect();
  }
}

export async function openRedisConnections(options: RedisConnectionOptions): Promise<RedisConnections> {
  const urls = parseUrls(options.url);
  const where = hostList(urls);
  const base = baseOptions(urls[0]!, options);
  const isCluster = options.cluster ?? (urls.length > 1 || (await detectCluster(urls, base)));
  const make = (role: 'command' | 'subscriber'): RedisClient => {
    const name = `${options.connectionName ?? 'switchyard'}-${role}`;
    // The subscriber must queue its SUBSCRIBE until connected and re-subscribe after a reconnect.
    const roleOptions: RedisOptions = role === 'subscriber' ? { enableOfflineQueue: true, commandTimeout: undefined } : {};
    if (isCluster) {
      const nodes: ClusterNode[] = urls.map((url) => ({ host: url.hostname, port: Number(url.port || 6379) }));
      const { db: _db, ...redisOptions } = { ...base, ...roleOptions, connectionName: name };
      return new Cluster(nodes, {
        redisOptions,
        enableOfflineQueue: roleOptions.enableOfflineQueue ?? false,
        clusterRetryStrategy: retryStrategy,
        lazyConnect: true,
        slotsRefreshTimeout: 2000,
      });
    }
    const first = urls[0]!;
    return new Redis({ ...base, ...roleOptions, connectionName: name, host: first.hostname, port: Number(first.port || 6379), retryStrategy });
  };
  const command = make('command');
  const subscriber = make('subscriber');
  // Connection errors reach callers as StoreUnavailableError; the event itself needs only a listener.
  command.on('error', () => undefined);
  subscriber.on('error', () => undefined);
  try {
    await Promise.all([connectClient(command, where), connectClient(subscriber, where)]);
  } catch (error) {
    command.disconnect();
    subscriber.disconnect();
    throw error;
  }
  return {
    command,
    subscriber,
    isCluster,
    where,
    async close() {
      // QUIT politely when connected; a client that is reconnecting would queue QUIT until Redis is
      // back (the subscriber keeps an offline queue), so it is just dropped.
      const quit = (client: RedisClient): Promise<unknown> => (client.status === 'ready' ? client.quit() : Promise.resolve());
      await Promise.allSettled([quit(command), quit(subscriber)]);
      command.disconnect();
      subscriber.disconnect();
    },
  };
}

/** Replies that mean "Redis cannot serve now" rather than "this call is wrong". */
const UNAVAILABLE_REPLIES = /^(LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|BUSY|NOREPLICAS)\b/;

/**
 * Maps a failure of a Redis call to the error the caller should see: connection problems become
 * StoreUnavailableError (503 with a clear message); anything else is a bug in a script and is rethrown.
 */
export function toStoreError(error: unknown, where: string): Error {
  // Typed errors (a bad cursor, an unavailable store) are already what the caller should see.
  if (error instanceof SwitchyardError) return error;
  const err = error instanceof Error ? error : new Error(String(error));
  const isReply = err.name === 'ReplyError';
  if (isReply && !UNAVAILABLE_REPLIES.test(err.message)) return err;
  return new StoreUnavailableError(
    `the Redis store at ${where} is unavailable (${plainReason(err.message)}); the call was not completed, retry when Redis is back`,
  );
}

/** ioredis's wording for the usual failures, in plain words. */
function plainReason(message: string): string {
  if (message.startsWith("Stream isn't writeable")) return 'not connected, reconnecting';
  if (message.startsWith('Connection is closed')) return 'connection lost';
  if (message.startsWith('Command timed out')) return 'no reply in time';
  if (message.includes('ECONNREFUSED')) return 'connection refused';
  return message;
}
