/**
 * The content sync engine's states, and every transition between them. The engine changes state only
 * through `ContentSyncStateMachine.fire`, so this table is the whole story (a UI can rely on it):
 *
 * | from          | event              | to            | when                                                        |
 * |---------------|--------------------|---------------|-------------------------------------------------------------|
 * | idle, error   | begin_bootstrap    | bootstrapping | a run starts with no sync token for the canonical filter    |
 * | idle, error   | begin_incremental  | syncing       | a run starts from the stored token of the same filter       |
 * | bootstrapping | recover            | recovering    | 410 resync_required (e.g. a cursor expired mid-run)         |
 * | syncing       | recover            | recovering    | 410 resync_required, or 422 token_filter_mismatch           |
 * | recovering    | restart_bootstrap  | bootstrapping | the token was dropped; bootstrap the same filter again      |
 * | bootstrapping | complete           | idle          | final page applied, token stored                            |
 * | syncing       | complete           | idle          | final page applied, token stored                            |
 * | bootstrapping, syncing, recovering | fail   | error | any other error (after the transport's bounded retries)     |
 * | idle, error   | fail               | error         | the run could not begin (store unreadable)                  |
 * | bootstrapping, syncing, recovering | cancel | idle  | the run's AbortSignal fired                                 |
 *
 * Any other (state, event) pair is a bug and throws `InvalidTransitionError`. `error` is not terminal: the
 * next run starts from it exactly as from `idle`.
 */
export const CONTENT_SYNC_STATES = ['idle', 'bootstrapping', 'syncing', 'recovering', 'error'] as const;
export type ContentSyncState = (typeof CONTENT_SYNC_STATES)[number];

export const CONTENT_SYNC_EVENTS = ['begin_bootstrap', 'begin_incremental', 'recover', 'restart_bootstrap', 'complete', 'fail', 'cancel'] as const;
export type ContentSyncEvent = (typeof CONTENT_SYNC_EVENTS)[number];

export const CONTENT_SYNC_TRANSITIONS: Readonly<Record<ContentSyncState, Readonly<Partial<Record<ContentSyncEvent, ContentSyncState>>>>> = {
  idle: { begin_bootstrap: 'bootstrapping', begin_incremental: 'syncing', fail: 'error' },
  error: { begin_bootstrap: 'bootstrapping', begin_incremental: 'syncing', fail: 'error' },
  bootstrapping: { recover: 'recovering', complete: 'idle', fail: 'error', cancel: 'idle' },
  syncing: { recover: 'recovering', complete: 'idle', fail: 'error', cancel: 'idle' },
  recovering: { restart_bootstrap: 'bootstrapping', fail: 'error', cancel: 'idle' },
};

export class InvalidTransitionError extends Error {
  constructor(
    readonly state: ContentSyncState,
    readonly event: ContentSyncEvent,
  ) {
    super(`content sync: no transition for "${event}" in state "${state}"`);
    this.name = 'InvalidTransitionError';
  }
}

/** The state after `event` in `state`; throws `InvalidTransitionError` when the table has no entry. */
export function nextContentSyncState(state: ContentSyncState, event: ContentSyncEvent): ContentSyncState {
  const next = CONTENT_SYNC_TRANSITIONS[state][event];
  if (next === undefined) throw new InvalidTransitionError(state, event);
  return next;
}

export interface ContentSyncStateChange {
  readonly from: ContentSyncState;
  readonly to: ContentSyncState;
  readonly event: ContentSyncEvent;
}

export class ContentSyncStateMachine {
  private current: ContentSyncState = 'idle';

  constructor(private readonly onChange: (change: ContentSyncStateChange) => void = () => undefined) {}

  get state(): ContentSyncState {
    return this.current;
  }

  fire(event: ContentSyncEvent): ContentSyncStateChange {
    const change = { from: this.current, to: nextContentSyncState(this.current, event), event };
    this.current = change.to;
    this.onChange(change);
    return change;
  }
}
