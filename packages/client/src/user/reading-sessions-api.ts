import { newResourceId, READING_SESSION_MERGE_WINDOW_MS, readReadingSessionInput } from '@quran-sync/protocol';
import { inputError, localWrite, pendingKeys } from './local-unit.js';
import type { UserSyncCore } from './user-sync-core.js';
import { newestFirst, toReadingSession, type ReadingSession } from './user-data-types.js';
import { clientTimeMs } from './user-resource-data.js';
import { wireData } from './wire-data.js';

/**
 * `client.readingSessions`: where the user reads. `record` follows QF's rule for `POST /reading-sessions`: the
 * session touched within the last 20 minutes moves to the new position, else a new session starts. The window
 * counts from the session's `clientUpdatedAt` (its last move), on the device's clock.
 */
export class ReadingSessionsApi {
  constructor(
    private readonly core: UserSyncCore,
    private readonly onWrite: () => void,
  ) {}

  record(position: { readonly chapterNumber: number; readonly verseNumber: number }): Promise<ReadingSession> {
    return localWrite(
      this.core,
      async (unit) => {
        const parsed = readReadingSessionInput({ chapterNumber: position.chapterNumber, verseNumber: position.verseNumber }, true);
        if (!parsed.ok) throw inputError(parsed);
        const chapterNumber = parsed.value.chapterNumber!;
        const verseNumber = parsed.value.verseNumber!;
        const recent = (await unit.tx.listRecords('READING_SESSION'))
          .filter((r) => (clientTimeMs(r.data!.clientUpdatedAt) ?? -Infinity) >= unit.now - READING_SESSION_MERGE_WINDOW_MS)
          .sort(newestFirst)[0];
        if (recent) {
          if (recent.data!.chapterNumber === chapterNumber && recent.data!.verseNumber === verseNumber)
            return toReadingSession(recent, await unit.isPending('READING_SESSION', recent.id));
          const data = { ...recent.data!, chapterNumber, verseNumber, clientUpdatedAt: unit.nowIso };
          const next = await unit.put('READING_SESSION', recent.id, data);
          await unit.enqueue({ type: 'UPDATE', resource: 'READING_SESSION', id: recent.id, sendId: true, data: wireData('READING_SESSION', data) });
          return toReadingSession(next, true);
        }
        const id = newResourceId();
        const data = { chapterNumber, verseNumber, clientCreatedAt: unit.nowIso, clientUpdatedAt: unit.nowIso };
        const record = await unit.put('READING_SESSION', id, data);
        await unit.enqueue({ type: 'CREATE', resource: 'READING_SESSION', id, sendId: true, data: wireData('READING_SESSION', data) });
        return toReadingSession(record, true);
      },
      this.onWrite,
    );
  }

  /** Sessions on this device, most recently moved first. */
  list(): Promise<ReadingSession[]> {
    return this.core.unit('local', async (tx) => {
      const pending = await pendingKeys(tx);
      return (await tx.listRecords('READING_SESSION')).sort(newestFirst).map((r) => toReadingSession(r, pending.has(`READING_SESSION\u0000${r.id}`)));
    });
  }
}
