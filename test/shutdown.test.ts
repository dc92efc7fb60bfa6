import { describe, expect, it } from 'vitest';
import { startTestBot } from './support/bot.js';
import { postToSlackEndpoint, slashCommandBody } from './support/slack-request.js';

describe('graceful shutdown', () => {
  it('stops taking requests, finishes work already acknowledged, then closes the store', async () => {
    const t = await startTestBot();
    try {
      let release: () => void = () => {};
      const gate = new Promise<void>((r) => {
        release = r;
      });
      // Slack's response URL is slow: the reply to an acknowledged command is still in flight at SIGTERM.
      let storeOpenDuringReply = false;
      t.slack.on('response_url', async () => {
        await gate;
        storeOpenDuringReply = await t.bot.store.ping().then(
          () => true,
          () => false,
        );
        return { ok: true };
      });
      const ack = await postToSlackEndpoint(
        t.baseUrl,
        slashCommandBody({ text: 'help', response_url: t.slack.responseUrl('slow') }),
      );
      expect(ack.status).toBe(200);

      let stopped = false;
      const stopping = t.bot.stop('SIGTERM').then(() => {
        stopped = true;
      });
      await new Promise((r) => setTimeout(r, 200));
      expect(stopped).toBe(false);
      // New connections are refused while the old work finishes.
      await expect(fetch(`${t.baseUrl}/healthz`)).rejects.toThrow();

      release();
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
      t.slack.on('response_url', () => new Promise(() => {}));
      await postToSlackEndpoint(
        t.baseUrl,
        slashCommandBody({ text: 'help', response_url: t.slack.responseUrl('stuck') }),
      );
      await t.slack.waitFor((c) => c.method === 'response_url').catch(() => {});
      const started = Date.now();
      await t.bot.stop('SIGTERM');
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await t.close();
    }
  });
});
