import type { Command } from 'commander';
import { createUser, listUsers, validateNewUser } from '@quran-sync/server';
import { withCliDatabase } from './cli-database.js';
import { resolveSecretArgument } from './secret-input.js';
import { addDatabaseOptions, configFromFlags, type DatabaseFlags } from './server-options.js';

export function registerUserCommand(program: Command): void {
  const user = program.command('user').description('manage the local users of the built-in issuer (opens the database directly)');

  addDatabaseOptions(
    user
      .command('create')
      .description('create a user who can sign in on the login page; prints the user id (the "sub" of their tokens)')
      .requiredOption('--username <name>', 'login name: 1-64 characters of A-Z a-z 0-9 . _ @ + -')
      .requiredOption('--password <password>', 'password (8+ characters); "-" reads it from stdin, keeping it out of shell history'),
  )
    .addHelpText(
      'after',
      `
Example:
  printf '%s' "$PASSWORD" | quran-sync user create --username amina --password -

Passwords are stored as scrypt hashes. Stop a server running on the same embedded --data-dir first.`,
    )
    .action(async (flags: DatabaseFlags & { username: string; password: string }) => {
      const password = await resolveSecretArgument(flags.password, 'password');
      validateNewUser({ username: flags.username, password });
      const created = await withCliDatabase(configFromFlags(flags), (database) => createUser(database.db, { username: flags.username, password }));
      process.stdout.write(`created user ${created.username} with id ${created.id}\n`);
    });

  addDatabaseOptions(user.command('list').description('list the users (id and username)').option('--json', 'print JSON instead of lines')).action(
    async (flags: DatabaseFlags & { json?: boolean }) => {
      const users = await withCliDatabase(configFromFlags(flags), (database) => listUsers(database.db));
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify(
            users.map((u) => ({ id: u.id, username: u.username, createdAt: u.createdAt.toISOString() })),
            null,
            2,
          )}\n`,
        );
        return;
      }
      process.stdout.write(users.length === 0 ? 'no users\n' : users.map((u) => `${u.id}  ${u.username}\n`).join(''));
    },
  );
}
