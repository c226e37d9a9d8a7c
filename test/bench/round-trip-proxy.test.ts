import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedis, type BenchRedis } from '../../bench/redis/redis-server.js';
import { diffCounts, startRoundTripProxy, type RoundTripProxy } from '../../bench/redis/round-trip-proxy.js';
import { hasTool } from '../support/tools.js';

/** The proxy that the bench uses to count Redis round trips per job. */
describe.skipIf(!hasTool('redis-server'))('Redis round-trip proxy', () => {
  let redis: BenchRedis;
  let proxy: RoundTripProxy;
  let client: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    proxy = await startRoundTripProxy(redis.port);
    client = new Redis({ port: proxy.port, host: '127.0.0.1' });
    await client.ping();
  });

  afterAll(async () => {
    client?.disconnect();
    await proxy?.close();
    await redis?.stop();
  });

  it('counts each awaited command as one round trip', async () => {
    const before = proxy.snapshot();
    await client.set('a', '1');
    await client.get('a');
    const counts = diffCounts(before, proxy.snapshot());
    expect(counts.roundTrips).toBe(2);
    expect(counts.byCommand).toEqual({ SET: 1, GET: 1 });
  });

  it('counts a pipeline as one round trip and all of its commands', async () => {
    const before = proxy.snapshot();
    await client.pipeline().set('b', '2').incr('c').get('b').exec();
    const counts = diffCounts(before, proxy.snapshot());
    expect(counts.roundTrips).toBe(1);
    expect(counts.commands).toBe(3);
  });

  it('counts a script as one command, not the calls inside it', async () => {
    const before = proxy.snapshot();
    await client.eval("redis.call('SET', KEYS[1], '1'); return redis.call('INCR', KEYS[1])", 1, 'd');
    const counts = diffCounts(before, proxy.snapshot());
    expect(counts.roundTrips).toBe(1);
    expect(counts.byCommand).toEqual({ EVAL: 1 });
  });

  it('parses commands split across packets', async () => {
    const before = proxy.snapshot();
    await client.set('big', 'x'.repeat(200_000));
    const counts = diffCounts(before, proxy.snapshot());
    expect(counts.byCommand).toEqual({ SET: 1 });
  });
});
