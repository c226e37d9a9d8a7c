import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The machine has two cores; end-to-end tests start real servers and real redis-server processes.
    maxWorkers: 2,
  },
});
