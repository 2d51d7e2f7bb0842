import { createHash } from 'node:crypto';
import type { AppStateChange, AppStateCollection, AppStateDocumentWithEtag } from '@quran-sync/protocol';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { AppStateConfig } from './app-state-config.js';
import { appStateError, preconditionFailed } from './app-state-errors.js';
import type { AppStateDocumentTable } from './app-state-tables.js';
import type { Namespace } from './app-state-tokens.js';

/**
 * App State in PostgreSQL. Every write is one transaction that first locks the namespace's head row: writes
 * of one namespace run one at a time, so preconditions, quotas and idempotency lookups see the state they
 * change, and sequence numbers are assigned in commit order — the change feed never has a hole that a later
 * commit fills. Reads take no lock.
 */
export type DocumentRow = Selectable<AppStateDocumentTable>;

/** How long a stored outcome answers a retry with the same `Idempotency-Key` (QF: 24 hours). */
export const APP_STATE_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** `If-Match` / `If-None-Match` as sent: `*`, or an ETag with any `W/` already stripped. */
export type Precondition = { readonly ifMatch: string } | { readonly ifNoneMatch: string } | null;

export interface WriteRequest {
  readonly method: 'PUT' | 'DELETE';
  readonly collection: AppStateCollection;
  readonly key: string;
  readonly precondition: Precondition;
  readonly idempotencyKey: string;
  /** Hash of method, path, body and preconditions: a key reused with another one is refused. */
  readonly fingerprint: string;
}

export interface PutRequest extends WriteRequest {
  readonly schemaVersion: number;
  /** The value as JSON text, and its size in UTF-8 bytes. */
  readonly valueJson: string;
  readonly bytes: number;
}

/** What a write answers, stored for replays: status, JSON body (null for 204) and ETag. */
export interface WriteOutcome {
  readonly status: number;
  readonly body: unknown;
  readonly etag: string | null;
}

interface HeadRow {
  seq: number;
  floor: number;
  bytes_used: number;
  documents: number;
  pruned_version: number;
}

export class AppStateStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly config: AppStateConfig,
  ) {}

  async getDocument(ns: Namespace, collection: string, key: string): Promise<DocumentRow | null> {
    const row = await this.documents(this.db, ns).where('collection', '=', collection).where('key', '=', key).where('deleted', '=', false).executeTakeFirst();
    return row ?? null;
  }

  /** Live documents of one collection after `afterKey`, in key order; one more than `limit` tells there are more. */
  async listDocuments(ns: Namespace, collection: string, afterKey: string | null, limit: number): Promise<DocumentRow[]> {
    let query = this.documents(this.db, ns).where('collection', '=', collection).where('deleted', '=', false);
    if (afterKey !== null) query = query.where('key', '>', afterKey);
    return query
      .orderBy('key')
      .limit(limit + 1)
      .execute();
  }

  /** The namespace's current sequence: where a new bootstrap starts. */
  async currentSeq(ns: Namespace): Promise<number> {
    const head = await this.db
      .selectFrom('app_state_heads')
      .select('seq')
      .where('user_id', '=', ns.userId)
      .where('namespace', '=', ns.namespace)
      .executeTakeFirst();
    return head ? Number(head.seq) : 0;
  }

  /**
   * A bootstrap page: live documents written at or before `snapshotSeq`, in (collection, key) order. Anything
   * written later reaches the client through the changes that follow the bootstrap's sync token.
   */
  async bootstrapPage(ns: Namespace, snapshotSeq: number, after: { collection: string; key: string } | null, limit: number): Promise<DocumentRow[]> {
    let query = this.documents(this.db, ns).where('deleted', '=', false).where('seq', '<=', snapshotSeq).where('collection', 'in', this.collectionNames());
    if (after)
      query = query.where((eb) =>
        eb.or([eb('collection', '>', after.collection), eb.and([eb('collection', '=', after.collection), eb('key', '>', after.key)])]),
      );
    return query
      .orderBy('collection')
      .orderBy('key')
      .limit(limit + 1)
      .execute();
  }

  /**
   * Changes after `since` in sequence order (`limit + 1` rows), read in one snapshot with the head, so a
   * pruning that commits meanwhile cannot take away a deletion the page should have carried.
   * `expired`: `since` is below the retention floor; `unknown`: beyond the head (not a token we issued).
   */
  async changesAfter(ns: Namespace, since: number, limit: number): Promise<DocumentRow[] | 'expired' | 'unknown'> {
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        const head = await trx
          .selectFrom('app_state_heads')
          .select(['seq', 'floor'])
          .where('user_id', '=', ns.userId)
          .where('namespace', '=', ns.namespace)
          .executeTakeFirst();
        const seq = head ? Number(head.seq) : 0;
        if (since > seq) return 'unknown';
        if (head && since < Number(head.floor)) return 'expired';
        return this.documents(trx, ns)
          .where('seq', '>', since)
          .where('collection', 'in', this.collectionNames())
          .orderBy('seq')
          .limit(limit + 1)
          .execute();
      });
  }

  async put(ns: Namespace, request: PutRequest): Promise<WriteOutcome> {
    return this.write(ns, request, async (trx, head, current, now) => {
      const { collection, key } = request;
      const { limits } = this.config;
      if (request.bytes > limits.maxDocumentBytes) {
        throw appStateError('document_too_large', `The document is too large: ${request.bytes} bytes, the limit is ${limits.maxDocumentBytes}.`, {
          maxDocumentBytes: limits.maxDocumentBytes,
        });
      }
      const live = current !== null && !current.deleted;
      const bytesUsed = head.bytes_used - (live ? current.bytes : 0) + request.bytes;
      if (bytesUsed > limits.quotaBytesPerUser) {
        throw appStateError('quota_exceeded', 'The App State quota has been exceeded.', { bytesUsed, quotaBytesPerUser: limits.quotaBytesPerUser });
      }
      if (!live) {
        if (head.documents + 1 > limits.maxDocumentsPerUser) {
          throw appStateError('quota_exceeded', `A user may keep at most ${limits.maxDocumentsPerUser} App State documents.`, {
            maxDocumentsPerUser: limits.maxDocumentsPerUser,
          });
        }
        const inCollection = await this.documents(trx, ns)
          .clearSelect()
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('collection', '=', collection.name)
          .where('deleted', '=', false)
          .executeTakeFirstOrThrow();
        if (Number(inCollection.n) + 1 > collection.maxDocumentsPerUser) {
          throw appStateError('quota_exceeded', `A user may keep at most ${collection.maxDocumentsPerUser} documents in ${collection.name}.`, {
            collection: collection.name,
            maxDocumentsPerUser: collection.maxDocumentsPerUser,
          });
        }
      }
      const seq = head.seq + 1;
      const version = (current ? Number(current.version) : head.pruned_version) + 1;
      const etag = documentEtag(ns, collection.name, key, version, request.schemaVersion, request.valueJson);
      await this.upsertDocument(trx, ns, {
        collection: collection.name,
        key,
        version,
        seq,
        deleted: false,
        schema_version: request.schemaVersion,
        value_json: request.valueJson,
        etag,
        bytes: request.bytes,
        updated_at: now,
      });
      await this.advanceHead(trx, ns, { seq, bytes_used: bytesUsed, documents: head.documents + (live ? 0 : 1) });
      const data = { collection: collection.name, key, schemaVersion: request.schemaVersion, updatedAt: isoTime(now), version };
      return { status: live ? 200 : 201, body: { success: true, data }, etag };
    });
  }

  async delete(ns: Namespace, request: WriteRequest): Promise<WriteOutcome> {
    return this.write(ns, request, async (trx, head, current, now) => {
      if (current === null || current.deleted) throw new Error('delete reached a key with no live document');
      const seq = head.seq + 1;
      const version = Number(current.version) + 1;
      const etag = documentEtag(ns, current.collection, current.key, version, current.schema_version, null);
      await this.upsertDocument(trx, ns, {
        collection: current.collection,
        key: current.key,
        version,
        seq,
        deleted: true,
        schema_version: current.schema_version,
        value_json: null,
        etag,
        bytes: 0,
        updated_at: now,
      });
      await this.advanceHead(trx, ns, { seq, bytes_used: head.bytes_used - current.bytes, documents: head.documents - 1 });
      return { status: 204, body: null, etag: null };
    });
  }

  /**
   * The frame of every write: lock the head, answer a replay from its stored outcome, check the precondition
   * against the current document, apply, store the outcome — one transaction.
   */
  private async write(
    ns: Namespace,
    request: WriteRequest,
    apply: (trx: Transaction<Database>, head: HeadRow, current: DocumentRow | null, now: number) => Promise<WriteOutcome>,
  ): Promise<WriteOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const head = await lockHead(trx, ns);
      const now = Date.now();
      const stored = await trx
        .selectFrom('app_state_idempotency')
        .select(['fingerprint', 'status', 'body_json', 'etag', 'created_at'])
        .where('user_id', '=', ns.userId)
        .where('namespace', '=', ns.namespace)
        .where('key', '=', request.idempotencyKey)
        .executeTakeFirst();
      if (stored && Number(stored.created_at) >= now - APP_STATE_IDEMPOTENCY_TTL_MS) {
        if (stored.fingerprint !== request.fingerprint)
          throw appStateError('idempotency_key_reused', 'The idempotency key was reused for a different request.');
        return { status: stored.status, body: stored.body_json === null ? null : (JSON.parse(stored.body_json) as unknown), etag: stored.etag };
      }
      const current =
        (await this.documents(trx, ns).where('collection', '=', request.collection.name).where('key', '=', request.key).executeTakeFirst()) ?? null;
      const live = current !== null && !current.deleted ? current : null;
      let outcome: WriteOutcome;
      // Deleting what is already gone is done, whatever the precondition: the caller's intent holds (QF answers 204 too).
      if (request.method === 'DELETE' && live === null) outcome = { status: 204, body: null, etag: null };
      else {
        checkPrecondition(request.precondition, live?.etag ?? null);
        outcome = await apply(trx, head, current, now);
      }
      await trx
        .insertInto('app_state_idempotency')
        .values({
          user_id: ns.userId,
          namespace: ns.namespace,
          key: request.idempotencyKey,
          fingerprint: request.fingerprint,
          status: outcome.status,
          body_json: outcome.body === null ? null : JSON.stringify(outcome.body),
          etag: outcome.etag,
          created_at: now,
        })
        .onConflict((oc) =>
          oc.columns(['user_id', 'namespace', 'key']).doUpdateSet((eb) => ({
            fingerprint: eb.ref('excluded.fingerprint'),
            status: eb.ref('excluded.status'),
            body_json: eb.ref('excluded.body_json'),
            etag: eb.ref('excluded.etag'),
            created_at: eb.ref('excluded.created_at'),
          })),
        )
        .execute();
      return outcome;
    });
  }

  private documents(db: Kysely<Database>, ns: Namespace) {
    return db.selectFrom('app_state_documents').selectAll().where('user_id', '=', ns.userId).where('namespace', '=', ns.namespace);
  }

  private collectionNames(): string[] {
    return this.config.collections.map((c) => c.name);
  }

  private async upsertDocument(trx: Transaction<Database>, ns: Namespace, row: Omit<DocumentRow, 'user_id' | 'namespace'>): Promise<void> {
    await trx
      .insertInto('app_state_documents')
      .values({ user_id: ns.userId, namespace: ns.namespace, ...row })
      .onConflict((oc) =>
        oc.columns(['user_id', 'namespace', 'collection', 'key']).doUpdateSet({
          version: row.version,
          seq: row.seq,
          deleted: row.deleted,
          schema_version: row.schema_version,
          value_json: row.value_json,
          etag: row.etag,
          bytes: row.bytes,
          updated_at: row.updated_at,
        }),
      )
      .execute();
  }

  private async advanceHead(trx: Transaction<Database>, ns: Namespace, values: { seq: number; bytes_used: number; documents: number }): Promise<void> {
    await trx.updateTable('app_state_heads').set(values).where('user_id', '=', ns.userId).where('namespace', '=', ns.namespace).execute();
  }
}

/** Creates the namespace's head when needed and locks it for the rest of the transaction. */
async function lockHead(trx: Transaction<Database>, ns: Namespace): Promise<HeadRow> {
  // The no-op update on conflict takes the row lock, as `SELECT … FOR UPDATE` would, in one statement.
  const result = await sql<HeadRow>`
    insert into app_state_heads (user_id, namespace, seq, floor, bytes_used, documents, pruned_version)
    values (${ns.userId}, ${ns.namespace}, 0, 0, 0, 0, 0)
    on conflict (user_id, namespace) do update set seq = app_state_heads.seq
    returning seq, floor, bytes_used, documents, pruned_version`.execute(trx);
  const row = result.rows[0]!;
  return {
    seq: Number(row.seq),
    floor: Number(row.floor),
    bytes_used: Number(row.bytes_used),
    documents: Number(row.documents),
    pruned_version: Number(row.pruned_version),
  };
}

function checkPrecondition(precondition: Precondition, currentEtag: string | null): void {
  if (precondition === null) return;
  if ('ifMatch' in precondition) {
    if (currentEtag === null || (precondition.ifMatch !== '*' && precondition.ifMatch !== currentEtag)) throw preconditionFailed(currentEtag);
    return;
  }
  if (currentEtag !== null && (precondition.ifNoneMatch === '*' || precondition.ifNoneMatch === currentEtag)) throw preconditionFailed(currentEtag);
}

/** A strong validator: 43 base64url characters of SHA-256 over everything that identifies this state of the key. */
function documentEtag(ns: Namespace, collection: string, key: string, version: number, schemaVersion: number, valueJson: string | null): string {
  const hash = createHash('sha256');
  for (const part of [
    ns.userId,
    ns.namespace,
    collection,
    key,
    String(version),
    String(schemaVersion),
    valueJson === null ? 'deleted' : `value:${valueJson}`,
  ]) {
    hash.update(part).update('\u0000');
  }
  return `"${hash.digest('base64url')}"`;
}

export function isoTime(ms: number): string {
  return new Date(Number(ms)).toISOString();
}

/** A live document as listings and bootstrap pages carry it. */
export function documentItem(row: DocumentRow): AppStateDocumentWithEtag {
  return {
    collection: row.collection,
    key: row.key,
    schemaVersion: row.schema_version,
    updatedAt: isoTime(row.updated_at),
    value: row.value_json === null ? null : (JSON.parse(row.value_json) as unknown),
    version: Number(row.version),
    etag: row.etag,
  };
}

/** A document's latest state as a change. */
export function changeItem(row: DocumentRow): AppStateChange {
  return { ...documentItem(row), operation: row.deleted ? 'delete' : 'upsert' };
}
