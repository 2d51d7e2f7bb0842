import type { Command } from 'commander';
import { migrateToLatest, openDatabase, seedContent } from '@quran-sync/server';
import { addDatabaseOptions, configFromFlags, type DatabaseFlags } from './server-options.js';

export function registerSeedCommand(program: Command): void {
  addDatabaseOptions(
    program.command('seed').description('load the bundled content (Quran text, ten translations, synthetic placeholders) into an empty database and exit'),
  )
    .addHelpText(
      'after',
      `
Opens the database directly (stop a server running on the same embedded --data-dir first: PGlite allows one
process per data directory). Migrates the schema, then seeds only when the content tables are empty; an
already seeded or edited database is left untouched. The embedded server seeds itself on first start.`,
    )
    .action(async (flags: DatabaseFlags) => {
      const config = configFromFlags(flags);
      const database = await openDatabase(config.database);
      try {
        await migrateToLatest(database.db);
        const report = await seedContent(database.db);
        process.stdout.write(
          report.seeded
            ? `seeded ${report.resources} resources (${report.rows} rows); feed head is ${report.head}\n`
            : 'content tables are not empty; nothing seeded\n',
        );
      } finally {
        await database.close();
      }
    });
}
