import type { TestServer } from '@quran-sync/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectConvergedStructurally } from './testing/structural-invariants.js';
import { structuralTargetValue, StructuralWriteLog } from './testing/structural-user-ops.js';
import { closingDevices, freshUserId, serverState, startUserSyncServer, syncUntilQuiet, type Device } from './testing/user-sync-harness.js';
import type { BookmarkLocationInput } from './user-data-types.js';

/**
 * Deterministic multi-device scenarios where structural edits (cascades, orphans, bookmarks made again under
 * new ids) meet id remaps and concurrent deletions: the shapes the structural model test
 * (user-sync-structural-model.test.ts) draws at random, written out so each one always runs. Each ends with
 * the devices synced until quiet and `expectConvergedStructurally`: every device equals the server, nothing
 * queued, nothing quarantined, links intact on every side.
 *
 * Most scenarios run three ways, since the bugs hid in the interleavings: the decisive push answered
 * normally; its answer lost (the server applied it, the device learns the outcome from the replay under the
 * same Idempotency-Key, after a restart-free retry); and rebased after a 409 (another device moved the head
 * first).
 */
let server: TestServer;
beforeAll(async () => {
  server = await startUserSyncServer();
});
afterAll(async () => {
  await server?.close();
});

const open = closingDevices();
const SURAH_36: BookmarkLocationInput = { type: 'surah', key: 36 };
const AYAH_KURSI: BookmarkLocationInput = { type: 'ayah', key: 2, verseNumber: 255 };

async function devices(count: number, prefix: string): Promise<{ user: string; ds: Device[] }> {
  const user = freshUserId(prefix);
  const ds: Device[] = [];
  for (let i = 0; i < count; i++) {
    ds.push(await open(server, user, { name: `${'ABCDE'[i]}`, client: { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, totalBudgetMs: 5000 } } }));
  }
  return { user, ds };
}

type Delivery = 'answered' | 'answer lost' | 'after a 409';
const DELIVERIES: readonly Delivery[] = ['answered', 'answer lost', 'after a 409'];

/**
 * Pushes what `device` queued, the way `delivery` says. `mover` is another device that moves the head first
 * (for a 409): it writes a preference, which touches nothing the scenarios look at.
 */
async function push(device: Device, delivery: Delivery, mover: Device): Promise<void> {
  if (delivery === 'after a 409') {
    await mover.client.preferences.set('theme', { type: 'sepia' });
    await mover.client.sync();
  }
  if (delivery === 'answer lost') {
    device.proxy.plan = (req) => (req.method === 'POST' ? { kind: 'drop-response' } : { kind: 'forward' });
    await expect(device.client.sync()).rejects.toThrow();
    device.proxy.plan = () => ({ kind: 'forward' });
  }
  const report = await device.client.sync();
  if (delivery === 'after a 409') expect(report.outOfSync).toBeGreaterThan(0);
}

async function expectConverged(user: string, ds: readonly Device[]): Promise<void> {
  await syncUntilQuiet(ds);
  await expectConvergedStructurally(server, user, ds, { log: new StructuralWriteLog(), targetValue: structuralTargetValue });
}

const collectionNamed = async (d: Device, name: string) => (await d.client.collections.list()).find((c) => c.name === name);

describe('a collection deleted and its only bookmark linked elsewhere in one push', () => {
  const owners = (['A', 'B'] as const).flatMap((owner) => DELIVERIES.map((delivery) => [owner, delivery] as const));
  it.each(owners)(
    'delete M, then link the location into F: the server cascades and makes a new bookmark; no stale link into M (made on %s, push %s)',
    async (owner, delivery) => {
      const { user, ds } = await devices(2, 'cascade-relink');
      const [a, b] = ds as [Device, Device];
      const maker = owner === 'A' ? a : b;
      await maker.client.collections.create('Memorise');
      await maker.client.collections.create('Study');
      await maker.client.collections.addBookmark((await collectionNamed(maker, 'Memorise'))!.id, SURAH_36);
      await maker.client.sync();
      await a.client.sync();
      await b.client.sync();
      // Collections are created by name: after the sync they live under the server's ids.
      const m = (await collectionNamed(a, 'Memorise'))!;
      const f = (await collectionNamed(a, 'Study'))!;
      const original = (await a.client.bookmarks.find(SURAH_36))!;

      // Offline on A, one run: the collection goes (its link, then by the orphan rule the bookmark), and the
      // place is bookmarked again by linking it into F.
      expect(await a.client.collections.delete(m.id)).toBe(true);
      expect(await a.client.bookmarks.get(original.id)).toBeNull();
      const relinked = await a.client.collections.addBookmark(f.id, SURAH_36);
      expect(relinked.id).not.toBe(original.id);
      await push(a, delivery, b);

      await expectConverged(user, ds);
      const study = (await collectionNamed(b, 'Study'))!;
      expect((await b.client.collections.bookmarks(study.id)).map((x) => [x.type, x.key])).toEqual([['surah', 36]]);
      expect(await collectionNamed(b, 'Memorise')).toBeUndefined();
    },
  );

  it.each(DELIVERIES)('link the location into F, then delete M: the bookmark keeps its id and its link into F (%s)', async (delivery) => {
    const { user, ds } = await devices(2, 'relink-cascade');
    const [a, b] = ds as [Device, Device];
    await a.client.collections.create('Memorise');
    await a.client.collections.create('Study');
    await a.client.collections.addBookmark((await collectionNamed(a, 'Memorise'))!.id, SURAH_36);
    await a.client.sync();
    await b.client.sync();
    const m = (await collectionNamed(a, 'Memorise'))!;
    const f = (await collectionNamed(a, 'Study'))!;
    const original = (await a.client.bookmarks.find(SURAH_36))!;

    await a.client.collections.addBookmark(f.id, SURAH_36);
    await a.client.collections.delete(m.id);
    expect(await a.client.bookmarks.get(original.id)).not.toBeNull();
    await push(a, delivery, b);

    await expectConverged(user, ds);
    expect((await b.client.bookmarks.find(SURAH_36))?.id).toBe(original.id);
  });

  it('the same, while B links the bookmark into another collection by id, C links another place into M, and all push at once', async () => {
    const { user, ds } = await devices(3, 'cascade-race');
    const [a, b, c] = ds as [Device, Device, Device];
    await a.client.collections.create('Memorise');
    await a.client.collections.create('Study');
    await a.client.collections.addBookmark((await collectionNamed(a, 'Memorise'))!.id, SURAH_36);
    await a.client.sync();
    await b.client.sync();
    await c.client.sync();

    await a.client.collections.delete((await collectionNamed(a, 'Memorise'))!.id);
    await a.client.collections.addBookmark((await collectionNamed(a, 'Study'))!.id, SURAH_36);
    const onB = (await b.client.bookmarks.find(SURAH_36))!;
    const later = await b.client.collections.create('Later');
    await b.client.collections.addBookmark(later.id, onB.id);
    await c.client.collections.addBookmark((await collectionNamed(c, 'Memorise'))!.id, AYAH_KURSI);
    await Promise.all(ds.map((d) => d.client.sync().catch(() => undefined)));

    await expectConverged(user, ds);
  });
});

describe('unlinking from __default__ a bookmark another device deleted (and made again)', () => {
  async function setUp(prefix: string) {
    const { user, ds } = await devices(2, prefix);
    const [a, b] = ds as [Device, Device];
    await a.client.collections.addBookmark('__default__', SURAH_36);
    await a.client.sync();
    await b.client.sync();
    expect(await b.client.bookmarks.remove(SURAH_36)).toBe(true);
    await b.client.sync();
    // A has not synced since: it still shows the old bookmark, in the default collection.
    expect((await a.client.bookmarks.find(SURAH_36))?.isInDefaultCollection).toBe(true);
    return { user, ds, a, b };
  }

  it.each(DELIVERIES)('B makes surah 36 again before A pushes its unlink (%s)', async (delivery) => {
    const { user, ds, a, b } = await setUp('default-unlink-recreated');
    expect(await a.client.collections.removeBookmark('__default__', SURAH_36)).toBe(true);
    await b.client.bookmarks.add(SURAH_36);
    await b.client.sync();
    await push(a, delivery, b);
    await expectConverged(user, ds);
    expect(await a.client.bookmarks.find(SURAH_36)).not.toBeNull();
  });

  it.each(DELIVERIES)('A pushes its unlink, then B makes surah 36 again (%s)', async (delivery) => {
    const { user, ds, a, b } = await setUp('default-unlink-then-recreate');
    expect(await a.client.collections.removeBookmark('__default__', SURAH_36)).toBe(true);
    await push(a, delivery, b);
    await b.client.bookmarks.add(SURAH_36);
    await expectConverged(user, ds);
  });

  it('A unlinks by the old id and links the place into __default__ again, B made it again meanwhile', async () => {
    const { user, ds, a, b } = await setUp('default-unlink-relink');
    const old = (await a.client.bookmarks.find(SURAH_36))!;
    expect(await a.client.collections.removeBookmark('__default__', old.id)).toBe(true);
    await a.client.collections.addBookmark('__default__', SURAH_36);
    await b.client.bookmarks.add(SURAH_36);
    await Promise.all([a.client.sync(), b.client.sync()]);
    await expectConverged(user, ds);
    expect((await b.client.bookmarks.find(SURAH_36))?.isInDefaultCollection).toBe(true);
  });
});

describe('a link into a collection another device deleted concurrently', () => {
  it.each([
    ['a place nobody bookmarked yet', 'location'],
    ['a bookmark both devices have, by location', 'location existing'],
    ['a bookmark both devices have, by id', 'id'],
  ] as const)('links %s: dropped, not quarantined', async (_label, how) => {
    const { user, ds } = await devices(2, 'link-into-deleted');
    const [a, b] = ds as [Device, Device];
    await a.client.collections.addBookmark((await a.client.collections.create('Study')).id, AYAH_KURSI);
    if (how !== 'location') await a.client.bookmarks.add(SURAH_36);
    await a.client.sync();
    await b.client.sync();
    const study = (await collectionNamed(a, 'Study'))!;

    expect(await b.client.collections.delete((await collectionNamed(b, 'Study'))!.id)).toBe(true);
    await b.client.sync();
    const target = how === 'id' ? (await a.client.bookmarks.find(SURAH_36))!.id : SURAH_36;
    await a.client.collections.addBookmark(study.id, target);
    await a.client.sync();

    await expectConverged(user, ds);
    expect(await collectionNamed(a, 'Study')).toBeUndefined();
  });

  it.each(DELIVERIES)('both push at the same time; the link was made by location (%s on the linking device)', async (delivery) => {
    const { user, ds } = await devices(3, 'link-into-deleted-race');
    const [a, b, c] = ds as [Device, Device, Device];
    await a.client.collections.addBookmark((await a.client.collections.create('Study')).id, AYAH_KURSI);
    await a.client.sync();
    await b.client.sync();
    const study = (await collectionNamed(a, 'Study'))!;

    await b.client.collections.delete((await collectionNamed(b, 'Study'))!.id);
    await a.client.collections.addBookmark(study.id, SURAH_36);
    await a.client.collections.addBookmark('__default__', SURAH_36);
    await Promise.all([b.client.sync(), push(a, delivery, c)]);

    await expectConverged(user, ds);
  });
});

describe('a bookmark deleted and made again on one device while another links that place', () => {
  const cases = (['A first', 'B first', 'together'] as const).flatMap((order) => (['location', 'id'] as const).map((by) => [order, by] as const));
  it.each(cases)('%s, B links by %s', async (order, by) => {
    const { user, ds } = await devices(2, 'recreate-vs-link');
    const [a, b] = ds as [Device, Device];
    await a.client.collections.create('Study');
    await a.client.collections.addBookmark('__default__', AYAH_KURSI);
    await a.client.bookmarks.add(SURAH_36);
    await a.client.sync();
    await b.client.sync();
    const study = (await collectionNamed(a, 'Study'))!;
    const original = (await a.client.bookmarks.find(SURAH_36))!;

    expect(await a.client.bookmarks.remove(original.id)).toBe(true);
    const again = await a.client.bookmarks.add(SURAH_36);
    expect(again.id).not.toBe(original.id);
    const studyOnB = (await collectionNamed(b, 'Study'))!;
    expect(studyOnB.id).toBe(study.id);
    await b.client.collections.addBookmark(studyOnB.id, by === 'id' ? original.id : SURAH_36);

    if (order === 'A first') {
      await a.client.sync();
      await b.client.sync();
    } else if (order === 'B first') {
      await b.client.sync();
      await a.client.sync();
    } else {
      await Promise.all([a.client.sync(), b.client.sync()]);
    }
    await expectConverged(user, ds);
  });

  it('the recreating device also links the new bookmark into the collection, and its answer is lost', async () => {
    const { user, ds } = await devices(2, 'recreate-link-lost');
    const [a, b] = ds as [Device, Device];
    await a.client.collections.addBookmark((await a.client.collections.create('Study')).id, SURAH_36);
    await a.client.sync();
    await b.client.sync();
    const study = (await collectionNamed(a, 'Study'))!;
    const original = (await a.client.bookmarks.find(SURAH_36))!;

    await a.client.bookmarks.remove(original.id);
    await a.client.collections.addBookmark(study.id, SURAH_36);
    await b.client.collections.removeBookmark(study.id, original.id);
    await b.client.sync();
    await push(a, 'answer lost', b);
    await expectConverged(user, ds);
    expect((await b.client.collections.bookmarks(study.id)).map((x) => x.key)).toEqual([36]);
  });
});

describe('the divergence first seen at random: a stale link into a deleted collection, kept forever', () => {
  // The trace: device A holds bookmark b in collections M and G; another device has already taken b out of
  // G, which A has not pulled. Offline, A deletes M (b stays: it is still in G here) and links b's place into
  // F. A's push (rebased after a 409) deletes M on the server, whose cascade leaves b in no collection, so
  // the orphan rule deletes it; the link by location then makes a new bookmark b'. The old engine moved
  // everything naming b onto b' — the gone link (M,b) too, with its server state — so the pulled DELETE of
  // (M,b) matched nothing and the final alignment brought back (M,b'): a link into a deleted collection, on
  // one device only, forever.
  it('ends with every device equal to the server, the link into M gone everywhere', async () => {
    const { user, ds } = await devices(2, 'trace');
    const [a, b] = ds as [Device, Device];
    const m = await a.client.collections.create('M');
    const g = await a.client.collections.create('G');
    await a.client.collections.create('F');
    await a.client.collections.addBookmark(m.id, SURAH_36);
    await a.client.collections.addBookmark(g.id, SURAH_36);
    await a.client.sync();
    const named = async (d: Device, name: string) => (await d.client.collections.list()).find((c) => c.name === name)!.id;
    const f = await named(a, 'F');
    await b.client.sync();
    await b.client.collections.removeBookmark(await named(b, 'G'), SURAH_36);
    await b.client.sync();

    await a.client.collections.delete(await named(a, 'M'));
    await a.client.collections.addBookmark(f, SURAH_36);
    await a.client.sync();
    await syncUntilQuiet(ds);
    await expectConvergedStructurally(server, user, ds, { log: new StructuralWriteLog(), targetValue: structuralTargetValue });
    const links = Object.entries(await serverState(server, user)).filter(([k]) => k.startsWith('COLLECTION_BOOKMARK:'));
    expect(links.map(([, v]) => (v as { collectionId: string }).collectionId)).toEqual([f]);
  });
});
