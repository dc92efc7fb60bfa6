/**
 * Tracks work that continues after Slack was acknowledged, so a graceful shutdown can finish it before the
 * store closes.
 */
export class Inflight {
  readonly #running = new Set<Promise<unknown>>();

  /** Runs `work` and remembers it until it settles. Errors are the caller's to handle. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const p = work();
    this.#running.add(p);
    const forget = () => this.#running.delete(p);
    p.then(forget, forget);
    return p;
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
