import { defineConfig } from 'vitest/config';

/**
 * One project per tier. Only the process tier runs `dist/` (a server or the CLI in a
 * child process), so only it builds it first (globalSetup, at most once per run): the unit tier
 * runs in seconds from a fresh checkout (`npx vitest run --project unit`).
 */
const tier = (name: string, options: { build?: boolean; timeout?: number } = {}) => ({
  extends: true as const,
  test: {
    name,
    include: [`test/${name}/**/*.test.ts`],
    ...(options.build ? { globalSetup: ['test/support/build.ts'] } : {}),
    ...(options.timeout ? { testTimeout: options.timeout } : {}),
  },
});

export default defineConfig({
  test: {
    // Generous: the suite must pass on a busy machine (two cores, other work running).
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: two files at a time keeps PGlite start-ups and Chromium from starving each other.
    maxWorkers: 2,
    reporters: ['default'],
    projects: [tier('unit', { timeout: 30_000 }), tier('db'), tier('api'), tier('process', { build: true, timeout: 120_000 }), tier('e2e', { timeout: 120_000 })],
  },
});
