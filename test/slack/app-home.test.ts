import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBot } from '../support/bot.js';
import { seedWorkspace } from '../support/seed.js';
import { postToSlackEndpoint } from '../support/slack-request.js';

let t: Awaited<ReturnType<typeof startTestBot>>;
let n = 0;

beforeAll(async () => {
  t = await startTestBot();
  await seedWorkspace(t.bot.store.db, {
    reps: [
      { name: 'Mona Reyes', slackUserId: 'U0MONA', role: 'manager' },
      { name: 'Dana Scott', slackUserId: 'U0DANA', manager: 'Mona Reyes' },
    ],
  });
});
afterAll(async () => {
  await t?.close();
});

/** Sends app_home_opened as the Events API does (signed JSON) and returns the HTTP status of the ack. */
async function openHome(user: string, tab = 'home') {
  n += 1;
  const body = JSON.stringify({
    token: 'deprecated',
    team_id: 'T0ACME',
    api_app_id: 'A0KPI',
    type: 'event_callback',
    event_id: `Ev${n}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_home_opened', user, channel: `D${user}`, tab, event_ts: `${Date.now() / 1000}` },
  });
  const res = await postToSlackEndpoint(t.baseUrl, body, { contentType: 'application/json' });
  return res.status;
}

const publishes = (user: string) =>
  t.slack.calls.filter((c) => c.method === 'views.publish' && c.body.user_id === user);

describe('App Home', () => {
  it("publishes a rep's dashboard: their scorecard for this month and how to log", async () => {
    expect(await openHome('U0DANA')).toBe(200);
    const call = await t.slack.waitFor((c) => c.method === 'views.publish' && c.body.user_id === 'U0DANA');
    const view = call.body.view as { type: string; blocks: unknown[] };
    expect(view.type).toBe('home');
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('Dana Scott');
    expect(text).toContain('Won revenue');
    expect(text).toContain('/kpi log call 3 personalized');
  });

  it('shows a manager the team first, then their own card', async () => {
    await openHome('U0MONA');
    const call = await t.slack.waitFor((c) => c.method === 'views.publish' && c.body.user_id === 'U0MONA');
    const text = JSON.stringify((call.body.view as { blocks: unknown[] }).blocks);
    expect(text.indexOf("Mona Reyes's team")).toBeGreaterThanOrEqual(0);
    expect(text.indexOf("Mona Reyes's team")).toBeLessThan(text.indexOf('Mona Reyes ·'));
    expect(text).toContain('Dana Scott');
  });

  it('welcomes someone who is not a rep, and ignores the Messages tab', async () => {
    await openHome('U0NEW', 'messages');
    await openHome('U0NEW');
    const call = await t.slack.waitFor((c) => c.method === 'views.publish' && c.body.user_id === 'U0NEW');
    expect(JSON.stringify(call.body.view)).toContain('Welcome to KPI Bot');
    expect(publishes('U0NEW')).toHaveLength(1);
  });

  it('publishes at most once a minute per person, however often the tab is opened', async () => {
    const before = publishes('U0DANA').length;
    for (let i = 0; i < 3; i++) expect(await openHome('U0DANA')).toBe(200);
    // Every acknowledged handler has finished (the bot's in-flight work drained): none of them published.
    expect(await t.bot.inflight.drain(10_000)).toBe(true);
    expect(publishes('U0DANA')).toHaveLength(before);
  });

  it('refuses an unsigned event', async () => {
    const res = await postToSlackEndpoint(t.baseUrl, JSON.stringify({ type: 'event_callback', event: {} }), {
      contentType: 'application/json',
      signature: null,
    });
    expect(res.status).toBe(401);
  });
});
