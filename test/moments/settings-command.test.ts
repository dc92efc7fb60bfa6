import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBot } from '../support/bot.js';
import { seedWorkspace } from '../support/seed.js';
import { slashCommands } from '../support/slack-request.js';

/**
 * `/kpi settings` for celebrations and stalled deals as Slack sends it (signed slash commands to the real
 * receiver, replies at the response URL on the fake Slack), with KPI_CELEBRATIONS_CHANNEL set on the server.
 */

let t: Awaited<ReturnType<typeof startTestBot>>;
const admin = slashCommands(() => t, { user: 'U0MONA' });
const rep = slashCommands(() => t, { user: 'U0DANA' });

beforeAll(async () => {
  t = await startTestBot({ env: { KPI_CELEBRATIONS_CHANNEL: 'C0ENVWINS' } });
  await seedWorkspace(t.bot.store.db, {
    reps: [
      { name: 'Mona Reyes', slackUserId: 'U0MONA', role: 'admin' },
      { name: 'Dana Scott', slackUserId: 'U0DANA', manager: 'Mona Reyes' },
    ],
  });
});
afterAll(async () => {
  await t?.close();
});

const settingsJson = async () =>
  JSON.parse(
    (await t.bot.store.db.workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0ACME' } })).settings,
  ) as Record<string, unknown>;

describe('/kpi settings: celebrations and stalled deals', () => {
  it('shows the defaults: the server default channel, any amount, 14 days, the stalled-deals schedule', async () => {
    const reply = await rep.slash('settings');
    expect(reply.text).toContain(
      "Celebrations channel: the server's default (KPI_CELEBRATIONS_CHANNEL; off when unset)",
    );
    expect(reply.text).toContain('Celebrate wins from: any amount');
    expect(reply.text).toContain('Stalled after: 14 days without activity (default)');
    expect(reply.text).toContain('Stalled deals (DMs): `0 9 * * 1`');
  });

  it('an admin sets each one and reads it back; off overrides the server default', async () => {
    expect((await admin.slash('settings celebrations-channel <#C0WINS|wins>')).text).toBe(
      'Saved: celebrations-channel is now #wins.',
    );
    expect((await admin.slash('settings celebrate-min 5k')).text).toBe(
      "Saved: celebrate-min is now 5,000 in each deal's currency.",
    );
    expect((await admin.slash('settings stalled-days 10')).text).toBe('Saved: stalled-days is now 10 days.');
    expect((await admin.slash('settings stalled-schedule 0 8 * * 2')).text).toBe(
      'Saved: stalled-schedule is now `0 8 * * 2`.',
    );
    let shown = (await rep.slash('settings')).text;
    expect(shown).toContain('Celebrations channel: <#C0WINS>');
    expect(shown).toContain("Celebrate wins from: 5,000 in each deal's currency");
    expect(shown).toContain('Stalled after: 10 days without activity');
    expect(shown).toContain('Stalled deals (DMs): `0 8 * * 2`');
    expect(await settingsJson()).toMatchObject({
      celebrationsChannel: 'C0WINS',
      celebrateMin: 5000,
      stalledDays: 10,
      jobs: { 'stalled-deals': { schedule: '0 8 * * 2', enabled: true } },
    });
    await admin.slash('settings celebrations-channel off');
    shown = (await rep.slash('settings')).text;
    expect(shown).toContain('Celebrations channel: off');
    expect((await settingsJson()).celebrationsChannel).toBeNull();
  });

  it("refuses a rep, a missing value and bad values with the setting's own usage", async () => {
    expect((await rep.slash('settings celebrate-min 100')).text).toMatch(
      /changing settings is for KPI Bot admins/,
    );
    expect((await admin.slash('settings celebrations-channel')).text).toContain(
      '/kpi settings celebrations-channel #wins',
    );
    expect((await admin.slash('settings celebrate-min')).text).toContain('/kpi settings celebrate-min 5k');
    expect((await admin.slash('settings stalled-days')).text).toContain('from 1 to 365');
    const bad = await admin.slash('settings celebrations-channel <!channel>');
    expect(bad.text).toContain('/kpi settings celebrations-channel #wins');
    expect(bad.text).not.toContain('<!channel>');
    expect((await admin.slash('settings stalled-days 400')).text).toContain('from 1 to 365');
    expect((await admin.slash('settings celebrate-min -3')).text).toContain('whole units');
    expect((await admin.slash('settings celebrate-mn 5')).text).toMatch(/did you mean celebrate-min/);
  });
});
