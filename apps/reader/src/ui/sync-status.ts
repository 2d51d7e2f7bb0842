import { SessionEndedError, type ContentIntegrityReport, type ContentSyncState, type UserIntegrityReport } from '@quran-sync/client';
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

/** The latest integrity check of one engine (docs/integrity.md): when, and what it repaired. */
export interface IntegrityCheck {
  readonly at: number;
  /** What differed from the server, one line each (`2 resources`, `BOOKMARK`). */
  readonly repaired: readonly string[];
  readonly healed: boolean;
}

function contentCheck(report: ContentIntegrityReport, at: number): IntegrityCheck {
  const n = report.repairs.length;
  return { at, repaired: n > 0 ? [`${n} resource${n === 1 ? '' : 's'}`] : [], healed: report.repairs.every((r) => r.healed) };
}

function userCheck(report: UserIntegrityReport, at: number): IntegrityCheck {
  return { at, repaired: report.repairs.map((r) => r.resource), healed: report.repairs.every((r) => r.healed) };
}

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
  /** The latest integrity check of each engine, and the latest that repaired something. */
  private readonly checks = { content: null as IntegrityCheck | null, user: null as IntegrityCheck | null };
  private readonly repairs = { content: null as IntegrityCheck | null, user: null as IntegrityCheck | null };

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
    content.on('synced', (summary) => {
      this.contentError = null;
      if (summary.integrity) this.recordCheck('content', contentCheck(summary.integrity, Date.now()));
      void this.update();
    });
    // Checks made outside a run (verifyIntegrity) report repairs through the event only.
    content.on('integrity', (report) => this.recordCheck('content', contentCheck(report, Date.now())));
    userData.on('integrity', (report) => this.recordCheck('user', userCheck(report, Date.now())));
    userData.on('synced', (report) => {
      if (report.integrity) this.recordCheck('user', userCheck(report.integrity, Date.now()));
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

  /** Integrity checks seen so far (shown in the details dialog). */
  get integrity(): { readonly content: IntegrityCheck | null; readonly user: IntegrityCheck | null } {
    return this.checks;
  }

  private recordCheck(engine: 'content' | 'user', check: IntegrityCheck): void {
    this.checks[engine] = check;
    if (check.repaired.length > 0) this.repairs[engine] = check;
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
    if (user.syncing || (this.contentState !== 'idle' && this.contentState !== 'error'))
      return { ...base, kind: 'syncing', label: user.pending > 0 ? `Syncing · ${user.pending} pending` : 'Syncing…' };
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
        h('dt', {}, 'Integrity'),
        h('dd', { 'data-testid': 'integrity-status' }, this.integrityLine(when)),
      ),
      quarantined.length > 0 ? quarantineSection(userData, quarantined, () => void this.update(), this.onSignInAgain) : null,
    );
    const actions = this.current?.sessionEnded
      ? [{ label: 'Close' }, { label: 'Sign in again', kind: 'primary' as const, testId: 'sign-in-again', run: () => this.onSignInAgain() }]
      : [
          { label: 'Close' },
          { label: 'Check integrity', testId: 'verify-integrity', run: () => this.verifyIntegrity() },
          { label: 'Sync now', kind: 'primary' as const, testId: 'sync-now', run: () => this.syncNow() },
        ];
    await openDialog('Sync', body, actions, 'sync-dialog');
  }

  /** `last check: ok at …` (or what it repaired), then the latest repair: `repaired: 2 resources / BOOKMARK at …`. */
  private integrityLine(when: (t: number | null) => string): string {
    const checks = [this.checks.content, this.checks.user].filter((c): c is IntegrityCheck => c !== null);
    if (checks.length === 0) return 'not checked yet';
    const at = Math.max(...checks.map((c) => c.at));
    const outcome = checks.every((c) => c.healed) ? (checks.some((c) => c.repaired.length > 0 && c.at === at) ? 'repaired' : 'ok') : 'repair incomplete';
    const repairs = [this.repairs.content, this.repairs.user].filter((c): c is IntegrityCheck => c !== null);
    if (repairs.length === 0) return `last check: ${outcome} at ${when(at)}`;
    // Repairs of both engines found by one check (a minute apart at most) are reported together.
    const latest = Math.max(...repairs.map((c) => c.at));
    const together = repairs.filter((c) => latest - c.at < 60_000);
    return `last check: ${outcome} at ${when(at)}; repaired: ${together.flatMap((c) => c.repaired).join(' / ')} at ${when(latest)}`;
  }

  /** A full check of both engines against the server's digests, now; repairs show in the dialog. */
  async verifyIntegrity(): Promise<void> {
    const { userData, content } = this.services;
    const [c, u] = await Promise.allSettled([content.verifyIntegrity(), userData.verifyIntegrity()]);
    const at = Date.now();
    if (c.status === 'fulfilled' && c.value) this.recordCheck('content', contentCheck(c.value, at));
    if (u.status === 'fulfilled' && u.value) this.recordCheck('user', userCheck(u.value, at));
    await this.update();
  }

  /** Both engines, now (the reader's "pull to refresh"). Failures show in the pill. */
  async syncNow(): Promise<void> {
    const { userData, content } = this.services;
    await Promise.allSettled([userData.sync(), content.sync()]);
    await this.update();
  }
}
