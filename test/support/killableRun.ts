/**
 * A fake world in which the run under test can die at any call, as a Lambda times out or is
 * killed: `killAt` picks the call, before it takes effect or just after (it happened, the run
 * never heard back); from then on every call of the dead run fails, its DynamoDB writes included
 * (`guard`), until `revive` starts a fresh run. `when` moves the world right after a call (an ASG
 * scales in, a node goes away). The fakes of the spot optimizer (test/spot/fakeAccount.ts) and of
 * the node optimizer (test/nodeOptimizer/fakeFleet.ts) route every call through `gate`.
 */

/** What a dead Lambda's calls get: nothing it asks for happens any more. */
export class RunKilled extends Error {
  constructor(call: string) {
    super(`the run was killed (${call} never happened)`);
    this.name = "RunKilled";
  }
}

export class KillableRun {
  /** The current run is dead: every call fails until revive(). */
  dead = false;
  private kill?: { call: string; nth: number; after: boolean; seen: number };
  private hooks: { call: string; nth: number; seen: number; action: () => void }[] = [];

  /**
   * One call of the fake: a dead run's call fails; a kill point kills the run before the call or
   * right after it. After the call (whatever it did), the `when` actions due, then `settled`.
   */
  protected gate<T>(call: string, run: () => T, settled?: () => void): T {
    if (this.dead) throw new RunKilled(call);
    const kill = this.kill?.call === call && ++this.kill.seen === this.kill.nth ? this.kill : undefined;
    if (kill && !kill.after) {
      this.dead = true;
      throw new RunKilled(call);
    }
    try {
      return run();
    } finally {
      for (const h of this.hooks) if (h.call === call && ++h.seen === h.nth) h.action();
      settled?.();
      if (kill?.after) this.dead = true;
    }
  }

  /** Kills the run at the nth call of `call`: before it takes effect, or (after) once it has. */
  killAt(call: string, opts: { nth?: number; after?: boolean } = {}): this {
    this.kill = { call, nth: opts.nth ?? 1, after: opts.after ?? false, seen: 0 };
    return this;
  }

  /** Runs `action` (the world moving) right after the nth call of `call`. */
  when(call: string, nth: number, action: () => void): this {
    this.hooks.push({ call, nth, seen: 0, action });
    return this;
  }

  /** A fresh run may start: the dead one has finished failing. */
  revive(): void {
    this.dead = false;
    this.kill = undefined;
  }

  /** The dead run's DynamoDB client: its writes fail too once it is dead. */
  guard<T extends { send: (...args: never[]) => unknown }>(doc: T): T {
    return new Proxy(doc, {
      get: (target, prop, receiver) => (prop === "send" ? (...args: never[]) => (this.dead ? Promise.reject(new RunKilled("DynamoDB")) : target.send(...args)) : Reflect.get(target, prop, receiver)),
    });
  }
}
