import fs from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { CONTENT_WRITE_SCOPE, RESOURCE_GROUP_NAMES, RESOURCE_STATUSES } from '@quran-sync/protocol';

/**
 * `quran-sync content …`: the editorial API of a RUNNING server (`/admin/v1`), so edits go through the
 * feed writer of the process that owns the database (PGlite admits one process per data directory).
 * Credentials: `--token` (an access token with scope content.write; its client id is read from the token
 * unless `--client` is given), or `--client` + `--secret`, exchanged at `<url>/oauth2/token` for a
 * client-credentials token with scope content.write.
 */
interface ConnectionFlags {
  url: string;
  token?: string;
  client?: string;
  secret?: string;
}

export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`server answered ${status}: ${body}`);
    this.name = 'AdminApiError';
  }
}

function addConnectionOptions(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', 'base URL of the running server').env('QS_URL').default('http://127.0.0.1:8080'))
    .addOption(new Option('--token <token>', `access token with scope ${CONTENT_WRITE_SCOPE}`).env('QS_ADMIN_TOKEN'))
    .addOption(new Option('--client <id>', 'OAuth client id (with --secret: client-credentials login)').env('QS_CLIENT_ID'))
    .addOption(new Option('--secret <secret>', 'OAuth client secret').env('QS_CLIENT_SECRET'));
}

/** The `client_id` claim of a JWT access token, without verifying it (the server does that). */
function clientIdOfToken(token: string): string | null {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    return typeof claims.client_id === 'string' ? claims.client_id : typeof claims.azp === 'string' ? claims.azp : null;
  } catch {
    return null;
  }
}

async function credentials(flags: ConnectionFlags): Promise<{ token: string; clientId: string }> {
  const base = flags.url.replace(/\/+$/, '');
  if (flags.token) {
    const clientId = flags.client || clientIdOfToken(flags.token);
    if (!clientId) throw new Error('cannot tell the client id of --token; pass --client');
    return { token: flags.token, clientId };
  }
  if (!flags.client || !flags.secret) throw new Error('give --token, or --client and --secret');
  const response = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${flags.client}:${flags.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: CONTENT_WRITE_SCOPE }),
  });
  const text = await response.text();
  if (!response.ok) throw new AdminApiError(response.status, text);
  const token = (JSON.parse(text) as { access_token?: string }).access_token;
  if (!token) throw new Error('token endpoint answered without access_token');
  return { token, clientId: flags.client };
}

export async function callAdminApi(flags: ConnectionFlags, method: string, path: string, body?: unknown): Promise<unknown> {
  const { token, clientId } = await credentials(flags);
  const response = await fetch(`${flags.url.replace(/\/+$/, '')}/admin/v1${path}`, {
    method,
    headers: { 'x-auth-token': token, 'x-client-id': clientId, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new AdminApiError(response.status, text);
  return text ? JSON.parse(text) : null;
}

async function readJson(source: string): Promise<unknown> {
  const text = source === '-' ? await readStdin() : await fs.readFile(source, 'utf8');
  return JSON.parse(text);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const resourcePath = (group: string, id: string) => `/resources/${encodeURIComponent(group)}/${encodeURIComponent(id)}`;
const GROUPS = `groups: ${RESOURCE_GROUP_NAMES.join(', ')}`;

export function registerContentCommand(program: Command): void {
  const content = program
    .command('content')
    .description('edit content on a running server through its editorial API (/admin/v1, scope content.write)')
    .addHelpText(
      'after',
      `
Every subcommand takes --url (QS_URL, default http://127.0.0.1:8080) and credentials: --token (QS_ADMIN_TOKEN)
or --client/--secret (QS_CLIENT_ID/QS_CLIENT_SECRET, exchanged at <url>/oauth2/token for a content.write
token). Each call is one transaction; its changes reach clients through the content sync feed.
${GROUPS}`,
    );

  addConnectionOptions(content.command('show').description('print a resource as stored (any status)').argument('<group>').argument('<id>')).action(
    async (group: string, id: string, flags: ConnectionFlags) => print(await callAdminApi(flags, 'GET', resourcePath(group, id))),
  );

  addConnectionOptions(
    content
      .command('put')
      .description('create or update a resource; status changes emit RESOURCE_CREATE/RESOURCE_DELETE, metadata changes RESOURCE_UPDATE')
      .argument('<group>')
      .argument('<id>')
      .addOption(new Option('--status <status>', 'visibility').choices([...RESOURCE_STATUSES]))
      .option('--reason <text>', 'editorial note on the status change (not sent to clients)')
      .option('--metadata <json>', 'metadata object as JSON, or @file.json')
      .option('--resource-content-id <n>', 'resource_content_id (groups whose resources have their own)'),
  ).action(async (group: string, id: string, flags: ConnectionFlags & { status?: string; reason?: string; metadata?: string; resourceContentId?: string }) => {
    const body: Record<string, unknown> = {};
    if (flags.status) body.status = flags.status;
    if (flags.reason !== undefined) body.reason = flags.reason;
    if (flags.metadata !== undefined) body.metadata = flags.metadata.startsWith('@') ? await readJson(flags.metadata.slice(1)) : JSON.parse(flags.metadata);
    if (flags.resourceContentId !== undefined) body.resource_content_id = Number(flags.resourceContentId);
    print(await callAdminApi(flags, 'PUT', resourcePath(group, id), body));
  });

  addConnectionOptions(
    content
      .command('rows')
      .description('upsert and delete rows of a resource from a JSON file {"upsert": [{record_type?, id, …}], "delete": [{record_type, id}]}')
      .argument('<group>')
      .argument('<id>')
      .requiredOption('--file <path>', 'JSON body ("-" reads standard input)'),
  ).action(async (group: string, id: string, flags: ConnectionFlags & { file: string }) => {
    print(await callAdminApi(flags, 'POST', `${resourcePath(group, id)}/rows`, await readJson(flags.file)));
  });

  addConnectionOptions(
    content.command('invalidate').description('emit RESOURCE_INVALIDATE: clients refetch the whole snapshot').argument('<group>').argument('<id>'),
  ).action(async (group: string, id: string, flags: ConnectionFlags) => print(await callAdminApi(flags, 'POST', `${resourcePath(group, id)}/invalidate`)));

  addConnectionOptions(content.command('compact').description('run feed compaction and retention now')).action(async (flags: ConnectionFlags) =>
    print(await callAdminApi(flags, 'POST', '/compact')),
  );
}
