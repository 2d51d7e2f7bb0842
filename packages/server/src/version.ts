import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** The server package's version, reported by OpenAPI and the CLI. */
export const SERVER_VERSION: string = (require('../package.json') as { version: string }).version;
