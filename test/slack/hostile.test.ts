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
  // A body that is not a Slack payload is refused at the gate (400); a payload nobody handles is answered 404 by
  // Bolt once it has waited for a listener.
  it.each([
    ['signed garbage form', 404, 'a=1&b=2', 'application/x-www-form-urlencoded'],
    ['signed broken JSON', 400, '{"type": "event_callback", ', 'application/json'],
    ['signed JSON of an unknown type', 404, '{"type":"nonsense"}', 'application/json'],
  ])('answers %s with %i, not a server error', async (_name, status, body, contentType) => {
    const res = await postToSlackEndpoint(t.baseUrl, body, { contentType });
    expect(res.status).toBe(status);
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
