import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { periodicJob } from './periodic-job.js';

const log = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('periodic job', () => {
  it('runs every interval, never two runs at once, and stop waits for the run in progress', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let finished = 0;
    const job = periodicJob({
      name: 'slow',
      intervalMs: 5,
      log,
      run: async () => {
        runs += 1;
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await sleep(30);
        running -= 1;
        finished += 1;
      },
    });
    job.start!();
    await sleep(100);
    await job.stop!();
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(maxRunning).toBe(1);
    expect(finished).toBe(runs);
    const after = runs;
    await sleep(30);
    expect(runs).toBe(after);
  });

  it('keeps running after failures, is unhealthy after three in a row, and healthy again after a success', async () => {
    let fail = true;
    const job = periodicJob({ name: 'flaky', intervalMs: 0, log, run: async () => (fail ? Promise.reject(new Error('database gone')) : undefined) });
    for (let i = 0; i < 2; i++) await job.runNow();
    expect(job.health!()).toEqual({ ok: true });
    await job.runNow();
    expect(job.health!()).toEqual({ ok: false, reason: '3 runs failed in a row: database gone' });
    fail = false;
    await job.runNow();
    expect(job.health!()).toEqual({ ok: true });
  });

  it('never runs on its own with an interval of 0 (a job switched off)', async () => {
    let runs = 0;
    const job = periodicJob({ name: 'off', intervalMs: 0, log, run: async () => void (runs += 1) });
    job.start!();
    await sleep(20);
    await job.stop!();
    expect(runs).toBe(0);
  });
});
