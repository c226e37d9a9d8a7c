/**
 * The end-to-end suite: the real server over real HTTP with real workers, on whatever store the
 * caller gives. The memory run is e2e.test.ts; a Redis run is three lines:
 *
 *   import { runEndToEndSuite } from './e2e-suite.js';
 *   runEndToEndSuite('redis', { store: () => createRedisStore({ url, prefix }) });
 */
import { describe } from 'vitest';
import { authTests } from './e2e/auth.js';
import { clientTests } from './e2e/clients.js';
import { dispatchTests } from './e2e/dispatch.js';
import type { SuiteOptions } from './e2e/harness.js';
import { limitTests } from './e2e/limits.js';
import { publicTests } from './e2e/public.js';
import { resultTests } from './e2e/results.js';
import { stateTypeTests } from './e2e/state-types.js';

export type { SuiteOptions } from './e2e/harness.js';

export function runEndToEndSuite(label: string, options: SuiteOptions = {}): void {
  describe.skipIf(options.skip !== undefined)(`end to end (${label} store)${options.skip ? `: skipped, ${options.skip}` : ''}`, () => {
    stateTypeTests(options);
    resultTests(options);
    dispatchTests(options);
    clientTests(options);
    publicTests(options);
    authTests(options);
    limitTests(options);
  });
}
