import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Plugin } from 'vite';

/**
 * Emits `sw.js` (from the hand-written `service-worker.js` beside this file) with the build's file list and a
 * version derived from it, so each build precaches exactly its own files and replaces the previous cache.
 */
export function serviceWorkerPlugin(): Plugin {
  return {
    name: 'quran-reader-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle)
        .filter((name) => !name.endsWith('.map') && name !== 'index.html')
        .sort();
      const version = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 12);
      const template = fs.readFileSync(new URL('./service-worker.js', import.meta.url), 'utf8');
      const source = template.replace("'__VERSION__'", JSON.stringify(version)).replace('[/* __PRECACHE__ */]', JSON.stringify(['./', ...files]));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}
