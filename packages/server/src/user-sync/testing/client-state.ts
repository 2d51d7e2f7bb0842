/**
 * What a sync client holds after applying pulled entries: the latest data per resource, deletes removed.
 * COLLECTION_BOOKMARK and PREFERENCE entries carry no `resourceId` on pulls; their identity is in `data`.
 */
export type ClientState = Map<string, unknown>;

export function entryKey(entry: { resource: string; resourceId: string | null; data: any }): string {
  if (entry.resourceId) return `${entry.resource}:${entry.resourceId}`;
  if (entry.resource === 'COLLECTION_BOOKMARK') return `${entry.resource}:${entry.data.collectionId}-${entry.data.bookmarkId}`;
  if (entry.resource === 'PREFERENCE') return `${entry.resource}:${entry.data.group}`;
  throw new Error(`entry without identity: ${JSON.stringify(entry)}`);
}

export function applyEntries(state: ClientState, entries: readonly any[]): ClientState {
  for (const entry of entries) {
    if (entry.type === 'DELETE') state.delete(entryKey(entry));
    else state.set(entryKey(entry), entry.data);
  }
  return state;
}

export function sortedState(state: ClientState): Array<[string, unknown]> {
  return [...state.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
}
