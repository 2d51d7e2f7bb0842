/**
 * Child processes for benchmarks: servers and clients each run in their own process, so server CPU and
 * client memory are measured separately (CPU from /proc/<pid>/stat, peak RSS reported by the client itself).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100;

export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  /** The first JSON line the child printed (its "ready" message). */
  readonly ready: Record<string, unknown>;
  stop(): Promise<void>;
}

/**
 * `node --import tsx <script>`, without the workspace's source condition: the bench script itself is
 * TypeScript, but the servers and clients it measures are the compiled packages (`dist`), as production runs
 * them. Through tsx they were esbuild's output with its name-keeping helpers, which cost the push path a few
 * percent. The `bench*` npm scripts build the packages first (`npm run build:packages`).
 */
export function nodeArgs(script: string, args: readonly string[] = []): string[] {
  return ['--import', 'tsx', script, ...args];
}

/**
 * Starts a long-running child and waits for its first JSON line on stdout. `nodeFlags` go to node itself
 * (e.g. `--cpu-prof` to see where a server's time goes).
 */
export async function startChild(script: string, args: readonly string[], env: Record<string, string> = {}, nodeFlags: readonly string[] = []): Promise<Child> {
  const child = spawn(process.execPath, [...nodeFlags, ...nodeArgs(script, args)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout! });
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
    lines.once('line', (line) => resolve(JSON.parse(line) as Record<string, unknown>));
  });
  return {
    process: child,
    pid: child.pid!,
    ready,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Node flags that make a server child write a CPU profile when `QS_BENCH_PROFILE_DIR` is set (read the
 * profile with `node bench/lib/profile-summary.ts <file>` or Chrome DevTools); none otherwise.
 */
export function profileFlags(): string[] {
  const dir = process.env.QS_BENCH_PROFILE_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** Runs a child to completion and returns the JSON object on its last stdout line. */
export async function runChild<T = Record<string, unknown>>(script: string, args: readonly string[], env: Record<string, string> = {}): Promise<T> {
  const child = spawn(process.execPath, nodeArgs(script, args), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${script} ${args.join(' ')} exited with ${code}`);
  const last = out.trim().split('\n').at(-1) ?? '{}';
  return JSON.parse(last) as T;
}

/** User + system CPU seconds a process has used so far (0 if it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Sum of `cpuSeconds` over several processes. */
export function cpuSecondsOf(pids: readonly number[]): number {
  return pids.reduce((n, pid) => n + cpuSeconds(pid), 0);
}

/** Peak resident set size of this process, in MiB (what a client child reports). */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
