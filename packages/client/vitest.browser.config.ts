import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { tabCommands } from './src/testing/browser/tab-commands.js';

/**
 * `npm run test:browser:stores`: the SDK's IndexedDB stores and cross-tab coordination in REAL Chromium
 * (Debian's /usr/bin/chromium, headless), through Vitest's browser mode. Only `*.browser.test.ts` files run
 * here; the root config (Node, fake-indexeddb) excludes them. A real server runs on the Node side
 * (global setup) and the tests reach it over HTTP with CORS.
 */
export default defineConfig({
  // Paths below are relative to packages/client, wherever the command runs from.
  root: import.meta.dirname,
  // Workspace packages from their TypeScript sources, in the browser and in the Node-side global setup.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  environments: { __vitest__: { resolve: { conditions: ['source', 'module', 'node', 'development|production'], externalConditions: ['source'] } } },
  // Pre-bundled up front: discovering one mid-run makes Vite reload the page under a running test.
  optimizeDeps: { include: ['idb', 'fast-check', '@sinclair/typebox', '@sinclair/typebox/value'] },
  test: {
    include: ['src/**/*.browser.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['../server/src/testing/vitest-global-setup.ts', './src/testing/browser/browser-global-setup.ts'],
    // One file at a time: tests open extra tabs in the shared browser, and the machine is small.
    fileParallelism: false,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: {
          executablePath: process.env.QS_CHROMIUM ?? '/usr/bin/chromium',
          args: ['--no-sandbox', '--disable-background-networking'],
        },
      }),
      instances: [{ browser: 'chromium' }],
      commands: tabCommands,
      screenshotFailures: false,
    },
  },
});
