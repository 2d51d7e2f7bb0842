import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The reader's end-to-end tests (npm run test:browser:reader): real server, real Chromium. Kept out of
// `npm test` (its include is src/**) and run one file at a time: each drives a browser and a seeded server.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['apps/reader/e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 240_000,
    // A shared CI machine can be slow to render: polls wait up to 20 s (the default is 1 s).
    expect: { poll: { timeout: 20_000, interval: 100 } },
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['packages/server/src/testing/vitest-global-setup.ts'],
  },
});
