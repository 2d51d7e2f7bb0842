import { describe, expect, it } from 'vitest';
import { NamedLocks } from './context-lock.js';

describe('NamedLocks', () => {
  it('runs sections of one name one at a time, in request order; other names do not wait', async () => {
    const locks = new NamedLocks();
    const log: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = locks.run('a', async () => {
      log.push('a1 start');
      await held;
      log.push('a1 end');
    });
    const second = locks.run('a', async () => void log.push('a2'));
    await locks.run('b', async () => void log.push('b'));
    release();
    await Promise.all([first, second]);
    expect(log).toEqual(['a1 start', 'b', 'a1 end', 'a2']);
  });

  it('an abort while waiting rejects at once with the reason, and the section never runs', async () => {
    const locks = new NamedLocks();
    let release!: () => void;
    const holding = locks.run('a', () => new Promise<void>((resolve) => (release = resolve)));
    const controller = new AbortController();
    let ran = false;
    const waiting = locks.run('a', async () => void (ran = true), controller.signal);
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    release();
    await holding;
    await locks.run('a', async () => undefined); // the queue moved past the abandoned request
    expect(ran).toBe(false);
    await expect(locks.run('a', async () => 1, controller.signal)).rejects.toThrow('gave up');
  });
});
