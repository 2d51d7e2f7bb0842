import { defineConfig, defaultClientConditions } from 'vite';
import { serviceWorkerPlugin } from './sw/service-worker-plugin.ts';

// Served by `quran-sync serve` under /reader/. The SDK resolves to its TypeScript sources through the
// `source` export condition (as in the repository's tests), so the reader never needs a prior SDK build.
export default defineConfig({
  base: '/reader/',
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  plugins: [serviceWorkerPlugin()],
  server: {
    // `npm run dev -w apps/reader` against a server on :8080 (same-origin calls through the proxy).
    proxy: { '^/(api|v1|oauth2|admin|\\.well-known)': 'http://127.0.0.1:8080' },
  },
});
