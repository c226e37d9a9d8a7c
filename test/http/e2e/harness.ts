/**
 * Shared by the end-to-end suite: one real server per `describe` (started in beforeAll, closed in
 * afterAll), on the store that the suite was given. Tests in one describe use task types of their own,
 * so they cannot take each other's tasks.
 */
import { afterAll, beforeAll } from 'vitest';
import type { Store } from '../../../src/storage/contracts.js';
import { startTestServer, type TestServer, type TestServerOptions } from '../../support/server.js';

export interface SuiteOptions {
  /** A fresh store per server; undefined = the memory store. */
  store?: () => Store | Promise<Store>;
  /** A reason to skip the whole suite (e.g. redis-server is not installed). */
  skip?: string;
}

/** Starts a server for the enclosing describe; call the returned function inside tests. */
export function useServer(suite: SuiteOptions, options: Omit<TestServerOptions, 'store'> = {}): () => TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer({ ...options, ...(suite.store ? { store: suite.store } : {}) });
  });
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (!server) throw new Error('the server did not start');
    return server;
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function eventTypes(history: ReadonlyArray<{ event_type: string }>): string[] {
  return history.map((event) => event.event_type);
}
