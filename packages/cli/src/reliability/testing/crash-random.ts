/**
 * The seeded random source of the crash tests (when to kill, batch sizes, which resource): a failing run is
 * replayed with `QS_CRASH_SEED=<seed>` (timing still varies, but the choices do not). mulberry32.
 */
export interface CrashRandom {
  (): number;
  readonly seed: number;
}

export function crashRandom(seed = Number(process.env.QS_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31))): CrashRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return Object.assign(next, { seed });
}
