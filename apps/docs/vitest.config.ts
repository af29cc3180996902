import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // the e2e files (site crawl, live pages) mostly wait on chromium: run them side by side
    fileParallelism: true,
    maxWorkers: 2,
  },
});
