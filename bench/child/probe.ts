import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ChildMessage, ProbeConfig, ProbeRequest, ProbeStats } from './probe-protocol.js';

/**
 * Installed in a server child process: answers the parent's probes over IPC. The event-loop delay is
 * sampled every 10 ms by perf_hooks (how late each 10 ms timer fired); `reset` starts a new window.
 */
export function installProbe(
  extra: () => Record<string, number> = () => ({}),
  configure: (config: ProbeConfig) => void = () => {},
): void {
  const resolutionMs = 10;
  const delay = monitorEventLoopDelay({ resolution: resolutionMs });
  delay.enable();

  const stats = (): ProbeStats => {
    const memory = process.memoryUsage();
    // The histogram records the whole interval between samples, so the sampling period is taken off.
    const ms = (ns: number): number => Math.max(0, ns / 1e6 - resolutionMs);
    return {
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
      externalBytes: memory.external,
      arrayBuffersBytes: memory.arrayBuffers,
      rssBytes: memory.rss,
      eventLoopDelayMs: {
        p50: ms(delay.percentile(50)),
        p99: ms(delay.percentile(99)),
        max: ms(delay.max),
        mean: ms(delay.mean),
      },
      extra: extra(),
    };
  };

  process.on('message', (raw: unknown) => {
    const message = raw as ProbeRequest;
    if (message?.type !== 'probe') return;
    if (message.action === 'reset') delay.reset();
    if (message.action === 'configure' && message.config) configure(message.config);
    if (message.action === 'gc') {
      // Needs --expose-gc; several passes so that weakly held and finalised objects are gone too.
      const gc = (globalThis as { gc?: () => void }).gc;
      for (let i = 0; i < 4; i += 1) gc?.();
    }
    send({ type: 'probe-reply', id: message.id, stats: stats() });
  });
  // The parent going away must not leave a server behind.
  process.on('disconnect', () => process.exit(0));
}

export function send(message: ChildMessage): void {
  process.send?.(message);
}
