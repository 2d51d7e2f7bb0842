import { APP_STATE_ERRORS, isContentSyncErrorCode, CONTENT_SYNC_ERRORS, standardErrorType, type ErrorEnvelopeKind } from '@quran-sync/protocol';

/**
 * Which of the contract's four error envelopes (auth-and-errors.md) a route family may answer with, and a
 * checker that an error response is exactly one of them, with the status and code/type that go together.
 * App State answers its own refusals in the standard envelope plus `details` (docs/app-state.md, "Errors").
 */
export type RouteFamily =
  | 'oauth2'
  | 'oauth2-page'
  | 'discovery'
  | 'content-sync'
  | 'content-snapshot'
  | 'user-sync'
  | 'app-state'
  | 'user-direct'
  | 'admin'
  | 'other';
type EnvelopeKind = ErrorEnvelopeKind | 'app-state';

export function routeFamilyOf(pathTemplate: string): RouteFamily {
  if (pathTemplate === '/oauth2/auth') return 'oauth2-page';
  if (pathTemplate.startsWith('/oauth2/') || pathTemplate === '/userinfo') return 'oauth2';
  if (pathTemplate.startsWith('/.well-known/')) return 'discovery';
  if (pathTemplate.endsWith('/resources/sync') || pathTemplate.endsWith('/resources/digests')) return 'content-sync';
  if (pathTemplate.includes('/resources/snapshots/')) return 'content-snapshot';
  if (/^\/(auth\/)?v1\/sync$/.test(pathTemplate)) return 'user-sync';
  if (/^\/(auth\/)?v1\/app-state[:/]/.test(pathTemplate)) return 'app-state';
  if (/^\/(auth\/)?v1\//.test(pathTemplate)) return 'user-direct';
  if (pathTemplate.startsWith('/admin/')) return 'admin';
  return 'other';
}

/** Errors raised before routing or by plumbing (URL length, overload, rate limits) use the standard envelope everywhere. */
const PLUMBING_STATUSES = new Set([414, 429, 431, 503]);

export function allowedEnvelopes(family: RouteFamily, status: number): readonly (EnvelopeKind | 'html')[] {
  if (PLUMBING_STATUSES.has(status) && family !== 'other') return family === 'oauth2' || family === 'oauth2-page' ? ['standard', 'oauth2'] : ['standard'];
  switch (family) {
    case 'oauth2':
      return ['oauth2'];
    case 'discovery':
      // Outside `/oauth2/*`: plumbing errors are standard; the external-issuer notice answers in OAuth2's.
      return ['standard', 'oauth2'];
    case 'oauth2-page':
      // Invalid authorization requests are shown to the user as a page (RFC 6749 §4.1.2.1), never redirected.
      return ['html', 'oauth2'];
    case 'content-sync':
      return status === 410 || status === 422 ? ['content'] : ['standard'];
    case 'content-snapshot':
      // A 404 is snapshot_not_found for a matched route, the standard 404 for a path that matches no route.
      return status === 422 ? ['content'] : status === 404 ? ['content', 'standard'] : ['standard'];
    case 'user-sync':
      return status === 409 || status === 422 ? ['sync'] : ['standard'];
    case 'user-direct':
      return status === 409 ? ['sync'] : ['standard'];
    case 'app-state':
      // Refusals made before App State is reached (authentication, scope, content type) stay standard.
      return ['app-state', 'standard'];
    default:
      return ['standard'];
  }
}

/** The envelope a body is in, checked with its exact key set, or null. */
export function envelopeOf(body: unknown): EnvelopeKind | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const b = body as Record<string, unknown>;
  const keys = Object.keys(b).sort().join(',');
  if (keys === 'message,success,type' && typeof b.message === 'string' && typeof b.type === 'string' && b.success === false) return 'standard';
  if (keys === 'error,success' && b.success === false && (isCodeMessage(b.error) || isCodeMessageDetails(b.error))) return 'sync';
  if (keys === 'error' && isCodeMessage(b.error)) return 'content';
  if (
    keys === 'details,message,success,type' &&
    typeof b.message === 'string' &&
    typeof b.type === 'string' &&
    b.success === false &&
    isAppStateDetails(b.details)
  )
    return 'app-state';
  if (
    keys === 'error,error_description,status_code' &&
    typeof b.error === 'string' &&
    typeof b.error_description === 'string' &&
    Number.isInteger(b.status_code)
  )
    return 'oauth2';
  return null;
}

function isCodeMessage(v: unknown): v is { code: string; message: string } {
  return (
    v !== null &&
    typeof v === 'object' &&
    Object.keys(v).sort().join(',') === 'code,message' &&
    typeof (v as { code: unknown }).code === 'string' &&
    typeof (v as { message: unknown }).message === 'string'
  );
}

/** The sync envelope's extension: a string `details` after `code` and `message` (docs/error-codes.md). */
function isCodeMessageDetails(v: unknown): boolean {
  if (v === null || typeof v !== 'object' || Object.keys(v).sort().join(',') !== 'code,details,message') return false;
  const e = v as Record<string, unknown>;
  return typeof e.code === 'string' && typeof e.message === 'string' && typeof e.details === 'string';
}

/** `details` of an App State refusal: `{ success: false, error: { code, message, details? }, currentETag? }`. */
function isAppStateDetails(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  const d = v as Record<string, unknown>;
  const keys = Object.keys(d).sort().join(',');
  if (d.success !== false || (keys !== 'error,success' && keys !== 'currentETag,error,success')) return false;
  const e = d.error as Record<string, unknown> | null;
  return (
    e !== null &&
    typeof e === 'object' &&
    typeof e.code === 'string' &&
    typeof e.message === 'string' &&
    ['code,message', 'code,details,message'].includes(Object.keys(e).sort().join(','))
  );
}

/** Null when the error response is in an allowed envelope with a consistent status; else what is wrong. */
export function errorEnvelopeProblem(family: RouteFamily, status: number, contentType: string | undefined, text: string): string | null {
  const allowed = allowedEnvelopes(family, status);
  if (allowed.includes('html') && (contentType ?? '').startsWith('text/html')) return null;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `error body is not JSON (${contentType ?? 'no content type'}): ${text.slice(0, 200)}`;
  }
  const kind = envelopeOf(body);
  if (kind === null) return `error body is in no envelope: ${text.slice(0, 300)}`;
  if (!allowed.includes(kind)) return `${family} ${status} answered in the ${kind} envelope (allowed: ${allowed.join(', ')}): ${text.slice(0, 300)}`;
  const b = body as Record<string, any>;
  if (kind === 'standard' && b.type !== standardErrorType(status)) return `standard envelope type ${b.type} for status ${status}`;
  if (kind === 'oauth2' && b.status_code !== status) return `oauth2 status_code ${b.status_code} for status ${status}`;
  if (kind === 'content' && !(isContentSyncErrorCode(b.error.code) && CONTENT_SYNC_ERRORS[b.error.code as keyof typeof CONTENT_SYNC_ERRORS] === status))
    return `content code ${b.error.code} with status ${status}`;
  if (kind === 'sync' && b.error.code !== (status === 409 ? 'OutOfSyncError' : 'ValidationError')) return `sync code ${b.error.code} with status ${status}`;
  if (kind === 'app-state') {
    const expected = (APP_STATE_ERRORS as Record<string, { status: number; type: string }>)[b.details.error.code];
    if (!expected || expected.status !== status || expected.type !== b.type)
      return `app-state code ${b.details.error.code} (type ${b.type}) with status ${status}`;
  }
  return null;
}
