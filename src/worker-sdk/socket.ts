/**
 * The worker's WebSocket to `GET /_worker/ws/{worker_id}`: it receives `cancel_task` commands and
 * carries `progress_update` events. It reconnects with backoff until closed. The socket is an
 * optimisation for latency: cancels also arrive in heartbeat replies, so a socket that is down
 * loses nothing but speed.
 */
import WebSocket from 'ws';
import type { Backoff } from './backoff.js';
import type { WorkerLogger } from './logger.js';
import { isCancelTaskCommand } from './wire.js';

export interface WorkerSocketOptions {
  url: string;
  token: string;
  logger: WorkerLogger;
  onCancel: (taskId: string, jobId: string | undefined) => void;
  backoff: Backoff;
  /** A socket that hears nothing (not even the server's pings) this long is presumed dead and replaced. */
  idleTimeoutMs?: number;
}

/** The server closes an older socket of a worker with 4000 when a newer one connects. */
const CLOSE_REPLACED = 4000;

export class WorkerSocket {
  private socket: WebSocket | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: WorkerSocketOptions) {}

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (!this.closed && this.socket === null && this.reconnectTimer === null) this.connect();
  }

  /** Connects now instead of waiting out the backoff (after a re-registration, say). */
  reconnectNow(): void {
    if (this.closed || this.isOpen || this.socket?.readyState === WebSocket.CONNECTING) return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.options.backoff.reset();
    this.connect();
  }

  /** Sends a JSON message; false when the socket is not open (the message is dropped). */
  send(message: object): boolean {
    if (!this.socket || !this.isOpen) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  close(): void {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const socket = this.socket;
    this.socket = null;
    if (!socket) return;
    if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
    else socket.close(1000, 'worker stopping');
  }

  private connect(): void {
    const { logger } = this.options;
    const socket = new WebSocket(this.options.url, { headers: { 'X-Worker-Token': this.options.token } });
    this.socket = socket;
    socket.on('open', () => {
      this.options.backoff.reset();
      this.heard(socket);
      logger.debug({}, 'websocket connected');
    });
    socket.on('ping', () => this.heard(socket));
    socket.on('message', (data) => {
      this.heard(socket);
      this.onMessage(data.toString());
    });
    socket.on('unexpected-response', (_request, response) => {
      logger.debug({ status: response.statusCode }, 'websocket upgrade refused');
      socket.terminate();
    });
    // 'close' always follows 'error'; reconnecting happens there.
    socket.on('error', (error) => logger.debug({ err: error.message }, 'websocket error'));
    socket.on('close', (code) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.idleTimer) clearTimeout(this.idleTimer);
      if (this.closed) return;
      if (code === CLOSE_REPLACED) {
        // Another process uses this worker id; reconnecting would only push it off in turn.
        logger.warn({}, 'websocket replaced by another connection of this worker id; not reconnecting (cancels still arrive with heartbeats)');
        return;
      }
      const delay = this.options.backoff.next();
      logger.debug({ delay_ms: delay }, 'websocket closed; reconnecting');
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        if (!this.closed) this.connect();
      }, delay);
    });
  }

  /** Restarts the idle watchdog: the server pings every few seconds, so silence means a dead link. */
  private heard(socket: WebSocket): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.socket !== socket) return;
      this.options.logger.warn({}, 'websocket silent for too long; reconnecting');
      socket.terminate();
    }, this.options.idleTimeoutMs ?? 60_000);
    this.idleTimer.unref();
  }

  private onMessage(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.options.logger.warn({}, 'websocket message is not JSON; ignored');
      return;
    }
    if (isCancelTaskCommand(message)) this.options.onCancel(message.task_id, message.job_id);
    // The server answers a progress update it refused (the task ended meanwhile) with an error event.
    else this.options.logger.debug({ message }, 'websocket message ignored');
  }
}
