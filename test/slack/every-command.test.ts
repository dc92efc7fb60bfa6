import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/commands/index.js';
import { startTestBot } from '../support/bot.js';
import { seedWorkspace } from '../support/seed.js';
import { slashCommands } from '../support/slack-request.js';

let t: Awaited<ReturnType<typeof startTestBot>>;
// As the admin manager.
const { send, slash } = slashCommands(() => t, { user: 'U0MONA' });

beforeAll(async () => {
  t = await startTestBot();
  await seedWorkspace(t.bot.store.db, {
    reps: [
      { name: 'Mona Reyes', slackUserId: 'U0MONA', role: 'admin' },
      { name: 'Dana Scott', slackUserId: 'U0DANA', manager: 'Mona Reyes' },
    ],
    deals: [
      {
        rep: 'Dana Scott',
        amountMinor: 1_234_500n,
        openedAt: '2017-06-01T00:00:00Z',
        closedAt: '2017-06-10T00:00:00Z',
      },
    ],
  });
});
afterAll(async () => {
  await t?.close();
});

/** Every sub-command through the signed HTTP receiver: a happy path and a bad input, as the admin manager. */
const CASES: Record<string, { ok: [string, RegExp]; bad: [string, RegExp] }> = {
  me: {
    ok: ['me 2017-06', /^Mona Reyes, June 2017: won \$0$/],
    bad: ['me 2017-13', /^"2017-13" is not a period I know\. Try one of: /],
  },
  leaderboard: {
    ok: ['leaderboard 2017-06', /^Won revenue leaderboard, June 2017$/],
    bad: ['leaderboard sales.won_totl', /did you mean sales\.won_total/],
  },
  rep: {
    ok: ['rep <@U0DANA|dana> 2017-06', /^Dana Scott, June 2017: won \$12,345$/],
    bad: ['rep <@U0NOBODY|x>', /do not know/],
  },
  team: {
    ok: ['team 2017-06', /^Mona Reyes's team · June 2017: won \$12,345$/],
    bad: ['team 2017-99', /^"2017-99" is not a period I know\./],
  },
  why: { ok: ['why <@U0DANA> 2017-06', /Dana Scott/], bad: ['why <@U0NOBODY>', /do not know/] },
  funnel: {
    ok: ['funnel <@U0DANA> 2017-06', /^Funnel · Dana Scott · June 2017/],
    bad: ['funnel soon', /^"soon" is not a period I know\./],
  },
  log: {
    ok: ['log call 2 personalized', /^Logged 2 personalized calls on /],
    bad: ['log fax', /^I cannot log "fax"\.\nUsage:/],
  },
  quiz: {
    ok: ['quiz "GTX Pro" 42/50', /^Recorded 42\/50 \(84%\) for GTX Pro\.$/],
    bad: ['quiz GTX 60/50', /more than its maximum/],
  },
  target: {
    ok: ['target set team outreach.total 100 weekly', /^Target set: everyone, /],
    bad: ['target set team outreach.total lots', /positive number/],
  },
  notify: {
    ok: ['notify milestones off', /^Saved: milestone DMs are now off\. What KPI Bot sends you:/],
    bad: ['notify rnak on', /^`rnak` is not something `\/kpi notify` changes \(did you mean `rank`\?\)/],
  },
  link: {
    ok: ['link <@U0DANA> hubspot 5150', /Dana Scott/],
    bad: ['link <@U0DANA> salesforce', /^Say who, which CRM and which owner\.\nUsage: `\/kpi link /],
  },
  settings: {
    ok: ['settings timezone Europe/Berlin', /Europe\/Berlin/],
    bad: ['settings timezone Mars/Base', /Mars\/Base/],
  },
  export: {
    ok: ['export 2017-06', /^Metrics for everyone, June 2017: 1 row \(USD\)/],
    bad: ['export next decade', /^"next decade" is not a period I know\./],
  },
};

describe('every /kpi sub-command through signed Slack requests', () => {
  it('has a case here for every command (a new command needs its end-to-end test)', () => {
    expect(Object.keys(CASES).sort()).toEqual(COMMANDS.map((c) => c.name).sort());
  });

  for (const [name, { ok, bad }] of Object.entries(CASES)) {
    it(`${name}: answers "${ok[0]}" and refuses "${bad[0]}" with usage help`, async () => {
      const good = await slash(ok[0]);
      expect(good.text).toMatch(ok[1]);
      expect(good.text).not.toMatch(/went wrong/);
      const refused = await slash(bad[0]);
      expect(refused.response_type).toBe('ephemeral');
      expect(refused.text).toMatch(bad[1]);
      expect(refused.text).not.toMatch(/went wrong/);
    });
  }
});

describe('acknowledging first', () => {
  it('acks the slash command before any slow work, and replies when the work is done', async () => {
    // users.info (asked while resolving who is asking, after the ack) hangs until released.
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    t.slack.on('users.info', async () => {
      await gate;
      return { ok: true, user: { id: 'U0SLOW' } };
    });
    // The HTTP answer (the ack, 200) comes while the work is still blocked.
    const sent = await send('help', { user: 'U0SLOW' });
    expect(sent.posts()).toEqual([]);
    release();
    expect((await sent.reply()).text).toMatch(/KPI Bot/);
  });
});
