/**
 * `GET /_worker/ws/{worker_id}`: one WebSocket per worker (a newer one replaces the older, which is
 * closed with 4000). The server sends `{"command":"cancel_task",job_id,task_id}`; the worker may send
 * `{"event":"progress_update",job_id,task_id,progress,message}`. Dead sockets are found by ping/pong
 * and terminated. Delivery goes through the small `WorkerChannel` interface so that a cross-process
 * channel (Redis pub/sub) can wrap this local one.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { SwitchyardError } from '../errors.js';
import type { Authenticator } from './auth.js';
import type { RateLimiter } from './rate-limit.js';
import type { HttpLogger } from './logger.js';
import type { BodyValidator } from './schemas.js';

export interface CancelCommand {
  command: 'cancel_task';
  job_id: string;
  task_id: string;
}

export interface ProgressUpdate {
  worker_id: string;
  job_id: string;
  task_id: string;
  progress?: number;
  message?: string;
}

/** Sends commands to workers. Resolves true only when the message was written to an open socket. */
export interface WorkerChannel {
  send(workerId: string, message: CancelCommand): Promise<boolean>;
}

export interface WorkerSockets extends WorkerChannel {
  /** For the HTTP server's `upgrade` event. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  connected(workerId: string): boolean;
  /** Closes every socket with 1001 (going away) and stops the keep-alive timer. */
  close(): Promise<void>;
}

export interface WorkerSocketsOptions {
  auth: Authenticator;
  validator: BodyValidator;
  /** Called for each progress_update; a thrown SwitchyardError is sent back to the worker. */
  onProgress: (update: ProgressUpdate) => Promise<void>;
  logger: HttpLogger;
  /** How often to ping; a socket that did not answer the previous ping is terminated. */
  pingIntervalMs?: number;
  maxMessageBytes?: number;
  /** RATE_LIMIT_WORKER for progress messages (each one is a store commit); none when absent. */
  limiter?: RateLimiter;
}

export const WS_PATH = /^\/_worker\/ws\/([A-Za-z0-9._-]{1,128})\/?$/;
export const CLOSE_REPLACED = 4000;
export const CLOSE_GOING_AWAY = 1001;

interface LiveSocket extends WebSocket {
  alive?: boolean;
}

function refuse(socket: Duplex, status: number, reason: string, code: string): void {
  const body = JSON.stringify({ error: reason, code });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function createWorkerSockets(options: WorkerSocketsOptions): WorkerSockets {
  const { auth, validator, onProgress, logger } = options;
  const server = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? 64 * 1024 });
  const sockets = new Map<string, LiveSocket>();
  let closing = false;

  const pinger = setInterval(() => {
    for (const [workerId, socket] of sockets) {
      if (socket.alive === false) {
        logger.info({ worker_id: workerId }, 'worker socket did not answer a ping; terminating it');
        socket.terminate();
        continue;
      }
      socket.alive = false;
      socket.ping();
    }
  }, options.pingIntervalMs ?? 15_000);
  pinger.unref();

  const reply = (socket: WebSocket, message: Record<string, unknown>): void => {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  };

  const onMessage = async (workerId: string, socket: WebSocket, data: RawData): Promise<void> => {
    let message: unknown;
    try {
      message = JSON.parse(data.toString());
    } catch (error) {
      reply(socket, { event: 'error', code: 'INVALID_JSON', error: `message is not valid JSON: ${(error as Error).message}` });
      return;
    }
    try {
      options.limiter?.take(workerId);
      const update = validator.check<Omit<ProgressUpdate, 'worker_id'>>('progress-update', message);
      await onProgress({
        worker_id: workerId,
        job_id: update.job_id,
        task_id: update.task_id,
        ...(update.progress === undefined ? {} : { progress: update.progress }),
        ...(update.message === undefined ? {} : { message: update.message }),
      });
    } catch (error) {
      if (error instanceof SwitchyardError && error.expose) {
        reply(socket, { event: 'error', code: error.code, error: error.message, ...(error.details === undefined ? {} : { details: error.details }) });
      } else {
        logger.error({ err: error, worker_id: workerId }, 'progress update failed');
        reply(socket, { event: 'error', code: 'INTERNAL_ERROR', error: 'internal error' });
      }
    }
  };

  const accept = (workerId: string, socket: LiveSocket): void => {
    const previous = sockets.get(workerId);
    if (previous) previous.close(CLOSE_REPLACED, 'replaced by a newer connection of this worker');
    sockets.set(workerId, socket);
    socket.alive = true;
    socket.on('pong', () => {
      socket.alive = true;
    });
    socket.on('message', (data) => {
      void onMessage(workerId, socket, data);
    });
    socket.on('close', () => {
      if (sockets.get(workerId) === socket) sockets.delete(workerId);
    });
    socket.on('error', (error) => logger.warn({ err: error, worker_id: workerId }, 'worker socket error'));
    logger.info({ worker_id: workerId }, 'worker socket connected');
  };

  return {
    handleUpgrade(request, socket, head) {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      const match = WS_PATH.exec(path);
      if (closing) return refuse(socket, 503, 'server is shutting down', 'SHUTTING_DOWN');
      if (!match) return refuse(socket, 404, `no WebSocket endpoint at ${path}; use /_worker/ws/{worker_id}`, 'ROUTE_NOT_FOUND');
      const workerId = match[1]!;
      const header = request.headers['x-worker-token'];
      const token = Array.isArray(header) ? header[0] : header;
      if (!token) return refuse(socket, 401, 'missing X-Worker-Token header', 'UNAUTHORIZED');
      const identity = auth.worker(token);
      if (!identity) return refuse(socket, 401, 'invalid X-Worker-Token', 'UNAUTHORIZED');
      if (!identity.mayActAs(workerId)) return refuse(socket, 403, `this worker token may not act as worker "${workerId}"`, 'FORBIDDEN');
      server.handleUpgrade(request, socket, head, (ws) => accept(workerId, ws));
    },
    connected(workerId) {
      return sockets.get(workerId)?.readyState === WebSocket.OPEN;
    },
    send(workerId, message) {
      const socket = sockets.get(workerId);
      if (!socket || socket.readyState !== WebSocket.OPEN) return Promise.resolve(false);
      return new Promise((resolve) => socket.send(JSON.stringify(message), (error) => resolve(!error)));
    },
    async close() {
      closing = true;
      clearInterval(pinger);
      const open = [...sockets.values()];
      await Promise.all(
        open.map(
          (socket) =>
            new Promise<void>((resolve) => {
              if (socket.readyState === WebSocket.CLOSED) return resolve();
              const force = setTimeout(() => socket.terminate(), 2000);
              socket.once('close', () => {
                clearTimeout(force);
                resolve();
              });
              socket.close(CLOSE_GOING_AWAY, 'server shutting down');
            }),
        ),
      );
      sockets.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
