import { describe, expect, it } from 'vitest';
import {
  CONTENT_SYNC_EVENTS,
  CONTENT_SYNC_STATES,
  ContentSyncStateMachine,
  InvalidTransitionError,
  nextContentSyncState,
  type ContentSyncEvent,
  type ContentSyncState,
} from './content-sync-state-machine.js';

/** The table of the module's header comment, written out independently: every (state, event) pair. */
const EXPECTED: Record<ContentSyncState, Record<ContentSyncEvent, ContentSyncState | 'invalid'>> = {
  idle: {
    begin_bootstrap: 'bootstrapping',
    begin_incremental: 'syncing',
    recover: 'invalid',
    restart_bootstrap: 'invalid',
    complete: 'invalid',
    fail: 'error',
    cancel: 'invalid',
  },
  error: {
    begin_bootstrap: 'bootstrapping',
    begin_incremental: 'syncing',
    recover: 'invalid',
    restart_bootstrap: 'invalid',
    complete: 'invalid',
    fail: 'error',
    cancel: 'invalid',
  },
  bootstrapping: {
    begin_bootstrap: 'invalid',
    begin_incremental: 'invalid',
    recover: 'recovering',
    restart_bootstrap: 'invalid',
    complete: 'idle',
    fail: 'error',
    cancel: 'idle',
  },
  syncing: {
    begin_bootstrap: 'invalid',
    begin_incremental: 'invalid',
    recover: 'recovering',
    restart_bootstrap: 'invalid',
    complete: 'idle',
    fail: 'error',
    cancel: 'idle',
  },
  recovering: {
    begin_bootstrap: 'invalid',
    begin_incremental: 'invalid',
    recover: 'invalid',
    restart_bootstrap: 'bootstrapping',
    complete: 'invalid',
    fail: 'error',
    cancel: 'idle',
  },
};

describe('content sync state machine', () => {
  const cases = CONTENT_SYNC_STATES.flatMap((state) => CONTENT_SYNC_EVENTS.map((event) => [state, event, EXPECTED[state][event]] as const));

  it.each(cases)('%s --%s--> %s', (state, event, expected) => {
    if (expected === 'invalid') expect(() => nextContentSyncState(state, event)).toThrow(InvalidTransitionError);
    else expect(nextContentSyncState(state, event)).toBe(expected);
  });

  it('reports each change and keeps the state on an invalid event', () => {
    const changes: string[] = [];
    const m = new ContentSyncStateMachine((c) => changes.push(`${c.from}>${c.to}`));
    m.fire('begin_incremental');
    m.fire('recover');
    m.fire('restart_bootstrap');
    expect(() => m.fire('begin_bootstrap')).toThrow(InvalidTransitionError);
    expect(m.state).toBe('bootstrapping');
    m.fire('fail');
    m.fire('begin_bootstrap');
    m.fire('complete');
    expect(changes).toEqual([
      'idle>syncing',
      'syncing>recovering',
      'recovering>bootstrapping',
      'bootstrapping>error',
      'error>bootstrapping',
      'bootstrapping>idle',
    ]);
  });
});
