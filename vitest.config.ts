import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ once, if stale, before any file starts (the process tests run it).
    globalSetup: ['test/support/build.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    pool: 'forks',
    // Two cores: two files at a time keeps PGlite start-ups and Chromium from starving each other.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
