import { describe, expect, it } from 'vitest';
import { lastWriterWins, resolveConflictPolicy, serverWins, type ConflictContext } from './conflict-policy.js';

const note = (body: string, ranges: string[], at: string) => ({
  body,
  ranges,
  saveToQR: false,
  attachedEntities: [],
  clientCreatedAt: '2026-01-01T00:00:00.000Z',
  clientUpdatedAt: at,
});
const ctx = (over: Partial<ConflictContext>): ConflictContext => ({
  resource: 'NOTE',
  id: 'n1',
  base: null,
  local: null,
  remote: null,
  remoteTimestamp: 1,
  ...over,
});

describe('conflict policies', () => {
  const base = note('base body', ['1:1-1:1'], '2026-01-01T00:00:00.000Z');

  it('server-wins: a field both changed takes the server value; a field only the device changed is kept; nothing changed locally → remote', () => {
    expect(
      serverWins(
        ctx({ base, local: note('local body', ['1:1-1:1'], '2026-01-02T00:00:00.000Z'), remote: note('remote body', ['1:1-1:1'], '2026-01-03T00:00:00.000Z') }),
      ),
    ).toEqual({ use: 'remote' });
    expect(
      serverWins(
        ctx({ base, local: note('base body', ['2:1-2:2'], '2026-01-02T00:00:00.000Z'), remote: note('remote body', ['1:1-1:1'], '2026-01-03T00:00:00.000Z') }),
      ),
    ).toEqual({
      use: 'merged',
      data: note('remote body', ['2:1-2:2'], '2026-01-02T00:00:00.000Z'),
    });
    // The server changed nothing the device changed: the local state stands as it is.
    expect(
      serverWins(
        ctx({ base, local: note('local body', ['1:1-1:1'], '2026-01-02T00:00:00.000Z'), remote: { ...base, clientUpdatedAt: '2026-01-03T00:00:00.000Z' } }),
      ),
    ).toEqual({ use: 'local' });
  });

  it('server-wins: preference groups merge per key', () => {
    const resolution = serverWins({
      resource: 'PREFERENCE',
      id: 'audio',
      base: { group: 'audio', value: { reciter: 1, playbackRate: 1 } },
      local: { group: 'audio', value: { reciter: 1, playbackRate: 2 } },
      remote: { group: 'audio', value: { reciter: 5, playbackRate: 1, enableAutoScrolling: true } },
      remoteTimestamp: 9,
    });
    expect(resolution).toEqual({ use: 'merged', data: { group: 'audio', value: { reciter: 5, playbackRate: 2, enableAutoScrolling: true } } });
  });

  it('server-wins and last-writer-wins: a deletion wins on either side', () => {
    for (const policy of [serverWins, lastWriterWins]) {
      expect(policy(ctx({ base, local: note('x'.repeat(8), ['1:1'], '2099-01-01T00:00:00.000Z'), remote: null }))).toEqual({ use: 'remote' });
      expect(policy(ctx({ base, local: null, remote: note('y'.repeat(8), ['1:1'], '2099-01-01T00:00:00.000Z') }))).toEqual({ use: 'local' });
    }
  });

  it('last-writer-wins: the later clientUpdatedAt; a tie or a missing time goes to the server (then field-wise)', () => {
    const early = note('early body', ['1:1'], '2026-01-02T00:00:00.000Z');
    const late = note('late body', ['1:1'], '2026-01-03T00:00:00.000Z');
    expect(lastWriterWins(ctx({ base, local: late, remote: early }))).toEqual({ use: 'local' });
    expect(lastWriterWins(ctx({ base, local: early, remote: late }))).toEqual({ use: 'remote' });
    expect(lastWriterWins(ctx({ base, local: { ...late, body: 'same time' }, remote: late }))).toEqual({ use: 'remote' });
    expect(
      lastWriterWins({
        resource: 'PREFERENCE',
        id: 'theme',
        base: { group: 'theme', value: { type: 'light' } },
        local: { group: 'theme', value: { type: 'dark' } },
        remote: { group: 'theme', value: { type: 'light' } },
        remoteTimestamp: 1,
      }),
    ).toEqual({ use: 'local' });
  });

  it('resolves names and functions; refuses unknown names', () => {
    expect(resolveConflictPolicy(undefined)).toBe(serverWins);
    expect(resolveConflictPolicy('last-writer-wins')).toBe(lastWriterWins);
    const custom = () => ({ use: 'local' as const });
    expect(resolveConflictPolicy(custom)).toBe(custom);
    expect(() => resolveConflictPolicy('newest' as never)).toThrow(/unknown conflict policy/);
  });
});
