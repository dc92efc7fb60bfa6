/** The longest work waits for a burst of requests to pass. */
const MAX_DEFER_MS = 1_000;

/**
 * Tracks work that continues after Slack was acknowledged, so a graceful shutdown can finish it before the
 * store closes. At most `limit` pieces run at once; the rest wait their turn. A burst of slash commands then
 * cannot starve the event loop: each piece's synchronous stretches (computing metrics, drawing a chart) are
 * short, so the acks of requests still arriving go out in between, and memory holds `limit` reports, not all.
 */
export class Inflight {
  readonly #running = new Set<Promise<unknown>>();
  readonly #waiting: (() => void)[] = [];
  #active = 0;

  /** While this says requests are arriving, queued work waits (up to MAX_DEFER_MS), so their acks go first. */
  busy: () => boolean = () => false;

  /** Set when the process is shutting down: optional work (a reply's chart) is skipped so the drain ends sooner. */
  stopping = false;

  constructor(readonly limit = Number.POSITIVE_INFINITY) {}

  /** Runs `work` (now, or when a slot frees) and remembers it until it settles. Errors are the caller's. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const p = this.#giveWay()
      .then(() => this.#slot())
      .then(async () => {
        try {
          return await work();
        } finally {
          this.#active -= 1;
          this.#waiting.shift()?.();
        }
      });
    this.#running.add(p);
    const forget = () => this.#running.delete(p);
    p.then(forget, forget);
    return p;
  }

  /**
   * Before taking a slot (so a wait never holds one): a later turn of the event loop, after requests waiting to
   * be read; during a burst of Slack requests, after the burst (each one's ack first), never later than
   * MAX_DEFER_MS.
   */
  async #giveWay(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    const until = Date.now() + MAX_DEFER_MS;
    while (this.busy() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  #slot(): Promise<void> {
    if (this.#active < this.limit) {
      this.#active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.#waiting.push(() => {
        this.#active += 1;
        resolve();
      }),
    );
  }

  get size(): number {
    return this.#running.size;
  }

  /** Waits for all current work to settle, or until `timeoutMs` passes. Returns true if all finished. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.#running.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.#running]),
        new Promise((r) => {
          timer = setTimeout(r, left);
        }),
      ]);
      clearTimeout(timer);
    }
    return true;
  }
}
