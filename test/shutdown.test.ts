import { describe, expect, it, vi } from 'vitest';
import { startTestBot } from './support/bot.js';
import { slashCommands } from './support/slack-request.js';

/** A promise and the function that resolves it. */
function signal() {
  let fire: () => void = () => {};
  const fired = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { fire, fired };
}

describe('graceful shutdown', () => {
  it('stops taking requests, finishes work already acknowledged, then closes the store', async () => {
    const t = await startTestBot();
    try {
      const gate = signal();
      const replying = signal();
      // Slack's response URL is slow: the reply to an acknowledged command is still in flight at SIGTERM.
      let storeOpenDuringReply = false;
      t.slack.on('response_url', async () => {
        replying.fire();
        await gate.fired;
        storeOpenDuringReply = await t.bot.store.ping().then(
          () => true,
          () => false,
        );
        return { ok: true };
      });
      // Acknowledged (200), and its reply on its way to Slack.
      await slashCommands(() => t).send('help');
      await replying.fired;

      // Shutdown reaches its drain (jobs, Slack and the inbox stopped) while the reply is still held back: it
      // waits there for the reply, not for a time.
      const drain = t.bot.inflight.drain.bind(t.bot.inflight);
      const draining = new Promise<void>((resolve) => {
        vi.spyOn(t.bot.inflight, 'drain').mockImplementation((ms) => {
          resolve();
          return drain(ms);
        });
      });
      let stopped = false;
      const stopping = t.bot.stop('SIGTERM').then(() => {
        stopped = true;
      });
      await draining;
      expect(stopped).toBe(false);
      // New connections are refused while the old work finishes.
      await expect(fetch(`${t.baseUrl}/healthz`)).rejects.toThrow();

      gate.fire();
      await stopping;
      expect(t.slack.callsOf('response_url')).toHaveLength(1);
      expect(String(t.slack.callsOf('response_url')[0]?.body.text)).toContain('/kpi help');
      expect(storeOpenDuringReply).toBe(true);
      await expect(t.bot.store.ping()).rejects.toThrow('closed');
    } finally {
      await t.close();
    }
  });

  it('gives up on work that outlives the drain timeout and still closes', async () => {
    const t = await startTestBot({ drainTimeoutMs: 300 });
    try {
      const replying = signal();
      // The reply never gets an answer from Slack.
      t.slack.on('response_url', () => {
        replying.fire();
        return new Promise(() => {});
      });
      await slashCommands(() => t).send('help');
      await replying.fired;
      const started = Date.now();
      await t.bot.stop('SIGTERM');
      // It gave up on the reply (still in flight) instead of waiting for it, and closed the store; the bound is
      // a failure guard far above the 300 ms drain time-out.
      expect(t.bot.inflight.size).toBeGreaterThan(0);
      await expect(t.bot.store.ping()).rejects.toThrow('closed');
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await t.close();
    }
  });
});
