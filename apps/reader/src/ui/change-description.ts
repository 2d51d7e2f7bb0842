import type { QuarantinedEntry } from '@quran-sync/client';

/**
 * What a queued or refused change was, in the reader's words ("New note on 2:255-2:257 “…”", "Deleted
 * bookmark 1:4"), from the mutation the SDK keeps: the user never sees resource names or ids.
 */
export function describeChange(entry: Pick<QuarantinedEntry, 'type' | 'resource' | 'data'>): string {
  const data = (entry.data ?? {}) as Record<string, unknown>;
  const action = entry.type === 'CREATE' ? 'New' : entry.type === 'UPDATE' ? 'Changed' : 'Deleted';
  switch (entry.resource) {
    case 'NOTE': {
      const ranges = Array.isArray(data.ranges) ? data.ranges.map(String).map(shortRange).join(', ') : '';
      const body = typeof data.body === 'string' ? ` “${data.body.length > 60 ? `${data.body.slice(0, 57)}…` : data.body}”` : '';
      return `${action} note${ranges ? ` on ${ranges}` : ''}${body}`;
    }
    case 'BOOKMARK':
      return `${action} bookmark${typeof data.key === 'number' && typeof data.verseNumber === 'number' ? ` ${data.key}:${data.verseNumber}` : ''}`;
    case 'COLLECTION':
      return `${action} collection${typeof data.name === 'string' ? ` “${data.name}”` : ''}`;
    case 'COLLECTION_BOOKMARK': {
      const where = typeof data.key === 'number' && typeof data.verseNumber === 'number' ? ` ${data.key}:${data.verseNumber}` : '';
      return entry.type === 'DELETE' ? `Removed${where} from a collection` : `Added${where} to a collection`;
    }
    case 'READING_SESSION':
      return `Reading position${typeof data.chapterNumber === 'number' && typeof data.verseNumber === 'number' ? ` ${data.chapterNumber}:${data.verseNumber}` : ''}`;
    default:
      return `${action} ${entry.resource.toLowerCase().replace(/_/g, ' ')}`;
  }
}

/** `2:255-2:255` → `2:255`; other ranges as they are. */
function shortRange(range: string): string {
  const [from, to] = range.split('-');
  return from && from === to ? from : range;
}
