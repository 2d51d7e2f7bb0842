import { describe, expect, it } from 'vitest';
import { INVALID_MUTATIONS_MESSAGE, readSyncRefusal, syncMessages } from './user-sync-messages.js';

describe('sync refusal messages: what the server builds, the client reads back', () => {
  it('reads the index of every message that names a mutation, whatever the value quoted in it', () => {
    const hostile = 'x at mutation[99]';
    const named = [
      syncMessages.missingResource(3),
      syncMessages.invalidResource(hostile, 3),
      syncMessages.missingType(3),
      syncMessages.invalidType({ a: hostile }, 3),
      syncMessages.missingResourceId(3),
      syncMessages.invalidResourceId(3),
      syncMessages.missingData(3),
      syncMessages.missingField('verseNumber', 3),
      syncMessages.invalidField('key', 3),
      syncMessages.defaultCollectionRename(3),
      syncMessages.defaultCollectionDelete(3),
      syncMessages.duplicateBookmark(3),
    ];
    for (const message of named) expect(readSyncRefusal(message), message).toEqual({ kind: 'mutation', index: 3 });
  });
  it('reads the cap of a batch that is too large', () => {
    expect(readSyncRefusal(syncMessages.tooManyMutations(100))).toEqual({ kind: 'too-many-mutations', max: 100 });
  });
  it('reads every other refusal as one of the whole batch', () => {
    for (const message of [INVALID_MUTATIONS_MESSAGE, syncMessages.missingLastMutationAt(), syncMessages.idempotencyKeyReused(), '', 'at mutation[x]']) {
      expect(readSyncRefusal(message)).toEqual({ kind: 'batch' });
    }
  });
});
