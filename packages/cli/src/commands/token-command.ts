import { InvalidArgumentError, Option, type Command } from 'commander';
import { isKnownScope, parseScopeString } from '@quran-sync/protocol';
import { DEV_CLIENT_ID, loadKeyRing, signAccessToken } from '@quran-sync/server';
import { addKeyFileOptions, keyFileConfig, missingKeyFileMessage, type KeyFileFlags } from './key-file-options.js';
import { resolveTokenIssuer } from './token-issuer.js';

interface TokenFlags extends KeyFileFlags {
  user?: string;
  client: string;
  scopes: string;
  ttl: number;
  json?: boolean;
  url?: string;
}

const MAX_TTL_S = 30 * 86_400;

function parseTtl(value: string): number {
  const ttl = Number(value);
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > MAX_TTL_S) throw new InvalidArgumentError(`must be an integer number of seconds between 60 and ${MAX_TTL_S}`);
  return ttl;
}

export function registerTokenCommand(program: Command): void {
  addKeyFileOptions(
    program
      .command('token')
      .description("print a signed access token, made with the server's key file (no running server needed)")
      .option(
        '--user <id>',
        'act for this user: their id, the token\'s "sub" (see `quran-sync user list`; the dev user\'s id is dev). Omitted: a client token, as the client_credentials grant gives',
      )
      .option('--client <id>', 'the client the token is issued to (send the same value as x-client-id)', DEV_CLIENT_ID)
      .requiredOption('--scopes <scopes>', 'space-separated scopes, e.g. "content" or "bookmark collection"')
      .addOption(new Option('--ttl <seconds>', 'lifetime in seconds').default(3600).argParser(parseTtl))
      .option('--json', 'print the token as a /oauth2/token response instead of the bare token')
      .option('--url <url>', "a running server's base URL: sign for the issuer its discovery document names (default: the issuer recorded in the key file)"),
    true,
  )
    .addHelpText(
      'after',
      `
Examples:
  TOKEN=$(quran-sync token --client dev-client --scopes content)
  curl -H "x-auth-token: $TOKEN" -H "x-client-id: dev-client" http://127.0.0.1:8080/api/v4/resources/sync?...
  quran-sync token --user dev --scopes "bookmark collection" --ttl 600

The token is signed with the active key of <data-dir>/keys.json (or QS_SIGNING_KEYS_FILE) and carries the
issuer the server expects: the one the server recorded in that key file, or --issuer / QS_ISSUER, or what
the server at --url names. Neither the user nor the client is looked up: whoever can read the key file can
mint any token. After \`quran-sync keys rotate\`, restart the server before using tokens signed with the new key.`,
    )
    .action(async (flags: TokenFlags) => {
      const scopes = parseScopeString(flags.scopes);
      if (scopes.length === 0) throw new Error('--scopes names no scope');
      const unknown = scopes.filter((s) => !isKnownScope(s));
      if (unknown.length > 0) throw new Error(`unknown scope(s): ${unknown.join(', ')}`);
      const config = keyFileConfig(flags);
      const keys = await loadKeyRing(config.signingKeysFile).catch((error: NodeJS.ErrnoException) => {
        throw error.code === 'ENOENT' ? new Error(missingKeyFileMessage(config.signingKeysFile)) : error;
      });
      const { issuer, warning } = await resolveTokenIssuer({
        configured: config.issuerConfigured ? config.issuer : null,
        serverUrl: flags.url ?? null,
        keys,
        keysFile: config.signingKeysFile,
        fallback: config.issuer,
      });
      if (warning) process.stderr.write(`quran-sync token: ${warning}\n`);
      const signed = await signAccessToken(keys, { issuer, clientId: flags.client, userId: flags.user ?? null, scopes, ttlSeconds: flags.ttl });
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ access_token: signed.token, token_type: 'bearer', expires_in: flags.ttl, scope: scopes.join(' '), expires_at: signed.expiresAt })}\n`,
        );
      } else {
        process.stdout.write(`${signed.token}\n`);
      }
    });
}
