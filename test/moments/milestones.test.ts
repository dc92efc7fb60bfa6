import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { changeNotifyPreferences } from '../../src/store/notify-preferences.js';
import { startTestBot } from '../support/bot.js';
import type { TRecordedCall } from '../support/fake-slack.js';
import { postEvents, WEBHOOK_ENV } from '../support/webhooks.js';

/**
 * Target milestones (issue 17) through the real bot's scheduler tick with a fake clock and the fake Slack: 50%
 * and 90% by DM to the rep, 100% in the celebrations channel, each once per rep, metric and month, the highest
 * only when several are crossed at once. Both stores (KPI_TEST_PROVIDERS).
 */

type TBot = Awaited<ReturnType<typeof startTestBot>>;
let t: TBot;
let workspaceId: string;
const reps: Record<string, string> = {};

/** Friday 20 November 2026, 14:00 UTC. */
const T0 = new Date('2026-11-20T14:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const JOBS_OFF = {
  leaderboard: { enabled: false },
  'coaching-alerts': { enabled: false },
  'stalled-deals': { enabled: false },
};
const db = () => t.bot.store.db;
const setSettings = (extra: Record<string, unknown>) =>
  db().workspace.update({
    where: { id: workspaceId },
    data: { settings: JSON.stringify({ jobs: JOBS_OFF, quietHours: null, ...extra }) },
  });

let n = 0;
/** A deal won (as a CSV import writes it: never celebrated itself, but it counts toward the target). */
const wonDeal = (rep: string, amount: number, closedAt = at(-30)) =>
  db().deal.create({
    data: {
      workspaceId,
      repId: reps[rep] as string,
      source: 'csv',
      externalId: `m${++n}`,
      title: `Deal ${n}`,
      stage: 'Won',
      status: 'won',
      amountMinor: BigInt(Math.round(amount * 100)),
      closedAt,
    },
  });
const outreach = (rep: string, count: number, personalized: boolean | null = null) =>
  db().activity.create({
    data: {
      workspaceId,
      repId: reps[rep] as string,
      source: 'csv',
      externalId: `a${++n}`,
      kind: 'call',
      count,
      personalized,
      occurredAt: at(-60),
    },
  });

let mark = 0;
function newPosts(): TRecordedCall[] {
  const all = t.slack.callsOf('chat.postMessage');
  const fresh = all.slice(mark);
  mark = all.length;
  return fresh;
}
const blocksOf = (c: TRecordedCall | undefined) => JSON.stringify(c?.body.blocks);
const milestones = async () =>
  (await db().moment.findMany({ where: { workspaceId, kind: 'milestone' }, orderBy: { key: 'asc' } })).map(
    (m) => [m.key.replace(/^milestone:[^:]+:/, `${m.repId === reps.dana ? 'dana' : m.repId}:`), m.status],
  );

beforeAll(async () => {
  t = await startTestBot({ env: WEBHOOK_ENV });
  const ws = await db().workspace.update({
    where: { slackTeamId: 'T0ACME' },
    data: { timezone: 'UTC', createdAt: new Date('2026-01-01T00:00:00Z') },
  });
  workspaceId = ws.id;
  for (const [key, name, slackUserId] of [
    ['dana', 'Dana Scott', 'U0DANA'],
    ['kim', 'Kim Ode', 'U0KIM'],
    ['lee', 'Lee Park', null],
  ] as const) {
    const rep = await db().rep.create({ data: { workspaceId, name, slackUserId } });
    reps[key] = rep.id;
  }
  // Every rep: $10,000 won and 100 outreach a month (the workspace's targets); personalized: the default 50.
  for (const [metricId, amount] of [
    ['sales.won_total', 1_000_000n],
    ['outreach.total', 100n],
  ] as const)
    await db().target.create({
      data: {
        workspaceId,
        scope: 'workspace',
        metricId,
        periodKind: 'month',
        amount,
        effectiveFrom: new Date('2026-01-01T00:00:00Z'),
      },
    });
  await changeNotifyPreferences(db(), workspaceId, 'U0KIM', { milestoneDm: false });
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await db().moment.deleteMany({ where: { workspaceId } });
  await db().deal.deleteMany({ where: { workspaceId } });
  await db().activity.deleteMany({ where: { workspaceId } });
  await setSettings({ celebrationsChannel: 'C0WINS' });
  t.slack.on('chat.postMessage', () => ({ ok: true, ts: '1.1' }));
  newPosts();
});

describe('target milestones', () => {
  it('50% reaches the rep by DM once; 90% later once more; nothing twice', async () => {
    await wonDeal('dana', 5_000);
    await t.bot.jobs.tick(at(0));
    await t.bot.jobs.tick(at(1));
    const [dm, ...rest] = newPosts();
    expect(rest).toEqual([]);
    expect(dm?.body.channel).toBe('U0DANA');
    expect(blocksOf(dm)).toContain(
      'You passed *50%* of your won revenue target for November 2026: $5,000 of $10,000 (50%).',
    );
    expect(await milestones()).toEqual([['dana:sales.won_total:2026-11:50', 'sent']]);
    await t.bot.jobs.tick(at(2));
    await t.bot.jobs.tick(at(30));
    expect(newPosts()).toEqual([]);
    await wonDeal('dana', 4_000);
    await t.bot.jobs.tick(at(31));
    await t.bot.jobs.tick(at(32));
    const [ninety] = newPosts();
    expect(blocksOf(ninety)).toContain('*90%*');
    expect(await milestones()).toEqual([
      ['dana:sales.won_total:2026-11:50', 'sent'],
      ['dana:sales.won_total:2026-11:90', 'sent'],
    ]);
  });

  it('crossing several at once sends only the highest: 100% in the channel with the win, 50% and 90% skipped', async () => {
    await wonDeal('dana', 9_000);
    // The win that takes Dana past $10,000 arrives live.
    const res = await postEvents(
      t.baseUrl,
      JSON.stringify({
        events: [
          {
            id: 'ms-1',
            type: 'deal.upserted',
            dealId: 'ms-1',
            owner: { slackUserId: 'U0DANA' },
            title: 'Big one',
            stage: 'x',
            occurredAt: at(-2).toISOString(),
          },
          { id: 'ms-2', type: 'deal.won', dealId: 'ms-1', amount: '2000', occurredAt: at(-1).toISOString() },
        ],
      }),
    );
    expect(res.status).toBe(200);
    await t.bot.inbox.idle();
    await t.bot.jobs.tick(at(0));
    await t.bot.jobs.tick(at(1));
    const posts = newPosts();
    expect(posts.map((p) => p.body.channel)).toEqual(['C0WINS']);
    const blocks = blocksOf(posts[0]);
    // The win and the 100% milestone in Dana's group: the milestone says where she stands (no progress repeated).
    expect(blocks).toContain(
      ':tada: <@U0DANA> won _Big one_ for *$2,000*\\n:trophy: <@U0DANA> reached 100% of their won revenue target for November 2026: $11,000 of $10,000 (110%)',
    );
    expect(blocks).not.toContain('110% of $10,000');
    expect(await milestones()).toEqual([
      ['dana:sales.won_total:2026-11:100', 'sent'],
      ['dana:sales.won_total:2026-11:50', 'skipped'],
      ['dana:sales.won_total:2026-11:90', 'skipped'],
    ]);
  });

  it('outreach and personalized outreach too; a DM holds several milestones of one rep as one message', async () => {
    await outreach('dana', 60, null);
    await outreach('dana', 30, true);
    await t.bot.jobs.tick(at(0));
    await t.bot.jobs.tick(at(1));
    const posts = newPosts();
    expect(posts).toHaveLength(1);
    // 90 of 100 outreach: 90% (50% skipped); 30 of the default 50 personalized: 50%.
    expect(blocksOf(posts[0])).toContain('*90%* of your outreach target for November 2026: 90 of 100');
    expect(blocksOf(posts[0])).toContain(
      '*50%* of your personalized outreach target for November 2026: 30 of 50',
    );
    expect(await milestones()).toEqual([
      ['dana:outreach.total:2026-11:50', 'skipped'],
      ['dana:outreach.total:2026-11:90', 'sent'],
      ['dana:personalization.personalized:2026-11:50', 'sent'],
    ]);
  });

  it('no DM to a rep who turned milestone DMs off, or who has no Slack id: recorded as skipped', async () => {
    await wonDeal('kim', 5_000);
    await wonDeal('lee', 6_000);
    await t.bot.jobs.tick(at(0));
    await t.bot.jobs.tick(at(1));
    expect(newPosts()).toEqual([]);
    const rows = await db().moment.findMany({ where: { workspaceId, kind: 'milestone' } });
    expect(rows.map((r) => [r.repId === reps.kim ? 'kim' : 'lee', r.status, r.error]).sort()).toEqual([
      ['kim', 'skipped', 'the rep turned milestone DMs off'],
      ['lee', 'skipped', 'the rep has no Slack id'],
    ]);
  });

  it('a DM preference turned off while the milestone waits (quiet hours): skipped, not sent', async () => {
    await setSettings({ celebrationsChannel: 'C0WINS', quietHours: { start: '13:00', end: '15:00' } });
    await wonDeal('dana', 5_000);
    await t.bot.jobs.tick(at(0));
    await t.bot.jobs.tick(at(30));
    expect(newPosts()).toEqual([]);
    expect(await milestones()).toEqual([['dana:sales.won_total:2026-11:50', 'pending']]);
    await changeNotifyPreferences(db(), workspaceId, 'U0DANA', { milestoneDm: false });
    try {
      await t.bot.jobs.tick(at(61));
      expect(newPosts()).toEqual([]);
      expect(await milestones()).toEqual([['dana:sales.won_total:2026-11:50', 'skipped']]);
    } finally {
      await changeNotifyPreferences(db(), workspaceId, 'U0DANA', { milestoneDm: undefined });
    }
  });

  it('the DM goes to whom the rep is when it is sent: a corrected Slack id, their own preference; a rep made inactive or unlinked meanwhile gets none', async () => {
    await setSettings({ celebrationsChannel: 'C0WINS', quietHours: { start: '13:00', end: '15:00' } });
    await wonDeal('dana', 5_000);
    await wonDeal('kim', 5_000);
    await changeNotifyPreferences(db(), workspaceId, 'U0KIM', { milestoneDm: undefined });
    try {
      await t.bot.jobs.tick(at(0));
      await db().rep.update({ where: { id: reps.kim as string }, data: { slackUserId: 'U0KIM2' } });
      await changeNotifyPreferences(db(), workspaceId, 'U0KIM', { milestoneDm: false });
      // Dana: the admin corrected her Slack id overnight; the old id's owner turned milestone DMs off.
      await db().rep.update({ where: { id: reps.dana as string }, data: { slackUserId: 'U0DANA2' } });
      await changeNotifyPreferences(db(), workspaceId, 'U0DANA', { milestoneDm: false });
      await t.bot.jobs.tick(at(30));
      expect(newPosts()).toEqual([]);
      await t.bot.jobs.tick(at(61));
      const posts = newPosts();
      expect(posts.map((p) => p.body.channel).sort()).toEqual(['U0DANA2', 'U0KIM2']);
      // Now the new id's owner opts out, and a rep leaves, before the next ones go out.
      await changeNotifyPreferences(db(), workspaceId, 'U0DANA2', { milestoneDm: false });
      await db().rep.update({ where: { id: reps.kim as string }, data: { active: false } });
      await wonDeal('dana', 4_000);
      await wonDeal('kim', 4_000);
      await t.bot.jobs.tick(at(62));
      // Kim is inactive: the weekly board's reps are those milestones are detected for, so nothing new for her.
      await db().rep.update({ where: { id: reps.kim as string }, data: { active: true } });
      await t.bot.jobs.tick(at(63));
      await db().rep.update({ where: { id: reps.kim as string }, data: { active: false } });
      await t.bot.jobs.tick(at(70));
      expect(newPosts()).toEqual([]);
      const rows = await db().moment.findMany({
        where: { workspaceId, kind: 'milestone', key: { endsWith: ':90' } },
      });
      expect(rows.map((r) => [r.repId === reps.dana ? 'dana' : 'kim', r.status, r.error]).sort()).toEqual([
        ['dana', 'skipped', 'the rep turned milestone DMs off'],
        ['kim', 'skipped', 'the rep is no longer active'],
      ]);
    } finally {
      await db().rep.update({ where: { id: reps.dana as string }, data: { slackUserId: 'U0DANA' } });
      await db().rep.update({
        where: { id: reps.kim as string },
        data: { slackUserId: 'U0KIM', active: true },
      });
      await changeNotifyPreferences(db(), workspaceId, 'U0DANA', { milestoneDm: undefined });
      await changeNotifyPreferences(db(), workspaceId, 'U0DANA2', { milestoneDm: undefined });
      await changeNotifyPreferences(db(), workspaceId, 'U0KIM', { milestoneDm: false });
    }
  });

  it('quiet hours hold milestone DMs until they end', async () => {
    await setSettings({ celebrationsChannel: 'C0WINS', quietHours: { start: '13:00', end: '15:00' } });
    await wonDeal('dana', 5_000);
    await t.bot.jobs.tick(at(0));
    await t.bot.jobs.tick(at(59));
    expect(newPosts()).toEqual([]);
    await t.bot.jobs.tick(at(60));
    expect(newPosts().map((p) => p.body.channel)).toEqual(['U0DANA']);
  });

  it('history never celebrates: last month above target is nothing; 100% with celebrations off reaches the rep by DM', async () => {
    await wonDeal('dana', 20_000, new Date('2026-10-15T10:00:00Z'));
    await t.bot.jobs.tick(at(0));
    await t.bot.jobs.tick(at(1));
    expect(newPosts()).toEqual([]);
    expect(await milestones()).toEqual([]);
    await setSettings({ celebrationsChannel: null });
    await wonDeal('dana', 10_000);
    await t.bot.jobs.tick(at(2));
    await t.bot.jobs.tick(at(3));
    // No channel: the 100% is not lost, it reaches Dana by DM (nothing to the channel).
    const dms = newPosts();
    expect(dms.map((p) => p.body.channel)).toEqual(['U0DANA']);
    expect(String(dms[0]?.body.text)).toMatch(
      /You reached 100% of your won revenue target for November 2026/,
    );
    expect(await milestones()).toEqual([
      ['dana:sales.won_total:2026-11:100', 'sent'],
      ['dana:sales.won_total:2026-11:50', 'skipped'],
      ['dana:sales.won_total:2026-11:90', 'skipped'],
    ]);
    // The next month starts afresh.
    await setSettings({ celebrationsChannel: 'C0WINS' });
    await wonDeal('dana', 5_000, new Date('2026-12-01T09:00:00Z'));
    await t.bot.jobs.tick(new Date('2026-12-01T10:00:00Z'));
    await t.bot.jobs.tick(new Date('2026-12-01T10:01:00Z'));
    expect(blocksOf(newPosts()[0])).toContain('of your won revenue target for December 2026');
  });

  it('a 100% milestone waiting for the channel when celebrations are turned off reaches the rep by DM', async () => {
    await wonDeal('dana', 10_000);
    // Detected at the first tick, bound for the channel; the burst has not settled yet.
    await t.bot.jobs.tick(at(0));
    expect(newPosts()).toEqual([]);
    await setSettings({ celebrationsChannel: null });
    await t.bot.jobs.tick(at(1));
    await t.bot.jobs.tick(at(2));
    const posts = newPosts();
    expect(posts.map((p) => p.body.channel)).toEqual(['U0DANA']);
    expect(String(posts[0]?.body.text)).toMatch(/You reached 100% of your won revenue target/);
    expect(await milestones()).toEqual([
      ['dana:sales.won_total:2026-11:100', 'sent'],
      ['dana:sales.won_total:2026-11:50', 'skipped'],
      ['dana:sales.won_total:2026-11:90', 'skipped'],
    ]);
    const sent = await db().moment.findFirstOrThrow({ where: { workspaceId, status: 'sent' } });
    expect(sent.route).toBe('dm');
  });

  it('60 reps of one manager with long hostile names reach 100% together: one message within Block Kit limits', async () => {
    const manager = await db().rep.create({
      data: { workspaceId, name: 'Mona Manager', slackUserId: 'U0MONA', role: 'manager' },
    });
    const hostile = `<!channel> *Ann* _B_ ~C~ & <@U0EVIL> ${'Ω'.repeat(200)}`;
    for (let i = 0; i < 60; i++) {
      const rep = await db().rep.create({
        data: { workspaceId, name: `${i} ${hostile}`, managerId: manager.id },
      });
      reps[`team${i}`] = rep.id;
      await wonDeal(`team${i}`, 10_000);
    }
    try {
      await t.bot.jobs.tick(at(0));
      await t.bot.jobs.tick(at(1));
      const posts = newPosts();
      expect(posts).toHaveLength(1);
      const blocks = posts[0]?.body.blocks as { type: string; text?: { type: string; text: string } }[];
      expect(blocks.length).toBeLessThanOrEqual(50);
      for (const b of blocks) {
        if (b.type === 'header') expect(b.text?.text.length).toBeLessThanOrEqual(150);
        else expect(b.text?.text.length).toBeLessThanOrEqual(3000);
      }
      const all = JSON.stringify(blocks);
      expect(all).not.toContain('<!channel>');
      expect(all).not.toContain('<@U0EVIL>');
      expect(all).toContain('…and 36 more');
      expect(String(posts[0]?.body.text).length).toBeLessThanOrEqual(1000);
      expect(await db().moment.count({ where: { workspaceId, kind: 'milestone', status: 'sent' } })).toBe(60);
    } finally {
      await db().rep.updateMany({ where: { workspaceId, managerId: manager.id }, data: { active: false } });
    }
  });
});
