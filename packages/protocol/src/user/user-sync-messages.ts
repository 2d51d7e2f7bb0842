/**
 * The 422 messages of `POST /v1/sync` (user-sync.md). Each names the offending mutation by its index so a
 * client can quarantine exactly that one; the server builds its answers here and the SDK matches on them.
 */
export const INVALID_MUTATIONS_MESSAGE = 'Invalid mutations';

export const syncMessages = {
  invalidMutations: (): string => INVALID_MUTATIONS_MESSAGE,
  tooManyMutations: (max: number): string => `Mutations must not exceed ${max}`,
  missingResource: (index: number): string => `Missing resource at mutation[${index}]`,
  invalidResource: (value: unknown, index: number): string => `Invalid resource: ${JSON.stringify(describe(value))} at mutation[${index}]`,
  missingType: (index: number): string => `Missing mutation type at mutation[${index}]`,
  invalidType: (value: unknown, index: number): string => `Invalid mutation type: ${JSON.stringify(describe(value))} at mutation[${index}]`,
  missingResourceId: (index: number): string => `Missing resourceId at mutation[${index}]`,
  invalidResourceId: (index: number): string => `Invalid resourceId at mutation[${index}]`,
  missingData: (index: number): string => `Missing data at mutation[${index}]`,
  missingField: (field: string, index: number): string => `Missing ${field} at mutation[${index}]`,
  invalidField: (field: string, index: number): string => `Invalid ${field} at mutation[${index}]`,
  defaultCollectionRename: (index: number): string => `The default collection cannot be renamed at mutation[${index}]`,
  defaultCollectionDelete: (index: number): string => `The default collection cannot be deleted at mutation[${index}]`,
  duplicateBookmark: (index: number): string => `A bookmark already exists at this location at mutation[${index}]`,
  missingLastMutationAt: (): string => 'Missing lastMutationAt',
  invalidLastMutationAt: (): string => 'Invalid lastMutationAt',
  idempotencyKeyReused: (): string => 'Idempotency-Key was already used for a different request',
  invalidIdempotencyKey: (): string => 'Invalid Idempotency-Key: 1 to 255 visible ASCII characters',
} as const;

/**
 * What a client reads from a refusal of `POST /v1/sync`, parsed back from the messages built above: the batch
 * was too large (push at most `max`), one mutation was refused (quarantine it), or the batch as a whole.
 */
export type SyncRefusal =
  | { readonly kind: 'too-many-mutations'; readonly max: number }
  | { readonly kind: 'mutation'; readonly index: number }
  | { readonly kind: 'batch' };

const TOO_MANY = /^Mutations must not exceed (\d+)$/;
const AT_MUTATION = / at mutation\[(\d+)\]$/;

export function readSyncRefusal(message: string): SyncRefusal {
  const text = message.trim();
  const cap = TOO_MANY.exec(text);
  if (cap) return { kind: 'too-many-mutations', max: Number(cap[1]) };
  const at = AT_MUTATION.exec(text);
  return at ? { kind: 'mutation', index: Number(at[1]) } : { kind: 'batch' };
}

/** A value as a short string for a message: strings as they are, anything else as its JSON (truncated). */
function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}

/** Raised by the validators with one of the messages above. */
export class MutationValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MutationValidationError';
  }
}
