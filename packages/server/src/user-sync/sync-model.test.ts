import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';
import { DEFAULT, ModelRefusal, ReferenceModel, type Kind } from './testing/reference-model.js';
import { SyncTestClient, type ApiResponse } from './testing/sync-test-client.js';

/**
 * Model-based property test: random sequences of pushes (batches of 1..3 mutations) and direct writes from
 * three devices of one user, each device with its own idea of the head. After every step the server must
 * agree with the reference model on the outcome (200/409/422/404), on the state (a full pull), and on what
 * a pull from any earlier cursor returns; heads must strictly increase with every write that changed
 * something.
 */
type Op =
  | { k: 'createBookmark'; verse: number; reading: boolean }
  | { k: 'setReading'; pick: number; value: boolean }
  | { k: 'deleteBookmark'; pick: number }
  | { k: 'createCollection'; name: string }
  | { k: 'renameCollection'; pick: number; name: string }
  | { k: 'deleteCollection'; pick: number }
  | { k: 'link'; pick: number; toDefault: boolean; verse: number }
  | { k: 'unlink'; pick: number }
  | { k: 'createNote'; body: string }
  | { k: 'updateNote'; pick: number; body: string }
  | { k: 'deleteNote'; pick: number }
  | { k: 'setTheme'; value: string }
  | { k: 'deleteTheme' };

interface Step {
  readonly device: number;
  readonly syncFirst: boolean;
  readonly direct: boolean;
  readonly ops: Op[];
  readonly cursorPick: number;
}

const verse = fc.integer({ min: 1, max: 4 });
const pick = fc.nat({ max: 50 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('createBookmark' as const), verse, reading: fc.boolean() }),
  fc.record({ k: fc.constant('setReading' as const), pick, value: fc.boolean() }),
  fc.record({ k: fc.constant('deleteBookmark' as const), pick }),
  fc.record({ k: fc.constant('createCollection' as const), name: fc.constantFrom('A', 'B', 'C') }),
  fc.record({ k: fc.constant('renameCollection' as const), pick, name: fc.constantFrom('A', 'B', 'D') }),
  fc.record({ k: fc.constant('deleteCollection' as const), pick }),
  fc.record({ k: fc.constant('link' as const), pick, toDefault: fc.boolean(), verse }),
  fc.record({ k: fc.constant('unlink' as const), pick }),
  fc.record({ k: fc.constant('createNote' as const), body: fc.constantFrom('first thought', 'second thought') }),
  fc.record({ k: fc.constant('updateNote' as const), pick, body: fc.constantFrom('first thought', 'revised thought') }),
  fc.record({ k: fc.constant('deleteNote' as const), pick }),
  fc.record({ k: fc.constant('setTheme' as const), value: fc.constantFrom('light', 'dark') }),
  fc.constant({ k: 'deleteTheme' as const }),
);
const stepArb: fc.Arbitrary<Step> = fc.record({
  device: fc.integer({ min: 0, max: 2 }),
  syncFirst: fc.boolean(),
  direct: fc.boolean(),
  ops: fc.array(opArb, { minLength: 1, maxLength: 3 }),
  cursorPick: fc.nat(),
});

/** What one op means for the model, the push body and (if it has one) the direct request. */
interface Planned {
  /** Runs the op on the model; returns placeholders of new resources and where the response names them. */
  model(m: ReferenceModel): Array<{ placeholder: string; from: 'resourceId' | 'bookmarkId' }>;
  mutation: Record<string, unknown>;
  direct: { method: string; path: string; body?: unknown } | null;
}

function plan(op: Op, m: ReferenceModel, defaultId: string | null, direct: boolean): Planned | null {
  const at = <T>(list: T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);
  const bookmarkIds = [...m.bookmarks.keys()];
  const collectionIds = [...m.collections.values()].filter((c) => !c.isDefault).map((c) => c.id);
  const noteIds = [...m.notes.keys()];
  const wire = (cid: string): string => (cid === DEFAULT ? '__default__' : cid);
  const details = (v: number) => ({ type: 'ayah', key: 1, verseNumber: v, mushaf: 4 });
  switch (op.k) {
    case 'createBookmark':
      return {
        model: (mm) => {
          const r = mm.createBookmark(op.verse, op.reading ? true : undefined);
          return r.created ? [{ placeholder: r.created, from: 'resourceId' }] : [];
        },
        mutation: { type: 'CREATE', resource: 'BOOKMARK', data: { ...details(op.verse), ...(op.reading ? { isReading: true } : {}) } },
        direct: { method: 'POST', path: '/bookmarks', body: { ...details(op.verse), ...(op.reading ? { isReading: true } : {}) } },
      };
    case 'setReading': {
      const id = at(bookmarkIds, op.pick);
      if (!id) return null;
      return {
        model: (mm) => (mm.updateBookmark(id, op.value), []),
        mutation: { type: 'UPDATE', resource: 'BOOKMARK', resourceId: id, data: { isReading: op.value } },
        direct: null,
      };
    }
    case 'deleteBookmark': {
      const id = at(bookmarkIds, op.pick);
      if (!id) return null;
      return {
        model: (mm) => (mm.deleteBookmark(id), []),
        mutation: { type: 'DELETE', resource: 'BOOKMARK', resourceId: id },
        direct: { method: 'DELETE', path: `/bookmarks/${id}` },
      };
    }
    case 'createCollection':
      return {
        model: (mm) => {
          const r = mm.createCollection(op.name);
          return r.created ? [{ placeholder: r.created, from: 'resourceId' }] : [];
        },
        mutation: { type: 'CREATE', resource: 'COLLECTION', data: { name: op.name } },
        direct: { method: 'POST', path: '/collections', body: { name: op.name } },
      };
    case 'renameCollection': {
      const id = at(collectionIds, op.pick);
      if (!id) return null;
      return {
        model: (mm) => (mm.renameCollection(id, op.name, direct), []),
        mutation: { type: 'UPDATE', resource: 'COLLECTION', resourceId: id, data: { name: op.name } },
        direct: { method: 'POST', path: `/collections/${id}`, body: { name: op.name } },
      };
    }
    case 'deleteCollection': {
      const id = at(collectionIds, op.pick);
      if (!id) return null;
      return {
        model: (mm) => (mm.deleteCollection(id), []),
        mutation: { type: 'DELETE', resource: 'COLLECTION', resourceId: id },
        direct: { method: 'DELETE', path: `/collections/${id}` },
      };
    }
    case 'link': {
      const cid = op.toDefault ? DEFAULT : at(collectionIds, op.pick);
      if (!cid) return null;
      return {
        model: (mm) => {
          const r = mm.link(cid, op.verse, direct);
          return r.createdBookmark ? [{ placeholder: r.createdBookmark, from: 'bookmarkId' }] : [];
        },
        mutation: { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: wire(cid), ...details(op.verse) } },
        direct: { method: 'POST', path: `/collections/${wire(cid)}/bookmarks`, body: details(op.verse) },
      };
    }
    case 'unlink': {
      const link = at([...m.links.values()], op.pick);
      if (!link || (link.cid === DEFAULT && !defaultId)) return null;
      const realCid = link.cid === DEFAULT ? defaultId! : link.cid;
      return {
        model: (mm) => (mm.unlink(link.cid, link.bid), []),
        mutation: { type: 'DELETE', resource: 'COLLECTION_BOOKMARK', resourceId: `${realCid}-${link.bid}` },
        direct: { method: 'DELETE', path: `/collections/${wire(link.cid)}/bookmarks/${link.bid}` },
      };
    }
    case 'createNote':
      return {
        model: (mm) => [{ placeholder: mm.createNote(op.body), from: 'resourceId' }],
        mutation: { type: 'CREATE', resource: 'NOTE', data: { body: op.body, ranges: ['1:1'] } },
        direct: { method: 'POST', path: '/notes', body: { body: op.body, ranges: ['1:1'] } },
      };
    case 'updateNote': {
      const id = at(noteIds, op.pick);
      if (!id) return null;
      return {
        model: (mm) => (mm.updateNote(id, op.body, direct), []),
        mutation: { type: 'UPDATE', resource: 'NOTE', resourceId: id, data: { body: op.body } },
        direct: { method: 'PATCH', path: `/notes/${id}`, body: { body: op.body } },
      };
    }
    case 'deleteNote': {
      const id = at(noteIds, op.pick);
      if (!id) return null;
      return {
        model: (mm) => (mm.deleteNote(id), []),
        mutation: { type: 'DELETE', resource: 'NOTE', resourceId: id },
        direct: { method: 'DELETE', path: `/notes/${id}` },
      };
    }
    case 'setTheme':
      return {
        model: (mm) => (mm.setTheme(op.value), []),
        mutation: { type: 'UPDATE', resource: 'PREFERENCE', data: { group: 'theme', value: { type: op.value } } },
        direct: { method: 'POST', path: '/preferences', body: { group: 'theme', key: 'type', value: op.value } },
      };
    case 'deleteTheme':
      return { model: (mm) => (mm.deleteTheme(), []), mutation: { type: 'DELETE', resource: 'PREFERENCE', resourceId: 'theme' }, direct: null };
  }
}

/** Server entry → `[type, resource, identity]` in the model's terms, plus the data the model tracks. */
function normalise(entry: any, defaultId: string | null): { key: string; resource: Kind; type: string; data: Record<string, unknown> } {
  const id = (x: string) => (x === defaultId ? DEFAULT : x);
  const d = entry.data;
  switch (entry.resource as Kind) {
    case 'BOOKMARK':
      return {
        key: entry.resourceId,
        resource: 'BOOKMARK',
        type: entry.type,
        data: { verseNumber: d.verseNumber, isReading: d.isReading, isInDefaultCollection: d.isInDefaultCollection },
      };
    case 'COLLECTION':
      return { key: id(entry.resourceId), resource: 'COLLECTION', type: entry.type, data: { name: d.name, isDefault: d.isDefault } };
    case 'COLLECTION_BOOKMARK':
      return { key: `${id(d.collectionId)}-${d.bookmarkId}`, resource: 'COLLECTION_BOOKMARK', type: entry.type, data: {} };
    case 'NOTE':
      return { key: entry.resourceId, resource: 'NOTE', type: entry.type, data: { body: d.body } };
    case 'PREFERENCE':
      return { key: d.group, resource: 'PREFERENCE', type: entry.type, data: { value: d.value } };
  }
}

describe('user sync: model-based property test', () => {
  let server: TestServer;
  let run = 0;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('agrees with the reference model on outcomes, state and pulls from any cursor', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 5, maxLength: 18 }), async (steps) => {
        const userId = `model-${++run}-${Date.now()}`;
        const devices = [0, 1, 2].map(() => ({ client: new SyncTestClient(server, { userId }), head: -1 }));
        const reader = new SyncTestClient(server, { userId });
        let model = new ReferenceModel();
        let head = -1;
        let defaultId: string | null = null;
        /** Observed heads and the model's mutation count at each. */
        const cursors: Array<{ head: number; seq: number }> = [{ head: -1, seq: 0 }];

        for (const step of steps) {
          const device = devices[step.device]!;
          if (step.syncFirst) device.head = head;
          const planned = step.ops.map((op) => plan(op, model, defaultId, false)).filter((p): p is Planned => p !== null);
          if (planned.length === 0) continue;
          const firstDirect = step.direct ? step.ops.map((op) => plan(op, model, defaultId, true)).find((p) => p !== null) : undefined;
          const direct = firstDirect?.direct ?? null;
          const used = direct ? [firstDirect!] : planned;

          // The model's verdict.
          let expected: 'ok' | 409 | 'unknown' | 'duplicate' = 'ok';
          const next = model.clone();
          const created: Array<{ placeholder: string; from: 'resourceId' | 'bookmarkId'; index: number }> = [];
          if (device.head !== head) {
            expected = 409;
          } else {
            try {
              for (const [index, p] of used.entries()) created.push(...p.model(next).map((c) => ({ ...c, index })));
            } catch (error) {
              if (!(error instanceof ModelRefusal)) throw error;
              expected = error.reason;
            }
          }

          let res: ApiResponse;
          if (direct) {
            res = await device.client.request(direct.method, direct.path, {
              query: { lastMutationAt: device.head },
              ...(direct.body !== undefined ? { body: direct.body } : {}),
            });
          } else {
            res = await device.client.push(
              device.head,
              used.map((p) => p.mutation),
            );
          }
          const context = `${JSON.stringify(step)} → ${res.status} ${JSON.stringify(res.body)}`;
          if (expected === 409) {
            expect(res.status, context).toBe(409);
            device.head = head;
            continue;
          }
          if (expected !== 'ok') {
            expect(res.status, context).toBe(direct && expected === 'unknown' ? 404 : 422);
            expect(await reader.head()).toBe(head);
            device.head = head;
            continue;
          }
          expect(res.status, context).toBe(200);
          const newHead = Number(res.headers.get('x-mutation-at'));
          if (next.seq > model.seq) expect(newHead, context).toBeGreaterThan(head);
          else expect(newHead, context).toBe(head);
          for (const c of created) {
            const ack = direct ? res.body.data : res.body.data.mutations[c.index];
            const id = direct ? (c.from === 'bookmarkId' ? ack.bookmark.id : ack.id) : c.from === 'bookmarkId' ? ack.data.bookmarkId : ack.resourceId;
            next.resolve(c.placeholder, id);
          }
          model = next;
          head = newHead;
          device.head = newHead;
          cursors.push({ head, seq: model.seq });

          // State: a full pull equals the model's live resources.
          const full = await reader.pull({ mutationsSince: 0, limit: 1000 });
          defaultId ??= full.body.data.mutations.find((e: any) => e.resource === 'COLLECTION' && e.data.isDefault)?.resourceId ?? null;
          const state = full.body.data.mutations.map((e: any) => normalise(e, defaultId)).map((e: any) => [e.resource, e.key, e.data]);
          const expectedState = model
            .entries()
            .filter((e) => !e.item.deleted)
            .sort((a, b) => a.item.lastSeq - b.item.lastSeq)
            .map((e) => [e.resource, e.identity, e.data]);
          expect(state, context).toEqual(expectedState);
          expect(full.body.data.lastMutationAt).toBe(head);

          // A pull from an earlier cursor returns exactly what changed after it, compacted, in order.
          const cursor = cursors[step.cursorPick % cursors.length]!;
          const since = await reader.pull({ mutationsSince: cursor.head, limit: 1000 });
          const got = since.body.data.mutations.map((e: any) => normalise(e, defaultId));
          const want = model
            .entries()
            .filter((e) => e.item.lastSeq > cursor.seq && (cursor.head > 0 || !e.item.deleted))
            .sort((a, b) => a.item.lastSeq - b.item.lastSeq)
            .map((e) => ({
              key: e.identity,
              resource: e.resource,
              type: e.item.deleted ? 'DELETE' : e.item.createdSeq > cursor.seq ? 'CREATE' : 'UPDATE',
              data: e.data,
            }));
          expect(got, `${context} since ${cursor.head}`).toEqual(want);
          const timestamps = since.body.data.mutations.map((e: any) => e.timestamp);
          expect([...timestamps].sort((a: number, b: number) => a - b)).toEqual(timestamps);
          for (const t of timestamps) expect(t > cursor.head && t <= head).toBe(true);
        }
      }),
      { numRuns: Number(process.env.QS_MODEL_RUNS ?? 12), endOnFailure: true },
    );
  });
});
