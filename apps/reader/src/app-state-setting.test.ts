import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenProvider } from '@quran-sync/client';
import { startTestServer, type TestServer } from '@quran-sync/server/testing';
import { AppStateSetting, AppStateSettingError, type SettingRecord, type SettingStorage } from './app-state-setting.js';
import { isTranslationIds, TRANSLATIONS_SETTING } from './translations-setting.js';

/** The reader's App State setting against a real server: two devices of one user, conflicts, no network, lost answers. */
const CLIENT = 'quran-reader';

interface Call {
  readonly method: string;
  readonly status: number | 'lost' | 'offline';
  readonly headers: Record<string, string>;
}

describe('AppStateSetting against a real server', () => {
  let server: TestServer;
  let counter = 0;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  const memoryStorage = (): SettingStorage<number[]> & { record: SettingRecord<number[]> | null } => ({
    record: null,
    load() {
      return this.record;
    },
    save(record) {
      this.record = structuredClone(record);
    },
  });

  /** A device of `userId`: its own storage, a log of its calls, and switches to cut the network or lose the next answer. */
  const device = async (userId: string, scopes = ['app_state']) => {
    const token = await server.mintToken({ userId, clientId: CLIENT, scopes });
    const tokens: TokenProvider = { getToken: async () => ({ accessToken: token, clientId: CLIENT }), invalidate: () => undefined };
    const storage = memoryStorage();
    const calls: Call[] = [];
    const net = { offline: false, loseNextAnswer: false };
    const fetchImpl: typeof fetch = async (input, init) => {
      const headers = Object.fromEntries(
        Object.entries((init?.headers ?? {}) as Record<string, string>).filter(([name]) => !['x-auth-token', 'x-client-id'].includes(name)),
      );
      const method = init?.method ?? 'GET';
      if (net.offline) {
        calls.push({ method, status: 'offline', headers });
        throw new TypeError('fetch failed');
      }
      const res = await fetch(input, init);
      if (net.loseNextAnswer) {
        net.loseNextAnswer = false;
        calls.push({ method, status: 'lost', headers });
        throw new TypeError('fetch failed: connection reset');
      }
      calls.push({ method, status: res.status, headers });
      return res;
    };
    const setting = new AppStateSetting<number[]>({
      ...TRANSLATIONS_SETTING,
      baseUrl: server.url,
      tokens,
      storage,
      parse: (value, schemaVersion) => (schemaVersion === 1 && isTranslationIds(value) ? value : null),
      fetch: fetchImpl,
    });
    return { setting, storage, calls, net };
  };
  const user = () => `setting-user-${++counter}`;

  /** The document as the server holds it (read with a token of its own). */
  const onServer = async (userId: string) => {
    const headers = await server.authHeaders({ userId, clientId: CLIENT, scopes: ['app_state.read'] });
    const res = await fetch(`${server.url}/auth/v1/app-state/settings/translations`, { headers });
    if (res.status === 404) return null;
    const body = (await res.json()) as { data: { value: unknown; version: number; schemaVersion: number } };
    return { ...body.data, etag: res.headers.get('etag') };
  };

  it('finds nothing for a new user, then carries one device’s change to the other', async () => {
    const id = user();
    const laptop = await device(id);
    const phone = await device(id);
    await expect(laptop.setting.sync()).resolves.toBe('absent');
    expect(laptop.setting.value()).toBeNull();

    await expect(laptop.setting.set([20, 9004])).resolves.toBe('pushed');
    const put = laptop.calls.find((c) => c.method === 'PUT')!;
    expect(put).toMatchObject({ status: 201, headers: { 'if-none-match': '*' } });
    expect(put.headers['idempotency-key']).toMatch(/^[\x21-\x7e]{16,256}$/);
    const stored = await onServer(id);
    expect(stored).toMatchObject({ value: [20, 9004], version: 1, schemaVersion: 1 });
    expect(laptop.storage.record).toEqual({ value: [20, 9004], etag: stored!.etag, pending: false, idempotencyKey: null });

    await expect(phone.setting.sync()).resolves.toBe('adopted');
    expect(phone.setting.value()).toEqual([20, 9004]);
    expect(phone.setting.pending()).toBe(false);
    await expect(phone.setting.sync()).resolves.toBe('unchanged');
  });

  it('writes on top of the version it saw with If-Match, and on a 412 reads again and re-applies its change', async () => {
    const id = user();
    const laptop = await device(id);
    const phone = await device(id);
    await laptop.setting.set([20]);
    await phone.setting.sync();
    const seen = phone.storage.record!.etag;

    await expect(laptop.setting.set([9001])).resolves.toBe('pushed');
    expect(laptop.calls.at(-1)).toMatchObject({ method: 'PUT', status: 200, headers: { 'if-match': seen } });
    // The phone's change is based on version 1: refused with 412, read again, sent again on version 2.
    phone.calls.length = 0;
    await expect(phone.setting.set([9004, 20])).resolves.toBe('pushed');
    expect(phone.calls.map((c) => `${c.method} ${c.status}`)).toEqual(['PUT 412', 'GET 200', 'PUT 200']);
    expect(phone.calls[0]!.headers['if-match']).toBe(seen);
    expect(phone.calls[2]!.headers['if-match']).not.toBe(seen);
    expect(phone.calls[2]!.headers['idempotency-key']).not.toBe(phone.calls[0]!.headers['idempotency-key']);
    const stored = await onServer(id);
    expect(stored).toMatchObject({ value: [9004, 20], version: 3 });
    expect(phone.storage.record).toMatchObject({ etag: stored!.etag, pending: false });

    await expect(laptop.setting.sync()).resolves.toBe('adopted');
    expect(laptop.setting.value()).toEqual([9004, 20]);
  });

  it('keeps a change made offline as the value in use, even over a newer server value, and sends it when back online', async () => {
    const id = user();
    const laptop = await device(id);
    const phone = await device(id);
    await laptop.setting.set([20]);
    await phone.setting.sync();

    phone.net.offline = true;
    await expect(phone.setting.set([20, 9003])).resolves.toBe('offline');
    expect(phone.setting.value()).toEqual([20, 9003]);
    expect(phone.setting.pending()).toBe(true);
    await laptop.setting.set([9008]);
    await expect(phone.setting.sync()).resolves.toBe('offline');
    expect(phone.setting.value()).toEqual([20, 9003]);

    phone.net.offline = false;
    await expect(phone.setting.sync()).resolves.toBe('pushed');
    await expect(onServer(id)).resolves.toMatchObject({ value: [20, 9003], version: 3 });
    expect(phone.setting.pending()).toBe(false);
    await expect(laptop.setting.sync()).resolves.toBe('adopted');
    expect(laptop.setting.value()).toEqual([20, 9003]);
  });

  it('retries a write whose answer was lost with the same Idempotency-Key: the server replays it, applied once', async () => {
    const id = user();
    const laptop = await device(id);
    laptop.net.loseNextAnswer = true;
    await expect(laptop.setting.set([9006])).resolves.toBe('offline');
    expect(laptop.setting.pending()).toBe(true);
    await expect(laptop.setting.sync()).resolves.toBe('pushed');
    const [lost, retried] = laptop.calls;
    expect([lost!.status, retried!.status]).toEqual(['lost', 201]);
    expect(retried!.headers).toEqual(lost!.headers);
    await expect(onServer(id)).resolves.toMatchObject({ value: [9006], version: 1 });
  });

  it('sends a choice made before the setting existed when the server has none', async () => {
    const id = user();
    const laptop = await device(id);
    laptop.storage.save({ value: [20, 9002], etag: null, pending: false, idempotencyKey: null });
    await expect(laptop.setting.sync()).resolves.toBe('pushed');
    await expect(onServer(id)).resolves.toMatchObject({ value: [20, 9002], version: 1 });
  });

  it('leaves a document it does not understand alone, and reports a refusal while keeping the change', async () => {
    const id = user();
    const headers = {
      ...(await server.authHeaders({ userId: id, clientId: CLIENT, scopes: ['app_state'] })),
      'content-type': 'application/json',
      'idempotency-key': 'newer-build-0000000001',
      'if-none-match': '*',
    };
    const put = await fetch(`${server.url}/auth/v1/app-state/settings/translations`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ value: { ids: [20], order: 'by-language' }, schemaVersion: 2 }),
    });
    expect(put.status).toBe(201);
    const laptop = await device(id);
    await expect(laptop.setting.sync()).resolves.toBe('unchanged');
    expect(laptop.setting.value()).toBeNull();

    const readOnly = await device(user(), ['app_state.read']);
    const refused = await readOnly.setting.set([20]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppStateSettingError);
    expect(refused).toMatchObject({ status: 403 });
    expect(readOnly.setting.value()).toEqual([20]);
    expect(readOnly.setting.pending()).toBe(true);
  });
});
