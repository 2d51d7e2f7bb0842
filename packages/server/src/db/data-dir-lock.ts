import fs from 'node:fs';
import path from 'node:path';

/**
 * The embedded database (PGlite) is a single-process engine: two processes on one data directory would
 * corrupt it, and PGlite does not stop the second one. Each process that opens a data directory writes its
 * pid into `quran-sync.lock` there; another process finding a live pid refuses to open. A lock left by a
 * process that died (crash, `kill -9`) names a dead pid and is taken over, so a crashed server restarts
 * without manual cleanup.
 */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `the embedded database in ${dataDir} is in use by process ${pid} (probably a running \`quran-sync serve\`): ` +
        'stop it first (embedded PostgreSQL allows one process per data directory), or use --database-url with a PostgreSQL server',
    );
    this.name = 'DataDirInUseError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock of `dataDir` for this process; returns the function that releases it. */
export function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, 'quran-sync.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) throw new DataDirInUseError(dataDir, holder);
    fs.rmSync(file, { force: true }); // stale: its process is gone (or it is our own pid from a previous open)
  }
  throw new Error(`could not lock ${dataDir}`);
}
