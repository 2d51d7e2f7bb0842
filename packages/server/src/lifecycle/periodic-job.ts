import type { FastifyBaseLogger } from 'fastify';
import type { Service, ServiceHealth } from './service-lifecycle.js';

export interface PeriodicJobOptions {
  readonly name: string;
  /** Milliseconds between runs; 0 or less: the job never runs (the service still exists, and is healthy). */
  readonly intervalMs: number;
  run(): Promise<unknown>;
  readonly log: FastifyBaseLogger;
  /** Logged at debug level after each run that returned something other than undefined. */
  readonly describe?: (result: unknown) => Record<string, unknown> | null;
}

/**
 * A job run every `intervalMs` while the app lives: purges, compaction, refreshes. A run never overlaps the
 * previous one (a tick that finds it still running is skipped), a failure is logged and the next tick tries
 * again, and the timer never keeps the process alive. Stop waits for a run in progress, so nothing the job
 * does outlives the database it uses. Unhealthy after three failures in a row, until a run succeeds.
 */
export function periodicJob(options: PeriodicJobOptions): Service & { runNow(): Promise<void> } {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let failures = 0;
  let lastError = '';
  const runOnce = (): Promise<void> => {
    running ??= options
      .run()
      .then((result) => {
        failures = 0;
        const fields = result === undefined ? null : (options.describe?.(result) ?? null);
        if (fields) options.log.debug(fields, `${options.name} done`);
      })
      .catch((error: unknown) => {
        failures += 1;
        lastError = error instanceof Error ? error.message : String(error);
        options.log.warn({ err: error }, `${options.name} failed`);
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  return {
    name: options.name,
    start() {
      if (options.intervalMs <= 0) return;
      timer = setInterval(() => {
        if (!running) void runOnce();
      }, options.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
    health(): ServiceHealth {
      return failures >= 3 ? { ok: false, reason: `${failures} runs failed in a row: ${lastError}` } : { ok: true };
    },
    runNow: () => running ?? runOnce(),
  };
}
