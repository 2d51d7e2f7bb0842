import type { Command } from 'commander';
import { migrateToLatest, openDatabase } from '@quran-sync/server';
import { addDatabaseOptions, configFromFlags, type DatabaseFlags } from './server-options.js';

export function registerMigrateCommand(program: Command): void {
  addDatabaseOptions(program.command('migrate').description('bring the database schema to the latest version and exit')).action(
    async (flags: DatabaseFlags) => {
      const config = configFromFlags(flags);
      const database = await openDatabase(config.database);
      try {
        const result = await migrateToLatest(database.db);
        const applied = result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
        process.stdout.write(applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      } finally {
        await database.close();
      }
    },
  );
}
