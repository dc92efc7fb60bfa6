import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBot } from '../support/bot.js';
import { postEvents, postPipedrive, WEBHOOK_ENV } from '../support/webhooks.js';

/**
 * Issue 13 (after the attacker's review): what is acknowledged can always be applied, and what cannot be held is
 * a 400 naming it: amounts beyond what sums of minor units can hold, JSON nested past any real payload.
 */
let t: Awaited<ReturnType<typeof startTestBot>>;
beforeAll(async () => {
  t = await startTestBot({ env: WEBHOOK_ENV });
});
afterAll(async () => {
  await t?.close();
});

describe('limits at receipt', () => {
  it('refuses an amount too large to store as minor units (400 naming it), and nothing is stored', async () => {
    const before = await t.bot.store.db.inboxEvent.count();
    for (const [amount, currency] of [
      ['999999999999.999', 'KWD'],
      ['1000000000000', 'USD'],
      [1e15, 'JPY'],
    ] as const) {
      const res = await postEvents(
        t.baseUrl,
        JSON.stringify({ type: 'deal.upserted', dealId: `big-${currency}`, amount, currency }),
      );
      expect(res.status, `${amount} ${currency}`).toBe(400);
      expect(res.body.message).toMatch(/^amount: .* is too large \(at most 14 digits in/);
    }
    expect(await t.bot.store.db.inboxEvent.count()).toBe(before);
    const ok = await postEvents(
      t.baseUrl,
      JSON.stringify({ type: 'deal.upserted', dealId: 'ok-1', amount: '999999999999.99', currency: 'USD' }),
    );
    expect(ok.status).toBe(200);
  });

  it('refuses JSON nested past any real payload (400), even from an authenticated CRM', async () => {
    const deep = `{"meta":{"action":"updated","object":"deal","id":1},"junk":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const res = await postPipedrive(t.baseUrl, deep);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/nests deeper than 64 levels/);
    const generic = await postEvents(t.baseUrl, `${'['.repeat(70)}${']'.repeat(70)}`);
    expect(generic.status).toBe(400);
    expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);
  });
});
