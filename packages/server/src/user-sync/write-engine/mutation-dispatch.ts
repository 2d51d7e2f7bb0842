import type { ValidatedMutation } from '@quran-sync/protocol';
import { ApplyError } from '../apply-error.js';
import type { AppliedResource } from '../appliers/applied-resource.js';
import { createBookmark, deleteBookmarkById, updateBookmark } from '../appliers/bookmark-applier.js';
import { createLink, deleteLink } from '../appliers/collection-bookmark-applier.js';
import { createCollection, deleteCollection, upsertCollection } from '../appliers/collection-applier.js';
import { deleteNote, upsertNote } from '../appliers/note-applier.js';
import { deletePreference, setPreference } from '../appliers/preference-applier.js';
import { createSession, deleteSession, upsertSession } from '../appliers/reading-session-applier.js';
import type { ApplierContext } from './applier-context.js';

/**
 * Dispatches one validated mutation to its resource's applier. What is already gone — deleted by another
 * device, or never this user's — is acknowledged without effect, never refused: a well-behaved client
 * sends such mutations whenever another device's edit crossed its own (docs/user-sync.md, "Concurrent edits").
 */
export async function applyMutation(ctx: ApplierContext, m: ValidatedMutation): Promise<AppliedResource> {
  switch (m.resource) {
    case 'BOOKMARK':
      if (m.type === 'DELETE') return deleteBookmarkById(ctx, m.resourceId!, 'acknowledge');
      return m.type === 'CREATE' ? createBookmark(ctx, m.resourceId, m.input!) : updateBookmark(ctx, m.resourceId!, m.input!);
    case 'COLLECTION':
      if (m.type === 'DELETE') return deleteCollection(ctx, m.resourceId!, 'acknowledge');
      return m.type === 'CREATE' ? createCollection(ctx, m.resourceId, m.input!) : upsertCollection(ctx, m.resourceId!, m.input!);
    case 'COLLECTION_BOOKMARK':
      try {
        return m.type === 'DELETE' ? await deleteLink(ctx, m.link, 'acknowledge') : await createLink(ctx, m.link, 'acknowledge');
      } catch (error) {
        // A link named by its composite id: name that field (any `collectionId`/`bookmarkId` sent must match it).
        if (error instanceof ApplyError && error.reason === 'unknown' && m.resourceId !== null) throw new ApplyError('unknown', 'resourceId');
        throw error;
      }
    case 'NOTE':
      if (m.type === 'DELETE') return deleteNote(ctx, m.resourceId!, 'acknowledge');
      return upsertNote(ctx, m.resourceId, m.input!);
    case 'READING_SESSION':
      if (m.type === 'DELETE') return deleteSession(ctx, m.resourceId!, 'acknowledge');
      return m.type === 'CREATE' ? createSession(ctx, m.resourceId, m.input!) : upsertSession(ctx, m.resourceId!, m.input!);
    case 'PREFERENCE':
      return m.type === 'DELETE' ? deletePreference(ctx, m.group) : setPreference(ctx, m.group, m.input!.value, 'replace');
  }
}
