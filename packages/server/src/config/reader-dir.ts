import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnvBoolean } from './env-boolean-words.js';

/**
 * The build of `apps/reader` in this repository, found from this module's own location (the same depth under
 * `packages/server/src` and `packages/server/dist`), so `npm start` serves it with no configuration.
 */
export const REPOSITORY_READER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../apps/reader/dist');

/** A directory is a reader build when it has the app's page. */
export function isReaderBuild(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'index.html'));
}

/**
 * Where the reader is served from: an explicit directory (flag or `QS_READER_DIR`, which must hold a build),
 * `false`/`off` for none, else the repository's build when it exists. A missing explicit build is not an
 * error here (the server still starts; the routes answer 404 and the log says why), so a deployment that
 * builds the app after the server starts is not refused.
 */
export function resolveReaderDir(input: string | false | undefined, env: string | undefined): string | null {
  if (input === false) return null;
  const raw = input ?? (env !== undefined && env !== '' ? env : undefined);
  if (raw !== undefined && parseEnvBoolean(raw) === false) return null;
  if (raw !== undefined) return path.resolve(raw);
  return isReaderBuild(REPOSITORY_READER_DIR) ? REPOSITORY_READER_DIR : null;
}
