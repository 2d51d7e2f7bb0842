import { SessionEndedError, type ContentSyncState } from '@quran-sync/client';
import { h } from '../dom.js';
import type { ReaderServices } from '../reader-services.js';
import { openDialog } from './dialog.js';
import { quarantineSection } from './quarantine-section.js';

export type SyncStatusKind = 'synced' | 'syncing' | 'pending' | 'offline' | 'error';

export interface SyncStatus {
  readonly kind: SyncStatusKind;
  readonly label: string;
  readonly pending: number;
  readonly quarantined: number;
  readonly error: string | null;
  readonly sessionEnded: boolean;
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The sync status pill: one state for both engines, worst first. Offline wins (nothing can sync); then
 * quarantined changes (the server refused them: the user must decide) and failures; then work in progress
 * and unsent changes; else synced.
 */
export class SyncStatusIndicator {
  readonly element: HTMLButtonElement;
  private contentState: ContentSyncState = 'idle';
  private contentError: unknown = null;
  private current: SyncStatus | null = null;
  private updating: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly services: ReaderServices,
    private readonly onSignInAgain: () => void,
  ) {
    this.element = h('button', { type: 'button', class: 'status-pill', 'data-testid': 'sync-status', onclick: () => void this.openDetails() }, '…');
    const { content, userData } = services;
    content.on('state', (change) => {
      this.contentState = change.to;
      void this.update();
    });
    content.on('synced', () => {
      this.contentError = null;
      void this.update();
    });
    content.on('error', (error) => {
      this.contentError = error;
      void this.update();
    });
    for (const event of ['synced', 'error', 'quarantine', 'change'] as const) userData.on(event, () => void this.update());
    addEventListener('online', () => void this.update());
    addEventListener('offline', () => void this.update());
    void this.update();
  }

  get status(): SyncStatus | null {
    return this.current;
  }

  /** Recomputes the status; calls arriving during an update coalesce into one more. */
  update(): Promise<void> {
    if (this.updating) {
      this.again = true;
      return this.updating;
    }
    this.updating = (async () => {
      do {
        this.again = false;
        this.current = await this.compute();
        this.render(this.current);
      } while (this.again);
    })().finally(() => {
      this.updating = null;
    });
    return this.updating;
  }

  private async compute(): Promise<SyncStatus> {
    const user = await this.services.userData.status();
    const error = user.lastError ?? this.contentError;
    const sessionEnded = error instanceof SessionEndedError;
    const base = { pending: user.pending, quarantined: user.quarantined, error: error ? describe(error) : null, sessionEnded };
    if (!navigator.onLine) return { ...base, kind: 'offline', label: user.pending > 0 ? `Offline · ${user.pending} pending` : 'Offline' };
    if (sessionEnded) return { ...base, kind: 'error', label: 'Sign in again' };
    if (user.quarantined > 0) return { ...base, kind: 'error', label: `${user.quarantined} not synced` };
    if (error) return { ...base, kind: 'error', label: 'Sync error' };
    if (user.syncing || (this.contentState !== 'idle' && this.contentState !== 'error')) return { ...base, kind: 'syncing', label: user.pending > 0 ? `Syncing · ${user.pending} pending` : 'Syncing…' };
    if (user.pending > 0) return { ...base, kind: 'pending', label: `${user.pending} pending` };
    return { ...base, kind: 'synced', label: 'Synced' };
  }

  private render(status: SyncStatus): void {
    this.element.dataset.state = status.kind;
    this.element.dataset.pending = String(status.pending);
    this.element.title = status.error ?? 'Sync status — click for details';
    this.element.replaceChildren(h('span', { class: 'status-dot', 'aria-hidden': 'true' }), status.label);
  }

  /** Details, sync now, and what to do with quarantined changes. */
  private async openDetails(): Promise<void> {
    const { userData, content } = this.services;
    const [user, freshness, quarantined] = await Promise.all([userData.status(), content.freshness(), userData.quarantine.list()]);
    const when = (t: number | null): string => (t ? new Date(t).toLocaleString() : 'never');
    const body = h(
      'div',
      { class: 'status-details' },
      h(
        'dl',
        {},
        h('dt', {}, 'Your data'),
        h('dd', {}, `last synced ${when(user.lastSyncedAt)}; ${user.pending} change${user.pending === 1 ? '' : 's'} waiting to be sent`),
        h('dt', {}, 'Quran content'),
        h('dd', {}, `last updated ${when(freshness.lastSyncedAt)}${freshness.stale ? ' (older than 7 days: connect to refresh)' : ''}`),
        this.current?.error ? [h('dt', {}, 'Last problem'), h('dd', { class: 'error' }, this.current.error)] : null,
      ),
      quarantined.length > 0 ? quarantineSection(userData, quarantined, () => void this.update(), this.onSignInAgain) : null,
    );
    const actions = this.current?.sessionEnded
      ? [{ label: 'Close' }, { label: 'Sign in again', kind: 'primary' as const, testId: 'sign-in-again', run: () => this.onSignInAgain() }]
      : [{ label: 'Close' }, { label: 'Sync now', kind: 'primary' as const, testId: 'sync-now', run: () => this.syncNow() }];
    await openDialog('Sync', body, actions, 'sync-dialog');
  }

  /** Both engines, now (the reader's "pull to refresh"). Failures show in the pill. */
  async syncNow(): Promise<void> {
    const { userData, content } = this.services;
    await Promise.allSettled([userData.sync(), content.sync()]);
    await this.update();
  }
}
