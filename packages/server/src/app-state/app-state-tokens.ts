import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Sync tokens and page cursors: opaque to clients, bound to one namespace (user and app) and signed with the
 * server's HMAC secret, so a token cannot be forged, edited, or carried to another account.
 *
 * - sync token: `s1.<seq>.<mac>`: the change feed position;
 * - bootstrap cursor: `b1.<snapshotSeq>.<collection>.<key>.<mac>`: the scan position and the sequence the
 *   scan started at (its last page's sync token);
 * - listing cursor: `l1.<key>.<mac>`.
 * Names are base64url-encoded.
 */
export interface Namespace {
  readonly userId: string;
  readonly namespace: string;
}

export interface BootstrapPosition {
  readonly snapshotSeq: number;
  readonly after: { readonly collection: string; readonly key: string } | null;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');
const unb64 = (s: string): string | null => {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return null;
  const text = Buffer.from(s, 'base64url').toString('utf8');
  return b64(text) === s ? text : null;
};

export class AppStateTokens {
  constructor(private readonly secret: Buffer) {}

  syncToken(ns: Namespace, seq: number): string {
    return this.sign(ns, `s1.${seq}`);
  }

  /** The sequence of a sync token, or null when it is not one of this namespace's. */
  readSyncToken(ns: Namespace, token: string): number | null {
    const body = this.verify(ns, token);
    const match = body === null ? null : /^s1\.(0|[1-9]\d{0,15})$/.exec(body);
    return match ? Number(match[1]) : null;
  }

  bootstrapCursor(ns: Namespace, position: BootstrapPosition): string {
    const after = position.after ? `${b64(position.after.collection)}.${b64(position.after.key)}` : '.';
    return this.sign(ns, `b1.${position.snapshotSeq}.${after}`);
  }

  readBootstrapCursor(ns: Namespace, cursor: string): BootstrapPosition | null {
    const body = this.verify(ns, cursor);
    const match = body === null ? null : /^b1\.(0|[1-9]\d{0,15})\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]*)$/.exec(body);
    if (!match) return null;
    const snapshotSeq = Number(match[1]);
    if (match[2] === '' && match[3] === '') return { snapshotSeq, after: null };
    const collection = unb64(match[2]!);
    const key = unb64(match[3]!);
    return collection && key ? { snapshotSeq, after: { collection, key } } : null;
  }

  listCursor(ns: Namespace, collection: string, lastKey: string): string {
    return this.sign({ userId: ns.userId, namespace: `${ns.namespace}\n${collection}` }, `l1.${b64(lastKey)}`);
  }

  readListCursor(ns: Namespace, collection: string, cursor: string): string | null {
    const body = this.verify({ userId: ns.userId, namespace: `${ns.namespace}\n${collection}` }, cursor);
    const match = body === null ? null : /^l1\.([A-Za-z0-9_-]+)$/.exec(body);
    return match ? unb64(match[1]!) : null;
  }

  private mac(ns: Namespace, body: string): string {
    return createHmac('sha256', this.secret).update(`app-state\n${ns.userId}\n${ns.namespace}\n${body}`).digest('base64url').slice(0, 22);
  }

  private sign(ns: Namespace, body: string): string {
    return `${body}.${this.mac(ns, body)}`;
  }

  private verify(ns: Namespace, token: string): string | null {
    if (token.length > 4096) return null;
    const dot = token.lastIndexOf('.');
    if (dot <= 0) return null;
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.mac(ns, body));
    return given.length === expected.length && timingSafeEqual(given, expected) ? body : null;
  }
}
