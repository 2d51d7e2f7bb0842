import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliProcess } from '../testing/cli-harness.js';

/**
 * `quran-sync serve` on a port another process holds: it says so at once, with what to do, and exits
 * non-zero, before it creates (let alone seeds) a data directory.
 */
describe('quran-sync serve on a port in use', () => {
  let holder: net.Server;
  let port: number;
  let tmp: string;
  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'qs-port-'));
    holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    port = (holder.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => holder.close(() => resolve()));
    await fs.rm(tmp, { recursive: true, force: true });
  });

  const hint = (p: number) =>
    new RegExp(
      `^quran-sync: port ${p} on 127\\.0\\.0\\.1 is in use by another process; set PORT=… \\(or --port\\) to another port, or stop the other server\\n$`,
    );

  it('exits 1 with a hint, and creates no data directory', async () => {
    const dataDir = path.join(tmp, 'embedded');
    const result = await runCliProcess(['serve', '--port', String(port), '--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(hint(port));
    expect(result.stdout).toBe('');
    await expect(fs.stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('exits 1 with the same hint in --workers mode, before connecting to the database', async () => {
    const dataDir = path.join(tmp, 'workers');
    // Nothing listens on port 1: a database connection attempt would fail with another message.
    const result = await runCliProcess(['serve', '--port', String(port), '--data-dir', dataDir, '--workers', '2'], {
      env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(hint(port));
    await expect(fs.stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('takes PORT from the environment like --port', async () => {
    const result = await runCliProcess(['serve', '--data-dir', path.join(tmp, 'env')], { env: { PORT: String(port) } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(hint(port));
  });
});
