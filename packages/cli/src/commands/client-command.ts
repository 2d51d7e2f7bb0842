import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import { createClient, GRANT_TYPES, listClients, validateNewClient, type NewClient } from '@quran-sync/server';
import { withCliDatabase } from './cli-database.js';
import { resolveSecretArgument } from './secret-input.js';
import { addDatabaseOptions, configFromFlags, type DatabaseFlags } from './server-options.js';

interface ClientCreateFlags extends DatabaseFlags {
  id: string;
  secret?: string;
  scopes: string;
  redirectUri?: string[];
  public?: boolean;
  name?: string;
  grantTypes?: string;
}

export function registerClientCommand(program: Command): void {
  const client = program.command('client').description('manage the OAuth2 clients of the built-in issuer (opens the database directly)');

  addDatabaseOptions(
    client
      .command('create')
      .description('register an OAuth2 client (an app that may ask for tokens)')
      .requiredOption('--id <id>', 'client id: 1-128 characters of A-Z a-z 0-9 . _ ~ -')
      .option('--secret <secret>', 'client secret (8+ printable characters); "-" reads it from stdin; omitted: one is generated and printed')
      .requiredOption('--scopes <scopes>', 'space-separated scopes the client may request, e.g. "content bookmark openid offline_access"')
      .addOption(
        new Option('--redirect-uri <uri>', 'allowed redirect URI for the authorization-code flow (repeatable)').argParser(
          (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
        ),
      )
      .option('--public', 'public client (browser or mobile app): no secret, authenticates with PKCE only')
      .option('--name <name>', 'name shown on the login page (default: the id)')
      .option(
        '--grant-types <types>',
        `space-separated grant types among ${GRANT_TYPES.join(', ')} (default: client_credentials, plus authorization_code and refresh_token when a redirect URI is given; public: authorization_code refresh_token)`,
      ),
  )
    .addHelpText(
      'after',
      `
Examples:
  quran-sync client create --id reader --scopes "content" --secret -        (secret from stdin)
  quran-sync client create --id web --public --scopes "bookmark openid offline_access" \\
      --redirect-uri https://reader.example/callback --name "My Reader"

Redirect URIs match exactly, except that http loopback URIs (127.0.0.1, [::1], localhost) match on any port
(RFC 8252). Stop a server running on the same embedded --data-dir first.`,
    )
    .action(async (flags: ClientCreateFlags) => {
      if (flags.public && flags.secret !== undefined) throw new Error('--public and --secret exclude each other: a public client has no secret');
      const generated = !flags.public && flags.secret === undefined ? randomBytes(24).toString('base64url') : null;
      const secret = flags.public ? null : (generated ?? (await resolveSecretArgument(flags.secret!, 'client secret')));
      const definition: NewClient = {
        id: flags.id,
        ...(flags.name ? { name: flags.name } : {}),
        secret,
        scopes: flags.scopes,
        redirectUris: flags.redirectUri ?? [],
        ...(flags.grantTypes ? { grantTypes: flags.grantTypes.split(/[\s,]+/).filter(Boolean) } : {}),
      };
      validateNewClient(definition); // fail before opening (and maybe waiting for) the database
      const created = await withCliDatabase(configFromFlags(flags), (database) => createClient(database.db, definition));
      process.stdout.write(
        `created ${created.secretHash === null ? 'public' : 'confidential'} client ${created.id}\n` +
          `  scopes:        ${created.allowedScopes.join(' ')}\n` +
          `  grant types:   ${created.grantTypes.join(' ')}\n` +
          (created.redirectUris.length > 0 ? `  redirect URIs: ${created.redirectUris.join(' ')}\n` : '') +
          (generated ? `  secret:        ${generated}   (shown once: store it now)\n` : ''),
      );
    });

  addDatabaseOptions(client.command('list').description('list the registered OAuth2 clients').option('--json', 'print JSON instead of a table')).action(
    async (flags: DatabaseFlags & { json?: boolean }) => {
      const clients = await withCliDatabase(configFromFlags(flags), (database) => listClients(database.db));
      if (flags.json) {
        const rows = clients.map((c) => ({
          id: c.id,
          name: c.name,
          public: c.secretHash === null,
          scopes: c.allowedScopes,
          grantTypes: c.grantTypes,
          redirectUris: c.redirectUris,
          createdAt: c.createdAt.toISOString(),
        }));
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      if (clients.length === 0) {
        process.stdout.write('no clients\n');
        return;
      }
      for (const c of clients) {
        process.stdout.write(
          `${c.id}  (${c.secretHash === null ? 'public' : 'confidential'}, "${c.name}")\n` +
            `  scopes:        ${c.allowedScopes.join(' ')}\n` +
            `  grant types:   ${c.grantTypes.join(' ')}\n` +
            (c.redirectUris.length > 0 ? `  redirect URIs: ${c.redirectUris.join(' ')}\n` : ''),
        );
      }
    },
  );
}
