/**
 * Whether the server is ready for traffic, and why not: `/ready` answers 503 with the reason while start-up
 * work runs (building the app, then seeding the bundled content after the port is bound), so an orchestrator
 * or load balancer waits instead of sending users to a server that is still filling its database.
 *
 * It also tells the overload protection when event-loop lag is the server's own start-up work rather than
 * load: the lag monitor averages over sample intervals, so a sample taken during seeding (PGlite runs in the
 * event loop) kept shedding ordinary requests as "overloaded" for up to a second after seeding had ended.
 */
export class Readiness {
  private reason: string | null = 'starting';
  private readySince = 0;

  /** `settleMs`: how long after start-up lag measurements may still cover start-up work. */
  constructor(private readonly settleMs: number) {}

  notReady(reason: string): void {
    this.reason = reason;
  }

  ready(): void {
    if (this.reason === null) return;
    this.reason = null;
    this.readySince = performance.now();
  }

  /** Why the server is not ready, or null when it is. */
  get notReadyReason(): string | null {
    return this.reason;
  }

  /** True while start-up work runs and until lag samples taken during it have aged out. */
  get settling(): boolean {
    return this.reason !== null || performance.now() - this.readySince < this.settleMs;
  }
}
