import type { TClock } from '../../src/clock.js';

type TTimer = { due: number; run: () => void };

/**
 * A clock a test moves on instead of sleeping: real time plus an offset that only grows (a clock going back is
 * another kind of fault). Give it to startTestBot({ clock }); `advance(ms)` is that much time passing for the
 * bot, at once. Timers set on it (`setTimer`, e.g. as homeTiming.setTimer) fire only when advance() moves the
 * clock past their time, never on their own: what they start happens when the test says, not when a machine
 * gets to it.
 */
export function testClock() {
  let aheadMs = 0;
  const timers = new Set<TTimer>();
  const now = () => new Date(Date.now() + aheadMs);
  return {
    now,
    setTimer(run: () => void, ms: number): () => void {
      const timer = { due: now().getTime() + ms, run };
      timers.add(timer);
      return () => timers.delete(timer);
    },
    /** Timers set and not yet fired or cancelled. */
    get timers(): number {
      return timers.size;
    },
    /** Moves the clock on by `ms` and fires the timers due by then, earliest first. */
    advance(ms: number): void {
      aheadMs += ms;
      for (;;) {
        const due = [...timers].filter((t) => t.due <= now().getTime()).sort((a, b) => a.due - b.due)[0];
        if (!due) return;
        timers.delete(due);
        due.run();
      }
    },
  } satisfies TClock & Record<string, unknown>;
}
