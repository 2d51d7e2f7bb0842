import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { standardError } from '../../http/api-error.js';
import { contentAnswer, emptyAnswer, envelopeSchema, errorAnswer, mediaAnswer } from '../../http/response-docs.js';
import { saveAuthorizationCode } from './authorization-code-repository.js';
import { type AUTHORIZATION_PARAMETERS, checkAuthorizationRequest, clientRedirect, type AuthorizationRequest } from './authorization-request.js';
import type { IssuerDependencies } from './issuer-dependencies.js';
import { LOGIN_COOKIE, LOGIN_FORM_TTL_S, LoginFormTokens, readCookie } from './login-form-token.js';
import { LOGIN_PAGE_CSP, renderErrorPage, renderLoginPage } from './login-page.js';
import { generateOpaqueToken } from './opaque-token.js';
import { verifyUserCredentials } from './user-repository.js';

/** Authorization codes live 5 minutes: enough for a slow redirect, short enough to limit a leak. */
export const AUTHORIZATION_CODE_TTL_S = 300;

/**
 * Sign-in attempts per minute and address, on top of the general per-client limits (which are sized for
 * API traffic, far too generous for password guessing). Applies when rate limiting is enabled.
 */
export const LOGIN_ATTEMPTS_PER_MINUTE = 20;

const HTML = { type: 'string', description: 'An HTML page' };
const routeSchema = (summary: string, response: Record<number, unknown>) => ({
  tags: ['oauth2'],
  summary,
  description:
    'Parameters (query on GET, form body on POST): response_type=code, client_id, redirect_uri, scope, state, ' +
    'code_challenge, code_challenge_method=S256, nonce. Answers an HTML page or a redirect to the client.',
  response: {
    302: emptyAnswer("Back to the client's redirect_uri, with `code` or `error` (and `state`, `iss`)"),
    // The page says what is wrong when the client cannot be trusted with a redirect (RFC 6749 §4.1.2.1);
    // a malformed request body is refused in the OAuth2 envelope before any page is built.
    400: contentAnswer('An invalid request from an untrusted client, or an expired sign-in form', {
      'text/html': HTML,
      'application/json': envelopeSchema('oauth2'),
    }),
    ...response,
  },
});

/**
 * `GET /oauth2/auth` shows a login + consent page; `POST /oauth2/auth` checks the credentials and redirects
 * back to the client with a one-time code.
 *
 * Hand-written rather than run through @node-oauth/oauth2-server's AuthorizeHandler: that handler expects
 * the user to be authenticated already (by a session), redirects on every error including an untrusted
 * client (RFC 6749 §4.1.2.1 forbids that), treats PKCE as optional and allows an empty redirect match by
 * default. The code it would store is ours either way; the token exchange of the code does go through the
 * library (see token-endpoint.ts).
 */
export function registerAuthorizationEndpoint(app: FastifyInstance, deps: IssuerDependencies): void {
  const formTokens = new LoginFormTokens(deps.keys.syncTokenSecret);
  // Behind a proxy that serves us under a path prefix (QS_PUBLIC_URL=https://host/sync) the form must post,
  // and the cookie be scoped, to that prefix; behind a TLS proxy the cookie is Secure.
  const publicPath = deps.publicUrl ? new URL(deps.publicUrl).pathname.replace(/\/+$/, '') : '';
  const endpointPath = `${publicPath}/oauth2/auth`;
  const secureCookie = deps.publicUrl?.startsWith('https:') ?? false;

  app.get(
    '/oauth2/auth',
    { schema: routeSchema('Authorization endpoint: login and consent page', { 200: mediaAnswer('text/html', 'The sign-in and consent page') }) },
    async (request, reply) => {
      const check = await checkAuthorizationRequest(deps.db, request.query as Record<string, unknown>);
      if (check.kind !== 'valid') return answerInvalid(reply, check, deps);
      const existing = readCookie(request.headers.cookie, LOGIN_COOKIE);
      const browserSecret = existing !== null && /^[A-Za-z0-9_-]{43}$/.test(existing) ? existing : formTokens.newBrowserSecret();
      setLoginCookie(reply, browserSecret, endpointPath, secureCookie || request.protocol === 'https');
      return sendLoginPage(reply, 200, check.request, formTokens.issue(browserSecret, bindings(check.request)), { action: endpointPath });
    },
  );

  // A limiter of its own, checked explicitly: @fastify/rate-limit runs only the first limiter hook of a
  // request, and the app-wide per-client hook always comes first.
  const loginLimit = app.hasDecorator('createRateLimit')
    ? app.createRateLimit({ max: LOGIN_ATTEMPTS_PER_MINUTE, timeWindow: 60_000, keyGenerator: (request) => `login:${request.ip}` })
    : null;
  const limitLogins = async (request: FastifyRequest): Promise<void> => {
    const verdict = await loginLimit?.(request);
    if (verdict && !verdict.isAllowed && verdict.isExceeded) {
      const seconds = Math.max(1, verdict.ttlInSeconds);
      throw standardError(429, `Too many sign-in attempts, retry in ${seconds} s`, { 'retry-after': String(seconds) });
    }
  };

  app.post(
    '/oauth2/auth',
    {
      schema: routeSchema('Authorization endpoint: sign in and consent', {
        401: mediaAnswer('text/html', 'Wrong username or password: the page again'),
        429: errorAnswer(429, 'standard', 'Too many sign-in attempts from this address'),
      }),
      preHandler: limitLogins,
    },
    async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const check = await checkAuthorizationRequest(deps.db, body);
      if (check.kind !== 'valid') return answerInvalid(reply, check, deps);
      const authz = check.request;

      const browserSecret = readCookie(request.headers.cookie, LOGIN_COOKIE);
      const formToken = typeof body.form_token === 'string' ? body.form_token : '';
      if (!formTokens.verify(formToken, browserSecret, bindings(authz))) {
        return sendHtml(reply, 400, renderErrorPage('This sign-in form has expired or was not submitted from this server.'));
      }
      if (body.decision === 'deny') {
        return reply.redirect(
          clientRedirect(authz.redirectUri, { error: 'access_denied', error_description: 'The user denied the request', state: authz.state, iss: deps.issuer }),
          302,
        );
      }

      const username = typeof body.username === 'string' ? body.username : '';
      const password = typeof body.password === 'string' ? body.password : '';
      const user = await verifyUserCredentials(deps.db, username, password);
      if (!user) {
        request.log.info({ clientId: authz.client.id }, 'oauth2 login failed');
        return sendLoginPage(reply, 401, authz, formTokens.issue(browserSecret!, bindings(authz)), {
          action: endpointPath,
          username,
          error: 'Wrong username or password.',
        });
      }

      const code = generateOpaqueToken();
      await saveAuthorizationCode(deps.db, code, {
        grantId: randomUUID(),
        clientId: authz.client.id,
        userId: user.id,
        redirectUri: authz.redirectUri,
        scopes: authz.scopes,
        codeChallenge: authz.codeChallenge,
        codeChallengeMethod: authz.codeChallengeMethod,
        nonce: authz.nonce,
        authTime: new Date(),
        expiresAt: new Date(Date.now() + AUTHORIZATION_CODE_TTL_S * 1000),
      });
      return reply.redirect(clientRedirect(authz.redirectUri, { code, state: authz.state, iss: deps.issuer }), 302);
    },
  );
}

/** What the form token is bound to: every parameter that decides where the code goes and what it grants. */
function bindings(authz: AuthorizationRequest): (string | null)[] {
  return [authz.client.id, authz.redirectUri, authz.scopes.join(' '), authz.state, authz.codeChallenge, authz.codeChallengeMethod, authz.nonce];
}

function hiddenFields(authz: AuthorizationRequest): Record<string, string> {
  const values: Record<(typeof AUTHORIZATION_PARAMETERS)[number], string | null> = {
    response_type: 'code',
    client_id: authz.client.id,
    redirect_uri: authz.redirectUri,
    scope: authz.scopes.join(' '),
    state: authz.state,
    code_challenge: authz.codeChallenge,
    code_challenge_method: authz.codeChallengeMethod,
    nonce: authz.nonce,
  };
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== null));
}

function sendLoginPage(
  reply: FastifyReply,
  status: number,
  authz: AuthorizationRequest,
  formToken: string,
  extra: { action: string; username?: string; error?: string },
): FastifyReply {
  return sendHtml(reply, status, renderLoginPage({ clientName: authz.client.name, scopes: authz.scopes, hidden: hiddenFields(authz), formToken, ...extra }));
}

function answerInvalid(
  reply: FastifyReply,
  check: Exclude<Awaited<ReturnType<typeof checkAuthorizationRequest>>, { kind: 'valid' }>,
  deps: IssuerDependencies,
): FastifyReply {
  if (check.kind === 'untrusted') return sendHtml(reply, 400, renderErrorPage(check.message));
  return reply.redirect(
    clientRedirect(check.redirectUri, { error: check.error, error_description: check.description, state: check.state, iss: deps.issuer }),
    302,
  );
}

function sendHtml(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', LOGIN_PAGE_CSP)
    .header('x-frame-options', 'DENY')
    .send(html);
}

function setLoginCookie(reply: FastifyReply, value: string, path: string, secure: boolean): void {
  reply.header('set-cookie', `${LOGIN_COOKIE}=${value}; Path=${path}; Max-Age=${LOGIN_FORM_TTL_S}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`);
}
