#!/usr/bin/env node
// Committed launcher for the `quran-sync` bin: npm links a workspace bin at install time only if the file
// exists, and dist/ appears only after `npm run build` — so the link points here, and this loads the build.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('quran-sync is not built yet: run `npm run build` (or `npm start`) at the repository root first.\n');
  process.exit(1);
}
await import(entry.href);
