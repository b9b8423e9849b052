import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // the kernel tests start worker threads over shared memory; forks keep them isolated per file
    pool: 'forks',
  },
});
