import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/**
 * `GET /`: where a person who opens the server's address in a browser learns what it is and where to go —
 * the reader, the API reference, the probes and how to get a token. A client that asks for JSON gets the
 * same links as a small index. Not part of the API, so not in the OpenAPI document.
 *
 * Links are relative, so they stay right behind a reverse proxy that serves the server under a path prefix.
 * The page is static: no scripts, and its one inline style is allowed by hash, not by `'unsafe-inline'`.
 */
export interface LandingPageOptions {
  readonly version: string;
  readonly readerEnabled: boolean;
  /** Tokens come from this server (`builtin`), or from an external issuer the operator runs. */
  readonly builtinIssuer: boolean;
}

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}' +
  'code,pre{font:14px ui-monospace,monospace;background:#f3f3f5;border-radius:4px}pre{padding:.75rem;overflow-x:auto}' +
  'code{padding:0 .2rem}li{margin:.3rem 0}small{color:#666}';

export const LANDING_PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

interface LandingLink {
  readonly id: string;
  readonly href: string;
  readonly title: string;
  readonly description: string;
}

function linksOf(options: LandingPageOptions): LandingLink[] {
  return [
    ...(options.readerEnabled ? [{ id: 'reader', href: 'reader/', title: 'Reader', description: 'the offline-first Quran reader built on this server' }] : []),
    { id: 'docs', href: 'docs', title: 'API reference', description: 'every endpoint, browsable' },
    { id: 'openapi', href: 'openapi.json', title: 'OpenAPI document', description: 'OpenAPI 3.1, for code generators' },
    { id: 'health', href: 'health', title: 'Health', description: 'liveness probe' },
    { id: 'ready', href: 'ready', title: 'Ready', description: 'readiness probe (503 while start-up seeding runs)' },
  ];
}

function renderPage(options: LandingPageOptions): string {
  const items = linksOf(options)
    .map((link) => `<li><a href="${link.href}">${link.title}</a> <small>— ${link.description}</small></li>`)
    .join('\n');
  const tokens = options.builtinIssuer
    ? `<p>An app token (client credentials), as <code>@quranjs/api</code> requests it:</p>
<pre>curl -u CLIENT_ID:CLIENT_SECRET -d grant_type=client_credentials -d scope=content BASE/oauth2/token</pre>
<p>A user token without a browser, on the machine that runs the server (it signs with the server's key file):</p>
<pre>npx quran-sync token --user USER_ID --scopes "sync bookmark collection note reading_session preference"</pre>
<p>Send it as <code>x-auth-token</code> with <code>x-client-id</code>. On a development server the start-up output
names the development client and user.</p>`
    : `<p>Access tokens come from this deployment's OAuth2 issuer; send them as <code>x-auth-token</code> (or
<code>Authorization: Bearer</code>) with <code>x-client-id</code>.</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Quran Sync</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Quran Sync <small>${options.version}</small></h1>
<p>A self-hosted Quran.Foundation sync server: content sync, user data sync and OAuth2.</p>
<ul>
${items}
</ul>
<h2>Getting a token</h2>
${tokens}
</body>
</html>
`;
}

/** JSON only when the client prefers it: browsers, and curl (which accepts anything), get the page. */
function wantsJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((part) => part.split(';', 1)[0]!.trim().toLowerCase());
  const json = types.indexOf('application/json');
  const html = types.indexOf('text/html');
  return json !== -1 && (html === -1 || json < html);
}

export function registerLandingPage(app: FastifyInstance, options: LandingPageOptions): void {
  const html = renderPage(options);
  const index = {
    name: 'quran-sync',
    version: options.version,
    links: Object.fromEntries(linksOf(options).map((link) => [link.id, `/${link.href}`])),
    token: options.builtinIssuer ? '/oauth2/token' : null,
  };
  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    reply.header('cache-control', 'no-cache').header('vary', 'accept');
    if (wantsJson(request.headers.accept)) return reply.type('application/json; charset=utf-8').send(index);
    return reply.type('text/html; charset=utf-8').header('content-security-policy', LANDING_PAGE_CSP).send(html);
  });
}
