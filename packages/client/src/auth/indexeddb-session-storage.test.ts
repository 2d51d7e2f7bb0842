import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { IndexedDbSessionStorage } from './indexeddb-session-storage.js';
import type { UserSession } from './user-session.js';

const session = (n: number): UserSession => ({
  accessToken: `access-${n}`,
  refreshToken: `refresh-${n}`,
  expiresAt: 1_000 * n,
  scope: 'openid offline_access',
  idToken: null,
});

describe('IndexedDbSessionStorage', () => {
  it('a save is visible to every other connection at once; save(null) ends it; keys are separate', async () => {
    const name = `session-${process.pid}-a`;
    const [tabA, tabB, other] = [
      await IndexedDbSessionStorage.open({ name }),
      await IndexedDbSessionStorage.open({ name }),
      await IndexedDbSessionStorage.open({ name, key: 'other' }),
    ];
    expect(await tabB.load()).toBeNull();
    await tabA.save(session(1));
    expect(await tabB.load()).toEqual(session(1));
    await tabB.save(session(2));
    expect(await tabA.load()).toEqual(session(2));
    expect(await other.load()).toBeNull();
    await tabA.save(null);
    expect(await tabB.load()).toBeNull();
    for (const s of [tabA, tabB, other]) s.close();
  });

  it('survives closing and reopening the database', async () => {
    const name = `session-${process.pid}-b`;
    const first = await IndexedDbSessionStorage.open({ name });
    await first.save(session(3));
    first.close();
    const again = await IndexedDbSessionStorage.open({ name });
    expect(await again.load()).toEqual(session(3));
    again.close();
  });
});
