/**
 * Turn-taking for the `train` benchmark: two async training runs in one process take
 * turns epoch by epoch in a fixed (ABBA) order, each paused in its awaited epoch-end
 * hook, so drift on the shared machine falls on both sides.
 */

/**
 * Lets two async training runs take turns epoch by epoch in a fixed order: each side
 * calls {@link start} before its first epoch and {@link epochDone} at the end of every
 * epoch; whoever is not next waits there. Records each epoch's seconds from the moment
 * its side got the turn.
 */
export class Turns<S extends string> {
  readonly seconds: Record<S, number[]>;
  readonly #order: readonly S[];
  #next = 0;
  #began = 0;
  readonly #waiting = new Map<S, { resolve: () => void; reject: (error: unknown) => void }>();
  #failure: { error: unknown } | undefined;

  constructor(order: readonly S[]) {
    this.#order = order;
    this.seconds = Object.fromEntries([...new Set(order)].map((side) => [side, []])) as unknown as Record<S, number[]>;
  }

  async start(side: S): Promise<void> {
    await this.#waitFor(side);
    this.#began = performance.now();
  }

  async epochDone(side: S): Promise<void> {
    if (this.#order[this.#next] !== side) throw new Error(`${side} finished an epoch out of turn (turn ${this.#next} of [${this.#order.join(', ')}])`);
    this.seconds[side].push((performance.now() - this.#began) / 1000);
    this.#next++;
    const next = this.#order[this.#next];
    if (next !== undefined && next !== side) this.#waiting.get(next)?.resolve();
    // A side with no epochs left returns at once, so its training call can finish.
    if (!this.#order.slice(this.#next).includes(side)) return;
    await this.#waitFor(side);
    this.#began = performance.now();
  }

  /** Wakes the other side with `error` so a failure on one side does not leave the other waiting forever. */
  fail(error: unknown): void {
    this.#failure = { error };
    for (const waiter of this.#waiting.values()) waiter.reject(error);
    this.#waiting.clear();
  }

  async #waitFor(side: S): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure.error;
    if (this.#order[this.#next] === side) return;
    await new Promise<void>((resolve, reject) => {
      this.#waiting.set(side, {
        resolve: () => {
          this.#waiting.delete(side);
          resolve();
        },
        reject,
      });
    });
  }
}

/** Warm-up `a`, warm-up `b`, then ABBA blocks: a b b a, a b b a, … (`epochsPerSide` timed epochs each). */
export function abbaOrder<S extends string>(a: S, b: S, epochsPerSide: number): S[] {
  const order: S[] = [a, b];
  for (let pair = 0; pair < epochsPerSide; pair++) order.push(...(pair % 2 === 0 ? [a, b] : [b, a]));
  return order;
}
