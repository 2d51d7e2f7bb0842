import cliProgress from 'cli-progress';
import type { ContentSyncProgress, ContentSyncSummary, RetryInfo } from '@quran-sync/client';

/**
 * What `quran-sync mirror` shows while it works. On a terminal: a progress bar during a bootstrap
 * (resources done/total, rows, bytes, ETA; `cli-progress`, which redraws one line in place and computes the
 * ETA). Anywhere else (a pipe, a log file, CI): plain lines, at most one a second, so logs stay readable.
 * Every completed run ends with one summary line either way.
 */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export class MirrorProgress {
  private bar: cliProgress.SingleBar | null = null;
  private lastLine = 0;
  private lastDone = -1;

  constructor(
    private readonly out: OutputStream,
    private readonly tty: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  update(p: ContentSyncProgress): void {
    if (p.mode !== 'bootstrap' || p.resourcesTotal === null || p.resourcesTotal === 0) return;
    const payload = { rows: formatCount(p.rowsWritten), bytes: formatBytes(p.bytes) };
    if (this.tty) {
      if (!this.bar) {
        this.bar = new cliProgress.SingleBar(
          {
            format: ' bootstrap {bar} {value}/{total} resources | {rows} rows | {bytes} | ETA {eta_formatted}',
            stream: this.out as NodeJS.WritableStream,
            hideCursor: true,
            clearOnComplete: false,
            etaBuffer: 50,
            fps: 10,
          },
          cliProgress.Presets.shades_classic,
        );
        this.bar.start(p.resourcesTotal, p.snapshotsDone, payload);
      } else {
        this.bar.update(p.snapshotsDone, payload);
      }
      return;
    }
    if (p.snapshotsDone === this.lastDone) return;
    const done = p.snapshotsDone === p.resourcesTotal;
    if (!done && this.now() - this.lastLine < 1000) return;
    this.lastLine = this.now();
    this.lastDone = p.snapshotsDone;
    const eta = p.snapshotsDone > 0 && !done ? `, ETA ${formatDuration((p.elapsedMs / p.snapshotsDone) * (p.resourcesTotal - p.snapshotsDone))}` : '';
    this.out.write(`bootstrap: ${p.snapshotsDone}/${p.resourcesTotal} resources, ${payload.rows} rows, ${payload.bytes}${eta}\n`);
  }

  /** Reports waits of a second or more (a server's Retry-After, a longer backoff); quick retries are noise. */
  retry(info: RetryInfo): void {
    if (info.delayMs < 1000) return;
    const what = 'status' in info.error ? `${info.error.status}${info.error.code ? ` ${info.error.code}` : ''}` : info.error.reason;
    this.line(`retrying in ${formatDuration(info.delayMs)} (attempt ${info.attempt} failed: ${what})`);
  }

  /** Writes a whole line, moving past a bar being drawn. */
  line(text: string): void {
    this.finish();
    this.out.write(`${text}\n`);
  }

  finish(): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = null;
    }
    this.lastDone = -1;
  }
}

export function formatSummary(s: ContentSyncSummary, at: Date = new Date()): string {
  const time = at.toISOString().replace(/\.\d+Z$/, 'Z');
  const tail = `${formatBytes(s.bytes)} in ${formatDuration(s.durationMs)}; now at sequence ${s.sequence}`;
  const unavailable = s.unavailable.length > 0 ? `, ${s.unavailable.length} unavailable (${s.unavailable.join(' ')})` : '';
  if (s.mode === 'bootstrap') {
    const why = s.resynced ? 'resync (the server asked for a fresh bootstrap)' : 'bootstrap';
    return (
      `${time} ${why} of ${s.filter}: ${plural(s.snapshotsFetched + s.snapshotsNotModified + s.unavailable.length, 'resource')} ` +
      `(${s.snapshotsFetched} downloaded, ${s.snapshotsNotModified} unchanged${unavailable}), ${plural(s.rowsWritten, 'row')} written, ` +
      `${s.resourcesRemoved} removed, ${tail}`
    );
  }
  if (s.mutationsApplied === 0) return `${time} up to date (${s.filter}): no changes, ${tail}`;
  return (
    `${time} incremental sync of ${s.filter}: ${plural(s.mutationsApplied, 'change')} in ${plural(s.pages, 'page')}, ` +
    `${plural(s.snapshotsFetched, 'snapshot')} downloaded${unavailable}, ${plural(s.rowsWritten, 'row')} written, ${s.resourcesRemoved} removed, ${tail}`
  );
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** `1 row`, `2 rows`, `70,263 rows`. */
function plural(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}
