import type { FetchLike } from '../auth/authorized-fetch.js';
import type { ContentStore } from '../content/content-store.js';

/**
 * Simulated process death for crash-injection tests. Every network call and every store call the engine
 * makes passes through a `CrashSwitch` twice — before it starts and after it completed — so "crash at
 * point N" covers dying before a request is sent, after its answer arrived but before it was used, before a
 * store write and right after it committed. Once crashed, every further call throws too: the process is
 * gone, nothing it left running may touch the network or the store. The test then builds a new client over
 * the same storage, as a restarted process would.
 */
export class SimulatedCrash extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulatedCrash';
  }
}

export class CrashSwitch {
  private count = 0;
  private dead = false;

  /** `crashAt`: the 1-based point to die at; null never crashes (counts the points of a clean run). */
  constructor(private readonly crashAt: number | null) {}

  get points(): number {
    return this.count;
  }

  get crashed(): boolean {
    return this.dead;
  }

  point(where: string): void {
    if (this.dead) throw new SimulatedCrash(`process is gone (${where})`);
    this.count++;
    if (this.count === this.crashAt) {
      this.dead = true;
      throw new SimulatedCrash(`crash at point ${this.count} (${where})`);
    }
  }
}

export function crashingFetch(sw: CrashSwitch, inner: FetchLike = (input, init) => fetch(input, init)): FetchLike {
  return async (input, init) => {
    sw.point(`before ${String(input)}`);
    const response = await inner(input, init);
    sw.point(`after ${String(input)}`);
    return response;
  };
}

export function crashingStore(sw: CrashSwitch, inner: ContentStore): ContentStore {
  const wrap =
    <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      sw.point(`before store.${name}`);
      const result = await fn(...args);
      sw.point(`after store.${name}`);
      return result;
    };
  return {
    write: wrap('write', (ops) => inner.write(ops)),
    readCheckpoint: wrap('readCheckpoint', () => inner.readCheckpoint()),
    getResource: wrap('getResource', (g, id) => inner.getResource(g, id)),
    listResources: wrap('listResources', () => inner.listResources()),
    getRow: wrap('getRow', (g, id, t, k) => inner.getRow(g, id, t, k)),
    listRows: wrap('listRows', (g, id, o) => inner.listRows(g, id, o)),
    countRows: wrap('countRows', (g, id) => inner.countRows(g, id)),
    close: async () => undefined,
  };
}
