import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy in front of Redis that counts round trips and commands. A round trip starts when a client
 * sends bytes while it is not already waiting for a reply, and ends when Redis sends bytes back; so a
 * pipeline, a MULTI/EXEC block sent at once, or commands issued together are one round trip each, as
 * they cost one network wait. Commands (RESP arrays from the client) are counted by name. A script's
 * inner calls never cross the wire and are not counted. Push messages (pub/sub) end a wait harmlessly.
 */
export interface RoundTripCounts {
  roundTrips: number;
  commands: number;
  byCommand: Record<string, number>;
}

export interface RoundTripProxy {
  port: number;
  url: string;
  snapshot(): RoundTripCounts;
  close(): Promise<void>;
}

/** Counts client commands in a RESP byte stream that may be split anywhere. */
class RespCommandCounter {
  private buffer: Buffer = Buffer.alloc(0);
  constructor(private readonly onCommand: (name: string) => void) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const used = this.parseOne();
      if (used === 0) return;
      this.buffer = this.buffer.subarray(used);
    }
  }

  /** Parses one command at the start of the buffer; returns bytes used, or 0 when it is incomplete. */
  private parseOne(): number {
    const buf = this.buffer;
    if (buf.length === 0) return 0;
    const lineEnd = buf.indexOf('\r\n');
    if (lineEnd < 0) return 0;
    if (buf[0] !== 0x2a /* '*' */) {
      // An inline command: one line.
      this.onCommand(buf.subarray(0, lineEnd).toString('latin1').split(' ')[0]!.toUpperCase());
      return lineEnd + 2;
    }
    const count = Number(buf.subarray(1, lineEnd).toString('latin1'));
    let offset = lineEnd + 2;
    let name = '';
    for (let i = 0; i < count; i += 1) {
      const headerEnd = buf.indexOf('\r\n', offset);
      if (headerEnd < 0) return 0;
      const length = Number(buf.subarray(offset + 1, headerEnd).toString('latin1'));
      const start = headerEnd + 2;
      if (buf.length < start + length + 2) return 0;
      if (i === 0) name = buf.subarray(start, start + length).toString('latin1').toUpperCase();
      offset = start + length + 2;
    }
    this.onCommand(name);
    return offset;
  }
}

export async function startRoundTripProxy(redisPort: number): Promise<RoundTripProxy> {
  let roundTrips = 0;
  let commands = 0;
  const byCommand = new Map<string, number>();
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    const upstream = connect({ port: redisPort, host: '127.0.0.1' });
    sockets.add(client);
    sockets.add(upstream);
    let waiting = false;
    const counter = new RespCommandCounter((name) => {
      commands += 1;
      byCommand.set(name, (byCommand.get(name) ?? 0) + 1);
    });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (chunk: Buffer) => {
      if (!waiting) {
        roundTrips += 1;
        waiting = true;
      }
      counter.push(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      waiting = false;
      client.write(chunk);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    snapshot: () => ({ roundTrips, commands, byCommand: Object.fromEntries(byCommand) }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** b - a, per key. */
export function diffCounts(a: RoundTripCounts, b: RoundTripCounts): RoundTripCounts {
  const byCommand: Record<string, number> = {};
  for (const [name, value] of Object.entries(b.byCommand)) {
    const delta = value - (a.byCommand[name] ?? 0);
    if (delta !== 0) byCommand[name] = delta;
  }
  return { roundTrips: b.roundTrips - a.roundTrips, commands: b.commands - a.commands, byCommand };
}
