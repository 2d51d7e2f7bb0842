import { afterEach } from 'vitest';

/** How a store implementation registers with a conformance suite. */
export interface StoreConformanceFactory<S> {
  /** A new, empty store. */
  create(): Promise<S>;
  /** Close `store` and open the same storage again (durable stores); omitted for memory stores. */
  reopen?(store: S): Promise<S>;
  /** fast-check runs of the model test (default 40). */
  readonly propertyRuns?: number;
}

/**
 * The factory's `create` and `reopen`, with every store they made closed after each test (a store left open
 * would hold its database across tests). Call inside the suite's `describe`.
 */
export function closingAfterEach<S extends { close(): Promise<void> }>(
  factory: StoreConformanceFactory<S>,
): { create(): Promise<S>; reopen?(store: S): Promise<S> } {
  const open: S[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close().catch(() => undefined);
  });
  const track = (store: S): S => {
    open.push(store);
    return store;
  };
  const reopen = factory.reopen?.bind(factory);
  return {
    create: async () => track(await factory.create()),
    ...(reopen ? { reopen: async (store: S) => track(await reopen(store)) } : {}),
  };
}
