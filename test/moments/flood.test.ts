import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { insertMoments, type TNewMoment } from '../../src/store/moments.js';
import { startTestBot } from '../support/bot.js';
import type { TRecordedCall } from '../support/fake-slack.js';
import { postEvents, WEBHOOK_ENV } from '../support/webhooks.js';

/**
 * Celebrations under a flood (the attacker's review) and what a message names, through the real bot's minute tick
 * with a fake clock and the fake Slack: a huge backlog of pending celebrations goes out as a few bounded
 * messages (never a crash), detection records a bounded number of wins a minute, the reps' current names and
 * an untitled deal's product and account. Both stores (KPI_TEST_PROVIDERS).
 */

type TBot = Awaited<ReturnType<typeof startTestBot>>;
let t: TBot;
let workspaceId: string;
let danaId: string;

/** Friday 20 November 2026, 14:00 UTC. */
const T0 = new Date('2026-11-20T14:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const JOBS_OFF = {
  leaderboard: { enabled: false },
  'coaching-alerts': { enabled: false },
  'stalled-deals': { enabled: false },
};
const db = () => t.bot.store.db;

let mark = 0;
function newPosts(): TRecordedCall[] {
  const all = t.slack.callsOf('chat.postMessage');
  const fresh = all.slice(mark);
  mark = all.length;
  return fresh;
}
const linesOf = (c: TRecordedCall | undefined) =>
  ((c?.body.blocks ?? []) as { type: string; text?: { text: string } }[]).flatMap((b) =>
    b.type === 'section' ? (b.text?.text ?? '').split('\n') : [],
  );

const statusCounts = async () =>
  Object.fromEntries(
    (
      await db().moment.groupBy({
        by: ['status'],
        where: { workspaceId },
        _count: { _all: true },
      })
    ).map((g) => [g.status, g._count._all]),
  );

/**
 * `n` pending celebrations of Dana's wins as detection records them: one row through the store, copied n - 1
 * times in one INSERT … SELECT (a recursive series; both stores), so the flood is written in well under a second.
 */
async function pendingWins(n: number, detectedAt: Date) {
  const row: TNewMoment = {
    workspaceId,
    kind: 'celebration',
    key: 'won:flood-0',
    repId: danaId,
    payload: JSON.stringify({
      dealId: 'flood-0',
      repName: 'Dana Scott',
      slackUserId: 'U0DANA',
      title: 'Deal flood-0',
      amountMinor: '100',
      currency: 'USD',
      closedAt: new Date(detectedAt.getTime() - 60_000).toISOString(),
      progress: null,
      attempts: 0,
    }),
    route: 'channel',
    to: null,
    status: 'pending',
    detectedAt,
  };
  expect(await insertMoments(db(), [row])).toBe(1);
  const copied =
    await db().$executeRawUnsafe(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${n - 1})
    INSERT INTO "Moment" ("id", "workspaceId", "kind", "key", "repId", "payload", "route", "to", "status", "detectedAt", "error")
    SELECT 'flood-id-' || i, m."workspaceId", m."kind", 'won:flood-' || i, m."repId",
      REPLACE(m."payload", 'flood-0', 'flood-' || i), m."route", m."to", m."status", m."detectedAt", m."error"
    FROM n CROSS JOIN "Moment" m WHERE m."key" = 'won:flood-0'`);
  expect(copied).toBe(n - 1);
}

beforeAll(async () => {
  t = await startTestBot({ env: WEBHOOK_ENV });
  const ws = await db().workspace.update({
    where: { slackTeamId: 'T0ACME' },
    data: { timezone: 'UTC', createdAt: new Date('2026-01-01T00:00:00Z') },
  });
  workspaceId = ws.id;
  danaId = (await db().rep.create({ data: { workspaceId, name: 'Dana Scott', slackUserId: 'U0DANA' } })).id;
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await db().moment.deleteMany({ where: { workspaceId } });
  await db().deal.deleteMany({ where: { workspaceId } });
  await db().rep.update({ where: { id: danaId }, data: { name: 'Dana Scott', slackUserId: 'U0DANA' } });
  await db().workspace.update({
    where: { id: workspaceId },
    data: { settings: JSON.stringify({ jobs: JOBS_OFF, quietHours: null, celebrationsChannel: 'C0WINS' }) },
  });
  t.slack.on('chat.postMessage', () => ({ ok: true, ts: '1.1' }));
  newPosts();
});

describe('a flood of celebrations', () => {
  it('150,000 pending wins: no crash, 15 messages of 10,000 (one a minute), each listing 24 and counting the rest', async () => {
    await pendingWins(150_000, at(0));
    await t.bot.jobs.tick(at(1));
    const [first, ...rest] = newPosts();
    expect(rest).toEqual([]);
    expect(first?.body.channel).toBe('C0WINS');
    expect(String(first?.body.text)).toMatch(/^🎉 10,000 deals won: Dana Scott/);
    const lines = linesOf(first);
    expect(lines).toHaveLength(25);
    expect(lines.at(-1)).toBe('…and 9,976 more');
    expect(await statusCounts()).toEqual({ sent: 10_000, pending: 140_000 });
    for (let m = 2; m <= 16; m++) await t.bot.jobs.tick(at(m));
    const later = newPosts();
    expect(later).toHaveLength(14);
    for (const post of later) expect(linesOf(post)).toHaveLength(25);
    expect(await statusCounts()).toEqual({ sent: 150_000 });
  }, 120_000);

  it('a refused batch larger than the rows read: every row back to pending with one attempt, then sent once', async () => {
    await pendingWins(1_200, at(0));
    t.slack.on('chat.postMessage', () => ({ ok: false, error: 'channel_not_found' }));
    await t.bot.jobs.tick(at(1));
    expect(newPosts()).toHaveLength(1);
    expect(await statusCounts()).toEqual({ pending: 1_200 });
    const attempts = await db().moment.findMany({ where: { workspaceId }, select: { payload: true } });
    expect(new Set(attempts.map((r) => (JSON.parse(r.payload) as { attempts: number }).attempts))).toEqual(
      new Set([1]),
    );
    t.slack.on('chat.postMessage', () => ({ ok: true, ts: '1.2' }));
    await t.bot.jobs.tick(at(2));
    const [post, ...rest] = newPosts();
    expect(rest).toEqual([]);
    expect(linesOf(post).at(-1)).toBe('…and 1,176 more');
    expect(await statusCounts()).toEqual({ sent: 1_200 });
  }, 60_000);

  it('a large batch refused three times: every row failed with three attempts, never posted again', async () => {
    await pendingWins(1_100, at(0));
    // One row's payload written in another field order (attempts first): it is counted all the same.
    const odd = await db().moment.findUniqueOrThrow({
      where: { workspaceId_key: { workspaceId, key: 'won:flood-7' } },
    });
    const { attempts, ...rest } = JSON.parse(odd.payload) as Record<string, unknown>;
    await db().moment.update({
      where: { id: odd.id },
      data: { payload: JSON.stringify({ attempts, ...rest }) },
    });
    t.slack.on('chat.postMessage', () => ({ ok: false, error: 'is_archived' }));
    for (const m of [1, 2, 3]) {
      await t.bot.jobs.tick(at(m));
      expect(newPosts(), `minute ${m}`).toHaveLength(1);
    }
    expect(await statusCounts()).toEqual({ failed: 1_100 });
    const rows = await db().moment.findMany({
      where: { workspaceId },
      select: { payload: true, error: true },
    });
    expect(new Set(rows.map((r) => (JSON.parse(r.payload) as { attempts: number }).attempts))).toEqual(
      new Set([3]),
    );
    expect(new Set(rows.map((r) => r.error))).toEqual(new Set(['Slack refused the post: is_archived']));
    t.slack.on('chat.postMessage', () => ({ ok: true, ts: '1.3' }));
    await t.bot.jobs.tick(at(10));
    expect(newPosts()).toEqual([]);
  }, 60_000);

  it("250 reps' milestone DMs waiting: 200 reps a minute, the rest the next minute, each DM once", async () => {
    const reps = await Promise.all(
      Array.from({ length: 250 }, (_, i) =>
        db().rep.create({
          data: { workspaceId, name: `DM rep ${i}`, slackUserId: `U0DM${String(i).padStart(3, '0')}` },
        }),
      ),
    );
    try {
      const payload = (name: string, id: string) =>
        JSON.stringify({
          repName: name,
          slackUserId: id,
          metricId: 'sales.won_total',
          metricTitle: 'Won revenue',
          unit: 'money',
          percent: 50,
          actual: 5_000,
          target: 10_000,
          currency: 'USD',
          periodKey: '2026-11',
          periodLabel: 'November 2026',
          attempts: 0,
        });
      await insertMoments(
        db(),
        reps.map((r) => ({
          workspaceId,
          kind: 'milestone',
          key: `milestone:${r.id}:sales.won_total:2026-11:50`,
          repId: r.id,
          payload: payload(r.name, r.slackUserId as string),
          route: 'dm',
          to: r.slackUserId,
          status: 'pending',
          detectedAt: at(0),
        })),
      );
      await t.bot.jobs.tick(at(1));
      expect(newPosts()).toHaveLength(200);
      await t.bot.jobs.tick(at(2));
      await t.bot.jobs.tick(at(3));
      expect(newPosts()).toHaveLength(50);
      expect(await statusCounts()).toEqual({ sent: 250 });
    } finally {
      await db().rep.deleteMany({ where: { workspaceId, id: { in: reps.map((r) => r.id) } } });
    }
  }, 60_000);

  it('2,500 wins in a minute: recorded 1,000 a minute, then one message once the burst settled', async () => {
    const wonAt = at(-5);
    await db().deal.createMany({
      data: Array.from({ length: 2_500 }, (_, i) => ({
        workspaceId,
        repId: danaId,
        source: 'generic',
        externalId: `burst-${i}`,
        title: `Burst ${i}`,
        stage: 'Won',
        status: 'won',
        amountMinor: 10_000n,
        closedAt: new Date(wonAt.getTime() + i),
      })),
    });
    const recorded = async () => db().moment.count({ where: { workspaceId, kind: 'celebration' } });
    await t.bot.jobs.tick(at(0));
    expect(await recorded()).toBe(1_000);
    await t.bot.jobs.tick(at(1));
    expect(await recorded()).toBe(2_000);
    await t.bot.jobs.tick(at(2));
    expect(await recorded()).toBe(2_500);
    expect(newPosts()).toEqual([]);
    await t.bot.jobs.tick(at(3));
    await t.bot.jobs.tick(at(4));
    const posts = newPosts();
    expect(posts).toHaveLength(1);
    expect(String(posts[0]?.body.text)).toMatch(/^🎉 2,500 deals won/);
    // The oldest win first: recorded in the order they were won.
    expect(linesOf(posts[0])[0]).toBe(':tada: <@U0DANA> won _Burst 0_ for *$100*');
    expect(await statusCounts()).toEqual({ sent: 2_500 });
  }, 60_000);
});

describe('what a celebration names', () => {
  let eventNo = 0;
  async function win(dealId: string, deal: Record<string, unknown>) {
    const events = [
      {
        id: `open-${dealId}-${++eventNo}`,
        type: 'deal.upserted',
        dealId,
        owner: { slackUserId: 'U0DANA' },
        stage: 'negotiation',
        occurredAt: at(-60).toISOString(),
        ...deal,
      },
      {
        id: `won-${dealId}-${eventNo}`,
        type: 'deal.won',
        dealId,
        amount: '900',
        occurredAt: at(-1).toISOString(),
      },
    ];
    const res = await postEvents(t.baseUrl, JSON.stringify({ events }));
    expect(res.status).toBe(200);
    await t.bot.inbox.idle();
  }

  it('an untitled deal by its product and account (either alone, or "a deal" without both)', async () => {
    await win('u-1', { title: '', product: 'Pro plan', account: 'Acme <Corp> *' });
    await win('u-2', { title: '  ', account: 'Solo Ltd' });
    await win('u-3', { title: '' });
    await t.bot.jobs.tick(at(0));
    await t.bot.jobs.tick(at(1));
    const [post] = newPosts();
    const lines = linesOf(post).join('\n');
    expect(lines).toContain('won _Pro plan · Acme &lt;Corp&gt; ∗_ for');
    expect(lines).toContain('won _Solo Ltd_ for');
    expect(lines).toContain('won _a deal_ for');
  });

  it("the rep's current name and Slack id when it is sent, not those when the win was recorded", async () => {
    await win('n-1', { title: 'Renamed' });
    await t.bot.jobs.tick(at(0));
    await db().rep.update({
      where: { id: danaId },
      data: { name: 'Dana Scott-Lee', slackUserId: 'U0DANA9' },
    });
    await t.bot.jobs.tick(at(1));
    const [post] = newPosts();
    expect(linesOf(post)).toEqual([':tada: <@U0DANA9> won _Renamed_ for *$900*']);
    expect(String(post?.body.text)).toContain('Dana Scott-Lee');
  });
});
