import { newResourceId, parseVerseKey, readNoteInput, verseIndex, noteRangeBounds } from '@quran-sync/protocol';
import { inputError, localWrite, pendingKeys, UserInputError } from './local-unit.js';
import type { UserSyncCore } from './user-sync-core.js';
import { newestFirst, toNote, type Note, type NoteInput } from './user-data-types.js';
import type { RecordData } from './user-store.js';
import { wireData } from './wire-data.js';

/**
 * `client.notes`: create, update, delete, list, notes on a verse. Validated with the server's rules (body 6..10000
 * characters, ranges of real verses, stored canonical `s:a-s:a`). Notes are pushed under their device-minted id,
 * so a CREATE retried after a lost answer can never make a second note.
 */
export class NotesApi {
  constructor(
    private readonly core: UserSyncCore,
    private readonly onWrite: () => void,
  ) {}

  create(input: NoteInput): Promise<Note> {
    return localWrite(
      this.core,
      async (unit) => {
        const parsed = readNoteInput({ ...input }, true);
        if (!parsed.ok) throw inputError(parsed);
        const id = newResourceId();
        const data: RecordData = {
          body: parsed.value.body,
          ranges: parsed.value.ranges,
          saveToQR: parsed.value.saveToQR ?? false,
          attachedEntities: parsed.value.attachedEntities ?? [],
          clientCreatedAt: unit.nowIso,
          clientUpdatedAt: unit.nowIso,
        };
        const record = await unit.put('NOTE', id, data);
        await unit.enqueue({ type: 'CREATE', resource: 'NOTE', id, sendId: true, data: wireData('NOTE', data) });
        return toNote(record, true);
      },
      this.onWrite,
    );
  }

  update(id: string, patch: Partial<NoteInput>): Promise<Note> {
    return localWrite(
      this.core,
      async (unit) => {
        const record = await unit.require('NOTE', id);
        const parsed = readNoteInput({ ...patch }, false);
        if (!parsed.ok) throw inputError(parsed);
        const v = parsed.value;
        const data: RecordData = {
          ...record.data!,
          ...(v.body !== undefined ? { body: v.body } : {}),
          ...(v.ranges !== undefined ? { ranges: v.ranges } : {}),
          ...(v.saveToQR !== undefined ? { saveToQR: v.saveToQR } : {}),
          ...(v.attachedEntities !== undefined ? { attachedEntities: v.attachedEntities } : {}),
          clientUpdatedAt: unit.nowIso,
        };
        const next = await unit.put('NOTE', id, data);
        await unit.enqueue({ type: 'UPDATE', resource: 'NOTE', id, sendId: true, data: wireData('NOTE', data) });
        return toNote(next, true);
      },
      this.onWrite,
    );
  }

  /** False when there is no such note. */
  delete(id: string): Promise<boolean> {
    return localWrite(
      this.core,
      async (unit) => {
        const record = await unit.live('NOTE', id);
        if (!record) return false;
        unit.markDeleted(record);
        await unit.enqueue({ type: 'DELETE', resource: 'NOTE', id, sendId: true, data: null });
        return true;
      },
      this.onWrite,
    );
  }

  get(id: string): Promise<Note | null> {
    return this.core.unit('local', async (tx) => {
      const record = await tx.getRecord('NOTE', id);
      return record?.data ? toNote(record, (await tx.outboxFor('NOTE', id)).length > 0) : null;
    });
  }

  /** Notes on this device, newest first. */
  list(): Promise<Note[]> {
    return this.core.unit('local', async (tx) => {
      const pending = await pendingKeys(tx);
      return (await tx.listRecords('NOTE')).sort(newestFirst).map((r) => toNote(r, pending.has(`NOTE\u0000${r.id}`)));
    });
  }

  /** Notes whose ranges include the verse `s:a`, newest first. */
  async byVerse(verseKey: string): Promise<Note[]> {
    const verse = parseVerseKey(verseKey);
    if (!verse) throw new UserInputError('Invalid verseKey');
    const at = verseIndex(verse);
    return (await this.list()).filter((note) =>
      note.ranges.some((range) => {
        const [from, to] = noteRangeBounds(range);
        return from <= at && at <= to;
      }),
    );
  }
}
