/**
 * IPC messages between the bench (parent) and a server child process. The child reports its port when
 * it listens and answers probes with its own view of memory and event-loop delay, which no outside
 * reading of /proc can give.
 */
export interface ReadyMessage {
  type: 'ready';
  port: number;
}

export interface FailedMessage {
  type: 'failed';
  error: string;
}

export type ProbeAction = 'stats' | 'reset' | 'gc' | 'configure';

/** Settings a server may change while it runs (the ceiling's shape of a job). */
export type ProbeConfig = Record<string, number | boolean>;

export interface ProbeRequest {
  type: 'probe';
  id: number;
  action: ProbeAction;
  config?: ProbeConfig;
}

export interface EventLoopDelay {
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export interface ProbeStats {
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  rssBytes: number;
  /** Event-loop delay in milliseconds since the last reset. */
  eventLoopDelayMs: EventLoopDelay;
  /** Extra figures a server chooses to report (e.g. waiting long-polls). */
  extra: Record<string, number>;
}

export interface ProbeReply {
  type: 'probe-reply';
  id: number;
  stats: ProbeStats;
}

export type ChildMessage = ReadyMessage | FailedMessage | ProbeReply;
