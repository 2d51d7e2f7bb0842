import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the `source` export condition, so tests
// never depend on a prior build.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
    // Real-Chromium tests have their own runner (npm run test:browser:stores, packages/client/vitest.browser.config.ts).
    exclude: ['**/node_modules/**', '**/*.browser.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Vitest's default is one worker less than the CPUs: one on a 2-core machine, where most test time is
    // spent waiting (HTTP, databases, child processes). Two workers there halved the wall time of a mixed set
    // of files for the same CPU time; three were no faster (docs/testing.md).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    globalSetup: ['packages/server/src/testing/vitest-global-setup.ts'],
    // The default reporter counts skipped tests; this one also says which, and why.
    reporters: ['default', './packages/server/src/testing/skip-reasons-reporter.ts'],
  },
});
