import type { TestProject } from 'vitest/node';
import { authorizeWithLogin, createTestClient, createTestUser, startTestServer } from '@quran-sync/server/testing';
import { createPkcePair, exchangeAuthorizationCode } from '../../auth/authorization-code.js';
import type { UserSession } from '../../auth/user-session.js';
import { USER_SCOPES } from '../../user/testing/user-sync-harness.js';
import { Editor, rows } from '../content-sync-fixture.js';

export interface BrowserTestUser {
  readonly userId: string;
  readonly token: string;
  readonly clientId: string;
}

/** What the Node side hands the browser tests (`inject`). */
export interface BrowserTestContext {
  /** A real server, CORS open to every origin (the tests run on Vitest's own origin). */
  readonly serverUrl: string;
  /** Users that exist only for these tests, each with a ready access token (all user-data scopes). */
  readonly users: readonly BrowserTestUser[];
  /** More such users, one per seed of the structural model test (each seed starts from an empty account). */
  readonly structuralUsers: readonly BrowserTestUser[];
  /** Content readers' token (scope `content`) and the resources seeded for them. */
  readonly content: { readonly token: string; readonly clientId: string; readonly resources: string; readonly rows: number };
  /** Signed-in sessions (authorization code + PKCE through the login page) of public client `spa`, one per test. */
  readonly sessions: readonly UserSession[];
  readonly sessionClientId: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    qs: BrowserTestContext;
  }
}

export const BROWSER_TEST_USERS = 8;
export const BROWSER_TEST_SESSIONS = 2;
/** At least the number of seeds in user-sync-structural.browser.test.ts. */
export const BROWSER_STRUCTURAL_USERS = 6;
const CONTENT_ROWS = 40;

/**
 * Node side of `npm run test:browser:stores`: one real server (PGlite unless QS_TEST_DATABASE_URL is set)
 * for the whole run, some seeded content, and tokens minted here, since browser code cannot sign tokens.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startTestServer({ corsOrigins: '*' });
  const run = Date.now().toString(36);
  const ttlSeconds = 6 * 3600;
  const mintUsers = (prefix: string, count: number): Promise<BrowserTestUser[]> =>
    Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const userId = `${prefix}-${run}-${i + 1}`;
        return { userId, token: await server.mintToken({ userId, scopes: USER_SCOPES, ttlSeconds }), clientId: 'test-client' };
      }),
    );
  const users = await mintUsers('browser', BROWSER_TEST_USERS);
  const structuralUsers = await mintUsers('browser-structural', BROWSER_STRUCTURAL_USERS);
  const editor = new Editor(server.url, await server.authHeaders({ userId: null, clientId: 'editor', scopes: ['content.write'] }));
  await editor.put('translations', 41, {});
  const upsert = Array.from({ length: CONTENT_ROWS }, (_, i) => rows.translation(i + 1, i + 1, `translation 41 of verse ${i + 1}`));
  await editor.rows('translations', 41, { upsert });
  const contentToken = await server.mintToken({ userId: null, clientId: 'reader', scopes: ['content'], ttlSeconds });
  // A public client (no secret, as a browser app is) and a local user; each session is one real login.
  const spaScope = 'openid offline_access bookmark';
  await createTestClient(server.ctx.db, { id: 'spa', scopes: spaScope });
  await createTestUser(server.ctx.db, 'reader-tabs', 'correct horse battery');
  const sessions: UserSession[] = [];
  for (let i = 0; i < BROWSER_TEST_SESSIONS; i++) {
    const pkce = await createPkcePair();
    const authorization = await authorizeWithLogin(server.url, {
      clientId: 'spa',
      scope: spaScope,
      username: 'reader-tabs',
      password: 'correct horse battery',
      pkce,
    });
    sessions.push(
      await exchangeAuthorizationCode({
        baseUrl: server.url,
        clientId: 'spa',
        code: authorization.code,
        redirectUri: authorization.redirectUri,
        codeVerifier: pkce.verifier,
      }),
    );
  }
  project.provide('qs', {
    sessions,
    sessionClientId: 'spa',
    serverUrl: server.url,
    users,
    structuralUsers,
    content: { token: contentToken, clientId: 'reader', resources: 'translations:41', rows: CONTENT_ROWS },
  });
  return () => server.close();
}
