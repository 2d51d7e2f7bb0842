import { readBookmarkInput, readBookmarkLocation, readClientTimestamps, readMushaf, type BookmarkInput, type BookmarkLocation } from './bookmark-rules.js';
import { readCollectionInput, type CollectionInput } from './collection-rules.js';
import { fieldProblemMessage, isPlainObject, own, type FieldProblem } from './field-result.js';
import { readNoteInput, type NoteInput } from './note-rules.js';
import { isPreferenceGroup, readPreferenceInput, type PreferenceInput } from './preference-rules.js';
import { readReadingSessionInput, type ReadingSessionInput } from './reading-session-rules.js';
import { DEFAULT_COLLECTION_ALIAS, isValidResourceId, parseCollectionBookmarkId } from './resource-id.js';
import { isMutationType, isUserResource, type MutationType } from './user-resources.js';
import { MutationValidationError, syncMessages } from './user-sync-messages.js';

/**
 * Validation of a `POST /v1/sync` body, before anything touches storage (user-sync.md, "POST"). The whole
 * batch is checked first so a bad mutation anywhere rejects the batch with a message naming its index and
 * nothing is applied. Checks that need stored state (does this id exist for this user?) happen later, in the
 * same transaction as the writes. Unknown extra keys are ignored: real clients send more than the contract
 * names.
 */
interface Base<R extends string> {
  readonly index: number;
  readonly type: MutationType;
  readonly resource: R;
  /** As sent (validated); null when the mutation names none. */
  readonly resourceId: string | null;
}

/** Which bookmark a link names: by id, or by its location (found or created). */
export type LinkBookmarkTarget =
  | { readonly kind: 'id'; readonly bookmarkId: string }
  | { readonly kind: 'details'; readonly location: Omit<BookmarkLocation, 'mushaf'>; readonly mushaf: number | undefined };

export interface LinkInput {
  /** A collection id or `__default__`. */
  readonly collectionId: string;
  readonly bookmark: LinkBookmarkTarget;
  readonly clientCreatedAt: string | null | undefined;
  readonly clientUpdatedAt: string | null | undefined;
}

export type ValidatedMutation =
  | (Base<'BOOKMARK'> & { readonly input: BookmarkInput | null })
  | (Base<'COLLECTION'> & { readonly input: CollectionInput | null })
  | (Base<'COLLECTION_BOOKMARK'> & { readonly link: LinkInput })
  | (Base<'NOTE'> & { readonly input: NoteInput | null })
  | (Base<'READING_SESSION'> & { readonly input: ReadingSessionInput | null })
  | (Base<'PREFERENCE'> & { readonly group: string; readonly input: PreferenceInput | null });

export const DEFAULT_MAX_MUTATIONS_PER_PUSH = 100;

/** Validates a whole push body; throws {@link MutationValidationError} with the contract's message. */
export function validatePushBody(body: unknown, maxMutations: number = DEFAULT_MAX_MUTATIONS_PER_PUSH): ValidatedMutation[] {
  if (!isPlainObject(body)) throw new MutationValidationError(syncMessages.invalidMutations());
  const mutations = own(body, 'mutations');
  if (!Array.isArray(mutations) || mutations.length === 0) throw new MutationValidationError(syncMessages.invalidMutations());
  if (mutations.length > maxMutations) throw new MutationValidationError(syncMessages.tooManyMutations(maxMutations));
  return mutations.map((mutation, index) => validateMutation(mutation, index));
}

function fail(message: string): never {
  throw new MutationValidationError(message);
}

function failField(problem: FieldProblem, index: number): never {
  throw new MutationValidationError(fieldProblemMessage(problem, index));
}

/** Validates one mutation of a batch. */
export function validateMutation(raw: unknown, index: number): ValidatedMutation {
  if (!isPlainObject(raw)) fail(`Invalid mutation at mutation[${index}]`);
  const resource = own(raw, 'resource');
  if (resource === undefined || resource === null || resource === '') fail(syncMessages.missingResource(index));
  if (!isUserResource(resource)) fail(syncMessages.invalidResource(resource, index));
  const type = own(raw, 'type');
  if (type === undefined || type === null || type === '') fail(syncMessages.missingType(index));
  if (!isMutationType(type)) fail(syncMessages.invalidType(type, index));

  const rawId = own(raw, 'resourceId');
  if (rawId !== undefined && rawId !== null && typeof rawId !== 'string') fail(syncMessages.invalidResourceId(index));
  const resourceId = typeof rawId === 'string' && rawId.length > 0 ? rawId : null;
  const rawData = own(raw, 'data');
  if (rawData !== undefined && rawData !== null && !isPlainObject(rawData)) fail(syncMessages.invalidField('data', index));
  const data = isPlainObject(rawData) ? rawData : null;
  // Object literals written out, helpers at module level: this runs for every mutation of every push.
  switch (resource) {
    case 'BOOKMARK': {
      checkId(type, resourceId, false, index);
      if (type === 'DELETE') return { index, type, resource, resourceId, input: null };
      const input = readBookmarkInput(requireData(data, index), type === 'CREATE');
      if (!input.ok) failField(input, index);
      return { index, type, resource, resourceId, input: input.value };
    }
    case 'COLLECTION': {
      checkId(type, resourceId, true, index);
      if (type === 'DELETE') return { index, type, resource, resourceId, input: null };
      const input = readCollectionInput(requireData(data, index), type === 'CREATE' && resourceId === null);
      if (!input.ok) failField(input, index);
      return { index, type, resource, resourceId, input: input.value };
    }
    case 'NOTE': {
      checkId(type, resourceId, false, index);
      if (type === 'DELETE') return { index, type, resource, resourceId, input: null };
      const input = readNoteInput(requireData(data, index), type === 'CREATE');
      if (!input.ok) failField(input, index);
      return { index, type, resource, resourceId, input: input.value };
    }
    case 'READING_SESSION': {
      checkId(type, resourceId, false, index);
      if (type === 'DELETE') return { index, type, resource, resourceId, input: null };
      const input = readReadingSessionInput(requireData(data, index), type === 'CREATE');
      if (!input.ok) failField(input, index);
      return { index, type, resource, resourceId, input: input.value };
    }
    case 'PREFERENCE': {
      // One resource per group: the group names it (`resourceId` may repeat the group name).
      const group = data && own(data, 'group') !== undefined ? own(data, 'group') : resourceId;
      if (group === null || group === undefined) fail(type === 'DELETE' ? syncMessages.missingResourceId(index) : syncMessages.missingField('group', index));
      if (!isPreferenceGroup(group)) fail(syncMessages.invalidField('group', index));
      if (resourceId !== null && resourceId !== group) fail(syncMessages.invalidResourceId(index));
      if (type === 'DELETE') return { index, type, resource, resourceId, group, input: null };
      const input = readPreferenceInput({ ...requireData(data, index), group });
      if (!input.ok) failField(input, index);
      return { index, type, resource, resourceId, group, input: input.value };
    }
    case 'COLLECTION_BOOKMARK':
      return { index, type, resource, resourceId, link: readLink(type, resourceId, data, index) };
  }
}

function requireData(data: Record<string, unknown> | null, index: number): Record<string, unknown> {
  return data ?? fail(syncMessages.missingData(index));
}

/** A mutation's `resourceId`: required but for CREATE, and well-formed (`__default__` where allowed). */
function checkId(type: MutationType, resourceId: string | null, allowDefaultAlias: boolean, index: number): void {
  if (resourceId === null) {
    if (type !== 'CREATE') fail(syncMessages.missingResourceId(index));
    return;
  }
  if (!isValidResourceId(resourceId) && !(allowDefaultAlias && resourceId === DEFAULT_COLLECTION_ALIAS)) fail(syncMessages.invalidResourceId(index));
}

/**
 * A link is named by its composite id, or by `data.collectionId` plus either `data.bookmarkId` or the
 * bookmark's details (type, key, verseNumber, mushaf) — the bookmark is then found, or created on CREATE.
 */
function readLink(type: MutationType, resourceId: string | null, data: Record<string, unknown> | null, index: number): LinkInput {
  let fromId: { collectionId: string; bookmarkId: string } | null = null;
  if (resourceId !== null) {
    fromId = parseCollectionBookmarkId(resourceId);
    if (!fromId) fail(syncMessages.invalidResourceId(index));
  }
  if (!data && !fromId) fail(type === 'CREATE' ? syncMessages.missingData(index) : syncMessages.missingResourceId(index));
  const d = data ?? {};
  const rawCollection = own(d, 'collectionId');
  let collectionId: string;
  if (rawCollection !== undefined && rawCollection !== null) {
    if (typeof rawCollection !== 'string' || (!isValidResourceId(rawCollection) && rawCollection !== DEFAULT_COLLECTION_ALIAS))
      fail(syncMessages.invalidField('collectionId', index));
    collectionId = rawCollection;
  } else if (fromId) {
    collectionId = fromId.collectionId;
  } else {
    fail(syncMessages.missingField('collectionId', index));
  }
  const rawBookmarkId = own(d, 'bookmarkId') ?? own(d, 'bookmark_id');
  let bookmark: LinkBookmarkTarget;
  if (rawBookmarkId !== undefined && rawBookmarkId !== null) {
    if (!isValidResourceId(rawBookmarkId)) fail(syncMessages.invalidField('bookmarkId', index));
    bookmark = { kind: 'id', bookmarkId: rawBookmarkId };
  } else if (fromId) {
    bookmark = { kind: 'id', bookmarkId: fromId.bookmarkId };
  } else {
    const location = readBookmarkLocation(d, true);
    if (!location.ok) failField(location, index);
    const mushaf = readMushaf(d);
    if (!mushaf.ok) failField(mushaf, index);
    bookmark = { kind: 'details', location: location.value!, mushaf: mushaf.value };
  }
  if (fromId && (fromId.collectionId !== collectionId || (bookmark.kind === 'id' && bookmark.bookmarkId !== fromId.bookmarkId))) {
    fail(syncMessages.invalidResourceId(index));
  }
  const times = readClientTimestamps(d);
  if (!times.ok) failField(times, index);
  return { collectionId, bookmark, ...times.value };
}
