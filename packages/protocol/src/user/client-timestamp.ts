/**
 * `clientCreatedAt` / `clientUpdatedAt` (user-sync.md, "Resources"): ISO-8601 with or without a fraction, or
 * epoch milliseconds; stored and echoed as ISO strings. They are the client's own clock and never touch the
 * sync cursor, which only the server's per-user head drives.
 */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;
/** Largest epoch-ms value a JS Date holds. */
const MAX_EPOCH_MS = 8.64e15;

export type ClientTimestamp = { readonly ok: true; readonly value: string | null } | { readonly ok: false };

/** Parses a client timestamp: `null` stays null, anything unparseable is `{ok: false}`. */
export function parseClientTimestamp(value: unknown): ClientTimestamp {
  if (value === null) return { ok: true, value: null };
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > MAX_EPOCH_MS) return { ok: false };
    return { ok: true, value: new Date(value).toISOString() };
  }
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^\d{1,16}$/.test(text)) return parseClientTimestamp(Number(text));
    if (!ISO_8601.test(text)) return { ok: false };
    const ms = Date.parse(text);
    if (!Number.isFinite(ms)) return { ok: false };
    return { ok: true, value: new Date(ms).toISOString() };
  }
  return { ok: false };
}
