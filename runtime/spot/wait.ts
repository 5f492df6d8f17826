/** Bounded polling with an injectable clock, so waits are finite in AWS and instant in tests. */

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = { now: Date.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

export class WaitTimeout extends Error {
  constructor(what: string, timeoutMs: number, last?: string) {
    super(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${last ? ` (last seen: ${last})` : ""}`);
    this.name = "WaitTimeout";
  }
}

export class WaitAborted extends Error {
  constructor(what: string, why: string) {
    super(`gave up waiting for ${what}: ${why}`);
    this.name = "WaitAborted";
  }
}

/**
 * Polls `check` until it reports done, at most `timeoutMs`. `check` returns
 * `{ done: true, value }`, `{ done: false, seen }` to keep waiting, or `{ failed: reason }`
 * when waiting longer cannot help (e.g. the instance was terminated).
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<{ done: true; value: T } | { done: false; seen?: string } | { failed: string }>,
  opts: { clock: Clock; timeoutMs: number; intervalMs: number },
): Promise<T> {
  const deadline = opts.clock.now() + opts.timeoutMs;
  let last: string | undefined;
  for (;;) {
    const r = await check();
    if ("failed" in r) throw new WaitAborted(what, r.failed);
    if (r.done) return r.value;
    last = r.seen ?? last;
    if (opts.clock.now() + opts.intervalMs > deadline) throw new WaitTimeout(what, opts.timeoutMs, last);
    await opts.clock.sleep(opts.intervalMs);
  }
}
