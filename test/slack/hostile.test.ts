import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBot } from '../support/bot.js';
import { postToSlackEndpoint } from '../support/slack-request.js';

let t: Awaited<ReturnType<typeof startTestBot>>;
beforeAll(async () => {
  t = await startTestBot();
});
afterAll(async () => {
  await t?.close();
});

describe('hostile or broken requests to /slack/events', () => {
  it.each([
    ['signed garbage form', 'a=1&b=2', 'application/x-www-form-urlencoded'],
    ['signed broken JSON', '{"type": "event_callback", ', 'application/json'],
    ['signed JSON of an unknown type', '{"type":"nonsense"}', 'application/json'],
  ])('answers %s without a server error', async (_name, body, contentType) => {
    const res = await postToSlackEndpoint(t.baseUrl, body, { contentType });
    expect(res.status).toBeLessThan(500);
  });

  it('answers Slack URL verification', async () => {
    const res = await postToSlackEndpoint(
      t.baseUrl,
      JSON.stringify({ type: 'url_verification', challenge: 'c-123' }),
      {
        contentType: 'application/json',
      },
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('c-123');
  });
});
