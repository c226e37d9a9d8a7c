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
}

export class WorkerSocket {
  private socket: WebSocket | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
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
      logger.debug({}, 'websocket connected');
    });
    socket.on('message', (data) => this.onMessage(data.toString()));
    socket.on('unexpected-response', (_request, response) => {
      logger.debug({ status: response.statusCode }, 'websocket upgrade refused');
      socket.terminate();
    });
    // 'close' always follows 'error'; reconnecting happens there.
    socket.on('error', (error) => logger.debug({ err: error.message }, 'websocket error'));
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.closed) return;
      const delay = this.options.backoff.next();
      logger.debug({ delay_ms: delay }, 'websocket closed; reconnecting');
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        if (!this.closed) this.connect();
      }, delay);
    });
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
    else this.options.logger.debug({ message }, 'websocket message not understood; ignored');
  }
}
