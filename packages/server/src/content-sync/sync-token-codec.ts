import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * Sync tokens and cursors (content-sync.md, invariant 3): opaque to clients, versioned, HMAC-signed with
 * the server's `syncTokenSecret`, never trusted unsigned.
 *
 * Format: `v1.<base64url(deflate(json payload))>.<base64url(HMAC-SHA256)>`. The MAC covers a domain label
 * (`quran-sync/content-sync-token/v1` or `…-cursor/v1`), the version and the payload, so a token can never
 * be replayed as a cursor or the other way round, and a future `v2` cannot be confused with `v1`. MACs are
 * compared in constant time. Anything that does not verify decodes to `null` (→ 410 `resync_required`).
 *
 * A token binds the canonical filter (by hash) and the checkpoint sequence. A cursor binds everything its
 * run is pinned to: the canonical filter itself (following `next_page_url` needs no `resources`),
 * `per_page`, `sync_until_sequence`, the phase, the position inside the phase, and the token sequence the
 * run started from.
 */
export const TOKEN_VERSION = 'v1';

export interface SyncTokenPayload {
  /** Checkpoint: everything up to this sequence is reflected. */
  readonly sequence: number;
  /** Hash of the canonical filter. */
  readonly filterHash: string;
  /** Issue time, seconds since the epoch. */
  readonly issuedAt: number;
}

export type CursorPhase = 'bootstrap' | 'incremental';

export interface SyncCursorPayload {
  readonly filter: string;
  readonly perPage: number;
  readonly until: number;
  readonly phase: CursorPhase;
  /** Bootstrap: last `(group, id)` sent. */
  readonly afterResource: readonly [string, number] | null;
  /** Incremental: last sequence sent. */
  readonly afterSequence: number;
  /** Sequence of the token the run started from (0 for bootstrap). */
  readonly tokenSequence: number;
  /** Seconds since the epoch when the run started. */
  readonly issuedAt: number;
}

type Kind = 'token' | 'cursor';

/** Verified payloads remembered by their exact text (tokens and cursors a process issued or checked). */
const VERIFIED_MAX = 10_000;

export class SyncTokenCodec {
  /**
   * `kind:text` → the payload that text verified to. The text is the cache key, so a hit is exactly as
   * trustworthy as the HMAC check that filled it (a tampered text is a different key). Issued values go in
   * when encoded: a client's next request, which carries them, costs no inflate and no HMAC.
   */
  private readonly verified = new Map<string, Record<string, unknown>>();

  constructor(private readonly secret: Buffer) {}

  encodeToken(payload: SyncTokenPayload): string {
    return this.encode('token', { s: payload.sequence, f: payload.filterHash, t: payload.issuedAt });
  }

  decodeToken(token: string): SyncTokenPayload | null {
    const p = this.decode('token', token);
    if (!p || !isNonNegativeInt(p.s) || typeof p.f !== 'string' || !isNonNegativeInt(p.t)) return null;
    return { sequence: p.s, filterHash: p.f, issuedAt: p.t };
  }

  encodeCursor(c: SyncCursorPayload): string {
    return this.encode('cursor', {
      f: c.filter,
      n: c.perPage,
      u: c.until,
      m: c.phase === 'bootstrap' ? 'b' : 'i',
      r: c.afterResource,
      q: c.afterSequence,
      s: c.tokenSequence,
      t: c.issuedAt,
    });
  }

  decodeCursor(cursor: string): SyncCursorPayload | null {
    const p = this.decode('cursor', cursor);
    if (!p) return null;
    const r = p.r;
    const afterResource =
      r === null ? null : Array.isArray(r) && r.length === 2 && typeof r[0] === 'string' && isNonNegativeInt(r[1]) ? ([r[0], r[1]] as const) : undefined;
    if (
      typeof p.f !== 'string' ||
      !isNonNegativeInt(p.n) ||
      !isNonNegativeInt(p.u) ||
      (p.m !== 'b' && p.m !== 'i') ||
      afterResource === undefined ||
      !isNonNegativeInt(p.q) ||
      !isNonNegativeInt(p.s) ||
      !isNonNegativeInt(p.t)
    ) {
      return null;
    }
    return {
      filter: p.f,
      perPage: p.n,
      until: p.u,
      phase: p.m === 'b' ? 'bootstrap' : 'incremental',
      afterResource,
      afterSequence: p.q,
      tokenSequence: p.s,
      issuedAt: p.t,
    };
  }

  private mac(kind: Kind, body: string): Buffer {
    return createHmac('sha256', this.secret).update(`quran-sync/content-sync-${kind}/${TOKEN_VERSION}\n${TOKEN_VERSION}.${body}`).digest();
  }

  private encode(kind: Kind, payload: Record<string, unknown>): string {
    const body = deflateRawSync(Buffer.from(JSON.stringify(payload))).toString('base64url');
    const value = `${TOKEN_VERSION}.${body}.${this.mac(kind, body).toString('base64url')}`;
    this.remember(`${kind}:${value}`, payload);
    return value;
  }

  private remember(key: string, payload: Record<string, unknown>): void {
    if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(key, payload);
  }

  private decode(kind: Kind, value: string): Record<string, unknown> | null {
    if (typeof value !== 'string' || value.length > 16_384) return null;
    const known = this.verified.get(`${kind}:${value}`);
    if (known) return known;
    const payload = this.verify(kind, value);
    if (payload) this.remember(`${kind}:${value}`, payload);
    return payload;
  }

  private verify(kind: Kind, value: string): Record<string, unknown> | null {
    const parts = value.split('.');
    if (parts.length !== 3 || parts[0] !== TOKEN_VERSION) return null;
    const [, body, sig] = parts as [string, string, string];
    if (!/^[A-Za-z0-9_-]+$/.test(body) || !/^[A-Za-z0-9_-]+$/.test(sig)) return null;
    // The signature is compared as text, against its canonical encoding: base64url decoders ignore the
    // unused low bits of the last character, so comparing decoded bytes would accept several spellings of
    // one signature — and a token must be exactly one string (it keys the verified-value memo, and a client
    // comparing tokens must be able to trust string equality).
    const expected = Buffer.from(this.mac(kind, body).toString('base64url'));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      const parsed: unknown = JSON.parse(inflateRawSync(Buffer.from(body, 'base64url'), { maxOutputLength: 65_536 }).toString('utf8'));
      return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }
}

/** The hash a token binds: SHA-256 of the canonical filter, truncated to 128 bits, base64url. */
export function filterHash(canonicalFilter: string): string {
  let hash = filterHashes.get(canonicalFilter);
  if (hash === undefined) {
    hash = createHash('sha256').update(canonicalFilter).digest().subarray(0, 16).toString('base64url');
    if (filterHashes.size >= 1_000) filterHashes.delete(filterHashes.keys().next().value!);
    filterHashes.set(canonicalFilter, hash);
  }
  return hash;
}

const filterHashes = new Map<string, string>();

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
