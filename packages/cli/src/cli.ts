import { Command, CommanderError } from 'commander';
import { ConfigError, SERVER_VERSION } from '@quran-sync/server';
import { registerMigrateCommand } from './commands/migrate-command.js';
import { registerServeCommand } from './commands/serve-command.js';
import { registerSeedCommand } from './commands/seed-command.js';
import { registerContentCommand } from './commands/content-command.js';
import { registerClientCommand } from './commands/client-command.js';
import { registerUserCommand } from './commands/user-command.js';
import { registerTokenCommand } from './commands/token-command.js';
import { registerKeysCommand } from './commands/keys-command.js';
import { registerMirrorCommand } from './commands/mirror-command.js';

/**
 * The `quran-sync` command. Each subcommand lives in its own module under `commands/` and registers
 * itself here; all of them resolve configuration the same way the server does (flags over environment
 * over defaults).
 */
export function buildCli(): Command {
  const program = new Command()
    .name('quran-sync')
    .description('Self-hostable Quran.Foundation sync server: content sync, user data sync, OAuth2, editorial tools.')
    .version(SERVER_VERSION, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerServeCommand(program);
  registerMigrateCommand(program);
  registerSeedCommand(program);
  registerContentCommand(program);
  registerClientCommand(program);
  registerUserCommand(program);
  registerTokenCommand(program);
  registerKeysCommand(program);
  registerMirrorCommand(program);
  return program;
}

/** Runs the CLI and returns the process exit code; never throws. */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await buildCli().parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    process.stderr.write(`quran-sync: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}
