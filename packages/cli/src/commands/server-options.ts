import { Option, type Command } from 'commander';
import { resolveServerConfig, type ServerConfig, type ServerConfigInput } from '@quran-sync/server';

/** Flags shared by every command that opens the server's database or keys. */
export function addDatabaseOptions(command: Command): Command {
  return command
    .addOption(new Option('--data-dir <dir>', 'directory for the embedded database and keys.json').env('QS_DATA_DIR').default('./.quran-sync'))
    .addOption(new Option('--database-url <url>', 'PostgreSQL connection URL; without it the embedded database (PGlite) is used').env('DATABASE_URL'));
}

export interface DatabaseFlags {
  dataDir?: string;
  databaseUrl?: string;
}

/** Resolves the full server configuration from flags (Commander already applied the env fallbacks). */
export function configFromFlags(flags: DatabaseFlags & ServerConfigInput): ServerConfig {
  return resolveServerConfig({
    ...flags,
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
    ...(flags.databaseUrl ? { databaseUrl: flags.databaseUrl } : {}),
  });
}
