/**
 * Cross-process notices over Redis pub/sub. Each process holds ONE subscriber connection and fans the
 * messages out in memory, so 2,000 long-polls waiting on one process cost no Redis connection each.
 *
 * Two channels (names from keys.ts):
 * - wake: a task of a type was queued by any process; the message is the task type. The commit script
 *   PUBLISHes it itself, so waking costs no extra round trip.
 * - cancel: a CancelNotice JSON; the process holding that worker's WebSocket delivers it.
 *
 * Pub/sub is at-most-once: a message sent while the subscriber is reconnecting is lost. So after every
 * re-subscription each task-queued listener gets `null` ("re-check every queue").
 */
import type { Notifier } from '../contracts.js';
import type { CancelNotice } from '../types.js';
import type { RedisClient } from './connection.js';

export interface RedisNotifier extends Notifier {
  /** Subscribes on `subscriber` and publishes cancels on `publisher`; resolves once subscribed. */
  attach(subscriber: RedisClient, publisher: RedisClient, channels: { wake: string; cancel: string }): Promise<void>;
  detach(): void;
  /** Local listeners, for metrics and tests. */
  listenerCount(): number;
}

export function createRedisNotifier(wrap: <T>(call: () => Promise<T>) => Promise<T>): RedisNotifier {
  const wakeListeners = new Set<(taskType: string | null) => void>();
  const cancelListeners = new Set<(notice: CancelNotice) => void>();
  let attached: { subscriber: RedisClient; publisher: RedisClient; channels: { wake: string; cancel: string } } | null = null;
  let subscribed = false;

  const emitWake = (taskType: string | null): void => {
    // Copy first: a waiting poll usually removes its listener when it fires.
    for (const listener of [...wakeListeners]) listener(taskType);
  };

  const onMessage = (channel: string, message: string): void => {
    if (!attached) return;
    if (channel === attached.channels.wake) {
      emitWake(message);
    } else if (channel === attached.channels.cancel) {
      let notice: CancelNotice;
      try {
        notice = JSON.parse(message) as CancelNotice;
      } catch {
        return;
      }
      for (const listener of [...cancelListeners]) listener({ ...notice });
    }
  };

  // 'ready' fires again after every reconnect, once ioredis has re-subscribed.
  const onReady = (): void => {
    if (subscribed) emitWake(null);
  };

  return {
    async attach(subscriber, publisher, channels) {
      attached = { subscriber, publisher, channels };
      subscriber.on('message', onMessage);
      subscriber.on('ready', onReady);
      await subscriber.subscribe(channels.wake, channels.cancel);
      subscribed = true;
    },
    detach() {
      subscribed = false;
      if (attached) {
        attached.subscriber.off('message', onMessage);
        attached.subscriber.off('ready', onReady);
      }
      attached = null;
      wakeListeners.clear();
      cancelListeners.clear();
    },
    onTaskQueued(listener) {
      wakeListeners.add(listener);
      return () => wakeListeners.delete(listener);
    },
    onCancel(listener) {
      cancelListeners.add(listener);
      return () => cancelListeners.delete(listener);
    },
    publishCancel(notice) {
      return wrap(async () => {
        if (!attached) throw new Error('the Redis store is not started');
        await attached.publisher.publish(attached.channels.cancel, JSON.stringify(notice));
      });
    },
    listenerCount() {
      return wakeListeners.size + cancelListeners.size;
    },
  };
}
