import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTIFY_DEFAULTS } from '../../src/domain/notify.js';
import { parseWorkspaceSettings } from '../../src/domain/settings.js';
import { notifyPreferencesOf } from '../../src/store/notify-preferences.js';
import { LIMITS } from '../../src/views/blocks.js';
import { startTestBot } from '../support/bot.js';
import { TEST_PROVIDER } from '../support/env.js';
import type { TRecordedCall } from '../support/fake-slack.js';
import { postBlockAction, slashCommands } from '../support/slack-request.js';

/**
 * `/kpi notify` through the real bot (signed slash commands into the receiver, the fake Slack Web API) and the
 * weekly leaderboard job ticked at chosen instants: rank DMs follow each person's preference, with the old
 * opt-in list as the default.
 */
let t: Awaited<ReturnType<typeof startTestBot>>;
const { slash } = slashCommands(() => t, { user: 'U0DANA' });
const db = () => t.bot.store.db;
const acme = () => db().workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0ACME' } });
const prefsOf = async (user: string, team = 'T0ACME') =>
  notifyPreferencesOf(db(), await db().workspace.findUniqueOrThrow({ where: { slackTeamId: team } }), user);
const dmsIn = (calls: TRecordedCall[]) =>
  calls.filter((c) => String(c.body.channel).startsWith('U')).map((c) => String(c.body.channel));
/** The leaderboard job at 09:00 Berlin on a Monday of November 2026; what it sent. */
async function mondayBoard(
  day: string,
): Promise<{ channels: string[]; dms: string[]; calls: TRecordedCall[] }> {
  const before = t.slack.callsOf('chat.postMessage').length;
  const outcomes = await t.bot.jobs.tick(new Date(`2026-11-${day}T08:00:30Z`));
  // This workspace's board (a catch-up of another job, or another workspace's, may run in the same tick).
  const outcome = outcomes.find((o) => o.job === 'leaderboard' && o.workspace === 'T0ACME');
  expect(outcome).toMatchObject({ job: 'leaderboard', status: 'done' });
  const calls = t.slack.callsOf('chat.postMessage').slice(before);
  return { channels: calls.map((c) => String(c.body.channel)), dms: dmsIn(calls), calls };
}
const setLegacyList = async (ids: string[]) => {
  const ws = await acme();
  await db().workspace.update({
    where: { id: ws.id },
    data: { settings: JSON.stringify({ ...JSON.parse(ws.settings), rankOptIn: ids }) },
  });
};

/** A button press as Slack sends it (block_actions), answered at the response URL `/respond/<replyId>`. */
function press(action: string, user: string, replyId: string) {
  return postBlockAction(t, {
    user,
    replyId,
    action: { type: 'button', action_id: action, value: 'sales.won_total' },
  });
}

let miaId: string;
let workspaceId: string;

beforeAll(async () => {
  t = await startTestBot();
  t.slack.on('response_url', () => ({ ok: true }));
  const ws = await db().workspace.upsert({
    where: { slackTeamId: 'T0ACME' },
    create: { slackTeamId: 'T0ACME' },
    update: {},
  });
  workspaceId = ws.id;
  await db().workspace.update({
    where: { id: ws.id },
    data: {
      timezone: 'Europe/Berlin',
      leaderboardChannel: 'C0LEADERS',
      createdAt: new Date('2026-01-01T00:00:00Z'),
      settings: JSON.stringify({ jobs: { 'coaching-alerts': { enabled: false }, leaderboard: { top: 1 } } }),
    },
  });
  const mia = await db().rep.create({
    data: { workspaceId: ws.id, name: 'Mia Manager', slackUserId: 'U0MIA', role: 'manager' },
  });
  miaId = mia.id;
  const rep = (name: string, slackUserId: string) =>
    db().rep.create({ data: { workspaceId: ws.id, name, slackUserId, managerId: mia.id } });
  const dana = await rep('Dana Scott', 'U0DANA');
  const lee = await rep('Lee Park', 'U0LEE');
  await rep('Kim Ode', 'U0KIM');
  const won = (repId: string, externalId: string, closedAt: string, amount: number) =>
    db().deal.create({
      data: {
        workspaceId: ws.id,
        repId,
        source: 'csv',
        externalId,
        stage: 'Won',
        status: 'won',
        amountMinor: BigInt(amount * 100),
        openedAt: new Date('2026-10-01T00:00:00Z'),
        closedAt: new Date(closedAt),
      },
    });
  // Dana leads every week of November (the public top 1, never sent a private rank); Lee has a little.
  await won(dana.id, 'd1', '2026-11-01T10:00:00Z', 9_000);
  await won(lee.id, 'd2', '2026-11-01T11:00:00Z', 1_000);
});
afterAll(async () => {
  await t?.close();
});

describe(`/kpi notify through Slack (${TEST_PROVIDER})`, () => {
  it('shows the defaults, changes each, and the jobs’ reader returns what was stored', async () => {
    const shown = await slash('notify');
    expect(shown.response_type).toBe('ephemeral');
    expect(shown.text).toMatch(/^What KPI Bot sends you: Weekly rank DM off \(default\)/);
    expect(await prefsOf('U0DANA')).toEqual(NOTIFY_DEFAULTS);
    expect((await slash('notify milestones off')).text).toMatch(/^Saved: milestone DMs are now off\./);
    expect((await slash('notify stalled off')).text).toMatch(/^Saved: stalled-deal DMs are now off\./);
    const digest = await slash('notify digest tuesday 06:45', { user: 'U0MIA' });
    expect(digest.text).toMatch(
      /^Saved: your digest goes out Tuesdays at 06:45 \(Europe\/Berlin\), held to 08:00: 06:45 is in this workspace's quiet hours\./,
    );
    expect(await prefsOf('U0DANA')).toMatchObject({ milestoneDm: false, stalledDm: false, rankDm: false });
    expect(await prefsOf('U0MIA')).toMatchObject({ digestDay: 'tuesday', digestTime: '06:45' });
    // A rep has no digest; a manager is not ranked.
    expect((await slash('notify digest monday')).text).toMatch(/digest goes to managers/);
    expect((await slash('notify rank on', { user: 'U0MIA' })).text).toMatch(/ranks reps/);
    expect((await slash('notify reset')).text).toMatch(/^Saved: everything is back to its default\./);
    expect(await prefsOf('U0DANA')).toEqual(NOTIFY_DEFAULTS);
  });

  it('refuses bad input with the usage, the closest word, and nothing stored', async () => {
    const cases: [string, RegExp][] = [
      [
        'notify milestnes off',
        /^`milestnes` is not something `\/kpi notify` changes \(did you mean `milestones`\?\)/,
      ],
      ['notify digest 25:00', /^`25:00` is not a time of day: say HH:MM .*\(Europe\/Berlin time/],
      ['notify digest someday', /^`someday` is not a digest day/],
      ['notify rank on now', /^That is more than `\/kpi notify` takes\./],
      [`notify ${'x'.repeat(5000)}`, /^`x{40}…` is not something `\/kpi notify` changes\./],
      ['notify <!channel> *on*', /changes only what \*you\* receive/],
      ['notify _rank_ ~on~', /^`_rank_` is not something/],
    ];
    for (const [text, said] of cases) {
      const reply = await slash(text, { user: text.includes('digest') ? 'U0MIA' : 'U0DANA' });
      expect(reply.response_type).toBe('ephemeral');
      expect(reply.text).toMatch(said);
      expect(reply.text).toContain('Usage: `/kpi notify [rank on|off');
      expect(reply.text.length).toBeLessThan(LIMITS.text);
      expect(JSON.stringify(reply)).not.toMatch(/<!channel>/);
    }
    expect(await prefsOf('U0DANA')).toEqual(NOTIFY_DEFAULTS);
    expect(await prefsOf('U0MIA')).toMatchObject({ digestDay: 'tuesday', digestTime: '06:45' });
  });

  it('changes only the asker’s own choices: naming someone else is refused', async () => {
    const reply = await slash('notify <@U0LEE|lee> rank on');
    expect(reply.text).toMatch(/changes only what \*you\* receive/);
    expect((await slash('notify rank off <@U0LEE>', { user: 'U0MIA' })).text).toMatch(/changes only what/);
    expect(await db().notifyPreference.count({ where: { slackUserId: 'U0LEE' } })).toBe(0);
  });

  it('another workspace is unaffected (the same Slack user id there keeps its own)', async () => {
    expect((await slash('notify milestones off', { user: 'U0LEE', team: 'T0OTHER' })).text).toMatch(/^Saved/);
    expect((await prefsOf('U0LEE', 'T0OTHER')).milestoneDm).toBe(false);
    expect((await prefsOf('U0LEE')).milestoneDm).toBe(true);
    expect((await slash('notify', { user: 'U0LEE' })).text).toMatch(/Milestone DMs on \(default\)/);
  });
});

describe(`weekly rank DMs follow each person's preference (${TEST_PROVIDER})`, () => {
  it('nobody asked: the post only', async () => {
    const sent = await mondayBoard('02');
    expect(sent.channels).toEqual(['C0LEADERS']);
  });

  it('`/kpi notify rank on`: the rank DM goes; `off`: it stops', async () => {
    await slash('notify rank on', { user: 'U0LEE' });
    const on = await mondayBoard('09');
    expect(on.channels).toEqual(['C0LEADERS', 'U0LEE']);
    expect(String(on.calls[1]?.body.text)).toMatch(
      /^Your rank this week by Won revenue, November 2026 to date/,
    );
    await slash('notify rank off', { user: 'U0LEE' });
    expect((await mondayBoard('16')).dms).toEqual([]);
  });

  it('the old opt-in list is honoured, and turning it off wins even where the list still has them', async () => {
    await setLegacyList(['U0KIM']);
    expect((await slash('notify', { user: 'U0KIM' })).text).toMatch(
      /Weekly rank DM on \(you asked from the leaderboard post\)/,
    );
    expect((await mondayBoard('23')).dms).toEqual(['U0KIM']);
    await slash('notify rank off', { user: 'U0KIM' });
    // Migrated: stored per person (and the list kept in step).
    const stored = await db().notifyPreference.findUniqueOrThrow({
      where: { workspaceId_slackUserId: { workspaceId, slackUserId: 'U0KIM' } },
    });
    expect(JSON.parse(stored.settings)).toEqual({ rankDm: false });
    expect(parseWorkspaceSettings((await acme()).settings).rankOptIn).toEqual([]);
    // An older replica writing the list back: the stored choice still wins.
    await setLegacyList(['U0KIM']);
    expect((await mondayBoard('30')).dms).toEqual([]);
  });

  it('the post’s "DM me my rank" button writes the per-person preference', async () => {
    await setLegacyList([]);
    expect((await press('kpi_rank_optin', 'U0KIM', 'notify-kim-in')).status).toBe(200);
    await t.slack.waitFor((c) => c.path === '/respond/notify-kim-in');
    expect((await prefsOf('U0KIM')).rankDm).toBe(true);
    expect((await slash('notify', { user: 'U0KIM' })).text).toMatch(
      /Weekly rank DM on \(your choice; default off\)/,
    );
    expect((await press('kpi_rank_optout', 'U0KIM', 'notify-kim-out')).status).toBe(200);
    await t.slack.waitFor((c) => c.path === '/respond/notify-kim-out');
    expect((await prefsOf('U0KIM')).rankDm).toBe(false);
  });

  it('60 reps under one manager, each with the rank DM on: one DM each outside the top, within Block Kit limits', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `U0BIG${String(i).padStart(2, '0')}`);
    const hostile = 'Zoë *bold* _it_ ~st~ <b> & <!channel> '.repeat(6);
    for (const [i, id] of ids.entries()) {
      const rep = await db().rep.create({
        data: { workspaceId, name: `${hostile}${i}`, slackUserId: id, managerId: miaId },
      });
      await db().deal.create({
        data: {
          workspaceId,
          repId: rep.id,
          source: 'csv',
          externalId: `big${i}`,
          stage: 'Won',
          status: 'won',
          amountMinor: BigInt((100 + i) * 100),
          openedAt: new Date('2026-11-01T00:00:00Z'),
          closedAt: new Date('2026-12-02T00:00:00Z'),
        },
      });
    }
    // Half through the old list, half through /kpi notify; one of each then turns it off. December's deals.
    await setLegacyList(ids.slice(0, 30));
    for (const id of ids.slice(30)) await slash('notify rank on', { user: id });
    await slash('notify rank off', { user: ids[0] as string });
    await slash('notify rank off', { user: ids[30] as string });
    const before = t.slack.callsOf('chat.postMessage').length;
    const outcomes = await t.bot.jobs.tick(new Date('2026-12-07T08:00:30Z'));
    // This workspace's board (the coaching run of the day before runs in the same tick as a catch-up).
    const outcome = outcomes.find((o) => o.job === 'leaderboard' && o.workspace === 'T0ACME');
    expect(outcome).toMatchObject({ job: 'leaderboard', status: 'done' });
    const calls = t.slack.callsOf('chat.postMessage').slice(before);
    const dms = dmsIn(calls);
    // The top 1 (the largest deal, the last rep) is named in the post, not sent a private rank.
    expect(calls[0]?.body.channel).toBe('C0LEADERS');
    expect(JSON.stringify(calls[0]?.body.blocks)).toContain('<@U0BIG59>');
    expect(dms.sort()).toEqual(ids.filter((_, i) => i !== 0 && i !== 30 && i !== 59).sort());
    for (const c of calls) {
      const blocks = c.body.blocks as { type: string; text?: { text: string } }[];
      expect(blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
      for (const b of blocks) expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(LIMITS.text);
      expect(String(c.body.text).length).toBeGreaterThan(0);
      // What Slack reads as mrkdwn (the fallback, sections, contexts) mentions nobody; an image's alt text is plain.
      const mrkdwn = blocks.filter((b) => b.type === 'section' || b.type === 'context');
      expect(JSON.stringify([c.body.text, mrkdwn])).not.toContain('<!channel>');
    }
  });
});
