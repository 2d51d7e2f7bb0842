/**
 * `npm run bench`: runs every benchmark under bench/ one after another, each in its own process (so one's
 * memory and warm caches do not flatter the next), and prints their tables.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const benches = fs
  .readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && fs.existsSync(path.join(here, d.name, 'run.ts')))
  .map((d) => d.name)
  .sort();

let failed = 0;
for (const name of benches) {
  process.stdout.write(`\n## ${name}\n\n`);
  const result = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', path.join(here, name, 'run.ts')], { stdio: 'inherit', env: process.env });
  if (result.status !== 0) {
    failed++;
    process.stdout.write(`(${name} failed with exit code ${result.status})\n`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
