import { isPreferenceGroup, readPreferenceGroupValue } from '@quran-sync/protocol';
import { inputError, localWrite, UserInputError } from './local-unit.js';
import type { UserSyncCore } from './user-sync-core.js';

/**
 * `client.preferences`: one value object per group (`theme`, `reading`, `audio`, …), validated with the server's
 * rules. `set` merges keys into the group; the whole group is pushed (a sync write replaces the group's value),
 * and a rebase merges concurrent changes of different keys (see the conflict policies).
 */
export class PreferencesApi {
  constructor(
    private readonly core: UserSyncCore,
    private readonly onWrite: () => void,
  ) {}

  /** The group's value (null when never set), or every group when called without one. */
  get(group: string): Promise<Record<string, unknown> | null>;
  get(): Promise<Record<string, Record<string, unknown>>>;
  get(group?: string): Promise<unknown> {
    return this.core.unit('local', async (tx) => {
      if (group !== undefined) return ((await tx.getRecord('PREFERENCE', group))?.data?.value as Record<string, unknown> | undefined) ?? null;
      const all: Record<string, Record<string, unknown>> = {};
      for (const r of await tx.listRecords('PREFERENCE')) all[r.id] = r.data!.value as Record<string, unknown>;
      return all;
    });
  }

  /** Merges `values` into the group; returns the group's new value. */
  set(group: string, values: Record<string, unknown>): Promise<Record<string, unknown>> {
    return localWrite(
      this.core,
      async (unit) => {
        if (!isPreferenceGroup(group)) throw new UserInputError('Invalid group');
        const record = await unit.tx.getRecord('PREFERENCE', group);
        const merged = readPreferenceGroupValue(group, { ...((record?.data?.value as Record<string, unknown> | undefined) ?? {}), ...values });
        if (!merged.ok) throw inputError(merged);
        const data = { group, value: merged.value };
        await unit.put('PREFERENCE', group, data);
        await unit.enqueue({ type: 'UPDATE', resource: 'PREFERENCE', id: group, sendId: false, data });
        return merged.value;
      },
      this.onWrite,
    );
  }
}
