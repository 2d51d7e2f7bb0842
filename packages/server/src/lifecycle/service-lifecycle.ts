/** What a service says of itself on `/ready`: healthy, or why not. */
export type ServiceHealth = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * A part of the server with a life of its own: a cache that listens to the database, a periodic job, a
 * connection to another system. Built once per app (in `buildApp`), started before the app answers, stopped
 * when it closes.
 */
export interface Service {
  readonly name: string;
  start?(): Promise<void> | void;
  stop?(): Promise<void> | void;
  /** Read on every `/ready`: cheap, from memory. Absent: always healthy. */
  health?(): ServiceHealth;
}

/**
 * The app's services, in the order they were added. They start in that order and stop in the reverse one, so
 * a service may use any service added before it, from its start to its stop. A service whose start fails
 * stops those already started (the app then fails to build). Stopping is idempotent and keeps going past a
 * service whose stop fails (the first failure is rethrown once all have stopped).
 */
export class ServiceLifecycle {
  private readonly services: Service[] = [];
  /** Services whose start has completed (a service without `start` counts as started when added). */
  private readonly startedSet = new Set<Service>();
  private running = false;
  private stopping: Promise<void> | null = null;

  /** Adds a service: started by {@link startAll}, or at once when the lifecycle is already running. */
  async add<T extends Service>(service: T): Promise<T> {
    if (this.stopping) throw new Error(`service ${service.name} added after the app began to close`);
    this.services.push(service);
    if (!service.start) this.startedSet.add(service);
    else if (this.running) await this.startOne(service);
    return service;
  }

  /** Registers a function to run on stop (closing a resource), as a service with nothing to start. */
  onStop(name: string, stop: () => Promise<void> | void): void {
    if (this.stopping) throw new Error(`${name} registered after the app began to close`);
    const service: Service = { name, stop };
    this.services.push(service);
    this.startedSet.add(service);
  }

  /** Starts every service not started yet, in the order they were added. */
  async startAll(): Promise<void> {
    this.running = true;
    try {
      for (const service of [...this.services]) if (!this.startedSet.has(service)) await this.startOne(service);
    } catch (error) {
      await this.stopAll().catch(() => {});
      throw error;
    }
  }

  /** Stops the started services, newest first; the same promise to every caller. */
  stopAll(): Promise<void> {
    this.stopping ??= (async () => {
      let failure: unknown = null;
      for (const service of [...this.services].reverse()) {
        if (!this.startedSet.has(service)) continue;
        try {
          await service.stop?.();
        } catch (error) {
          failure ??= error;
        }
      }
      if (failure) throw failure;
    })();
    return this.stopping;
  }

  /** The services that report themselves unhealthy, by name. */
  unhealthy(): Array<{ name: string; reason: string }> {
    const out: Array<{ name: string; reason: string }> = [];
    for (const service of this.startedSet) {
      const health = service.health?.();
      if (health && !health.ok) out.push({ name: service.name, reason: health.reason });
    }
    return out;
  }

  private async startOne(service: Service): Promise<void> {
    await service.start?.();
    this.startedSet.add(service);
  }
}
