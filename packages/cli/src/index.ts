export { buildCli, runCli } from './cli.js';
