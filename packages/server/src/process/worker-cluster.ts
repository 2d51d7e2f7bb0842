import cluster, { type Worker } from 'node:cluster';
import { buildApp } from '../app.js';
import type { ServerConfig } from '../config/server-config.js';

/**
 * Several server processes on one port, with node:cluster: one Node process runs JavaScript on one core, and
 * the push path is bound by that (on 2 cores, a second process took 16-user push throughput from
 * ~0.35x to ~0.47x of raw PostgreSQL inserts). Every process is a whole server; what they share lives in
 * PostgreSQL (data, idempotent outcomes, revocations refreshed from it), LISTEN/NOTIFY (the content feed's
 * head) or Redis (rate-limit counters; without Redis each process counts on its own, so the limits apply
 * per process).
 *
 * The primary only supervises: it forks the workers, waits until every one listens, restarts one that
 * crashes (after a pause, so a worker that fails at once cannot spin), and stops them all on `stop()`.
 */
export interface WorkerPool {
  readonly url: string;
  readonly pids: readonly number[];
  /** SIGTERM to every worker (each drains its requests), resolved when all have exited. */
  stop(): Promise<void>;
}

interface ListeningMessage {
  readonly qs: 'listening';
  readonly url: string;
}

const RESTART_PAUSE_MS = 1000;

export const isServerWorker = (): boolean => cluster.isWorker;

/**
 * In a worker: builds this process's server, listens on the shared port and tells the primary so. Returns how
 * to stop: close the server (draining its requests), then drop the channel to the primary, the last thing
 * keeping the process alive. The caller decides when (a signal) and what else to clean up.
 */
export async function serveAsWorker(config: ServerConfig): Promise<{ stop(): Promise<void> }> {
  const server = await buildApp(config);
  const url = await server.listen().catch(async (error: unknown) => {
    // A worker that cannot bind exits (the primary then reports it) instead of idling on an open database.
    await server.close().catch(() => {});
    throw error;
  });
  const message: ListeningMessage = { qs: 'listening', url };
  process.send?.(message);
  return {
    async stop() {
      await server.close();
      if (cluster.isWorker) process.disconnect?.();
    },
  };
}

/**
 * In the primary of `config.workers` server processes: migrates, creates keys and seeds once (by building the
 * app, seeding and closing it; N workers would race on those), then forks the workers ({@link startWorkers}).
 */
export async function startServerWorkers(config: ServerConfig, log: (line: string) => void): Promise<WorkerPool> {
  const prepared = await buildApp(config);
  try {
    await prepared.seed();
  } finally {
    await prepared.close();
  }
  return startWorkers(config.workers, log);
}

/**
 * In the primary: forks `count` workers (copies of this process, same arguments and environment) and
 * resolves once all listen; rejects if one exits before it listens (a configuration or database problem,
 * which every copy would hit). `log` gets one line per worker lost and restarted.
 */
export function startWorkers(count: number, log: (line: string) => void): Promise<WorkerPool> {
  return new Promise<WorkerPool>((resolve, reject) => {
    const workers = new Set<Worker>();
    const listening = new Set<Worker>();
    let url: string | null = null;
    let started = false;
    let stopping = false;

    const fork = (): void => {
      const worker = cluster.fork();
      workers.add(worker);
      worker.on('message', (message: Partial<ListeningMessage>) => {
        if (message?.qs !== 'listening' || typeof message.url !== 'string') return;
        url ??= message.url;
        listening.add(worker);
        if (!started && listening.size === workers.size) {
          started = true;
          resolve({ url, pids: [...workers].map((w) => w.process.pid!), stop });
        }
      });
      worker.on('exit', (code, signal) => {
        workers.delete(worker);
        listening.delete(worker);
        if (stopping) return;
        if (!started) {
          stopping = true;
          for (const other of workers) other.process.kill('SIGTERM');
          reject(new Error(`a server process exited before it listened (${signal ?? `code ${code}`})`));
          return;
        }
        // Exit 0 without our stop: the worker was told to stop by someone else (a terminal's Ctrl-C reaches
        // the whole process group); the primary follows instead of replacing it.
        if (code === 0 && !signal) {
          void stop();
          return;
        }
        log(`server process ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another in ${RESTART_PAUSE_MS} ms`);
        setTimeout(() => {
          if (!stopping) fork();
        }, RESTART_PAUSE_MS).unref();
      });
    };

    const stop = async (): Promise<void> => {
      stopping = true;
      const exits = [...workers].map((worker) => new Promise<void>((done) => (worker.isDead() ? done() : worker.once('exit', () => done()))));
      for (const worker of workers) if (!worker.isDead()) worker.process.kill('SIGTERM');
      await Promise.all(exits);
    };

    for (let i = 0; i < count; i++) fork();
  });
}
