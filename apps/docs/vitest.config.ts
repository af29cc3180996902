import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // the two files (browser crawl, Node snippets) mostly wait on other processes: run them side by side
    fileParallelism: true,
    maxWorkers: 2,
  },
});
