import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importCsv } from '../../src/ingest/csv/import.js';
import { IMPORTED_WIN } from '../../src/store/moments.js';
import { startTestBot } from '../support/bot.js';
import type { TRecordedCall } from '../support/fake-slack.js';
import { PIPEDRIVE_UPDATE_DEAL, postEvents, postPipedrive, WEBHOOK_ENV } from '../support/webhooks.js';

/**
 * Deal-won celebrations (issue 17) through the real bot: wins arrive as signed webhooks (the JSON API), the
 * inbox applies them, the scheduler's minute tick (called with chosen instants: a fake clock) records and sends,
 * Slack is the loopback fake. Both stores (KPI_TEST_PROVIDERS).
 */

type TBot = Awaited<ReturnType<typeof startTestBot>>;
let t: TBot;
let workspaceId: string;
let danaId: string;
let csvDir: string;

/** Friday 20 November 2026, 14:00 UTC (the workspace's zone): a working afternoon. */
const T0 = new Date('2026-11-20T14:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
/** Every scheduled job off: only the minute tasks run on a tick. */
const JOBS_OFF = {
  leaderboard: { enabled: false },
  'coaching-alerts': { enabled: false },
  'stalled-deals': { enabled: false },
};

const db = () => t.bot.store.db;
async function setSettings(extra: Record<string, unknown>) {
  await db().workspace.update({
    where: { id: workspaceId },
    data: { settings: JSON.stringify({ jobs: JOBS_OFF, quietHours: null, ...extra }) },
  });
}

let eventNo = 0;
/** A deal opened and won through the JSON API (signed), applied by the inbox before it returns. */
async function win(
  dealId: string,
  o: {
    owner?: Record<string, string>;
    amount?: string;
    title?: string;
    wonAt?: Date;
    currency?: string;
  } = {},
) {
  const wonAt = o.wonAt ?? at(-1);
  const events = [
    {
      id: `open-${dealId}-${++eventNo}`,
      type: 'deal.upserted',
      dealId,
      owner: o.owner ?? { slackUserId: 'U0DANA' },
      title: o.title ?? `Deal ${dealId}`,
      stage: 'negotiation',
      ...(o.currency ? { currency: o.currency } : {}),
      occurredAt: new Date(wonAt.getTime() - 3_600_000).toISOString(),
    },
    {
      id: `won-${dealId}-${eventNo}`,
      type: 'deal.won',
      dealId,
      amount: o.amount ?? '1200',
      occurredAt: wonAt.toISOString(),
    },
  ];
  const body = JSON.stringify({ events });
  const res = await postEvents(t.baseUrl, body);
  expect(res.status).toBe(200);
  await t.bot.inbox.idle();
  return body;
}

let mark = 0;
/** Posts to the fake Slack since the last call of this (chat.postMessage: channel posts and DMs). */
function newPosts(): TRecordedCall[] {
  const all = t.slack.callsOf('chat.postMessage');
  const fresh = all.slice(mark);
  mark = all.length;
  return fresh;
}
const textOf = (c: TRecordedCall) => JSON.stringify(c.body.blocks);
/** The workspace's celebrations (milestones are test/moments/milestones.test.ts's). */
const moments = () =>
  db().moment.findMany({ where: { workspaceId, kind: 'celebration' }, orderBy: { key: 'asc' } });

beforeAll(async () => {
  t = await startTestBot({ env: WEBHOOK_ENV });
  csvDir = mkdtempSync(join(tmpdir(), 'kpi-moments-'));
  const ws = await db().workspace.update({
    where: { slackTeamId: 'T0ACME' },
    data: { timezone: 'UTC', createdAt: new Date('2026-01-01T00:00:00Z') },
  });
  workspaceId = ws.id;
  const dana = await db().rep.create({ data: { workspaceId, name: 'Dana Scott', slackUserId: 'U0DANA' } });
  danaId = dana.id;
  await db().repIdentity.create({
    data: { workspaceId, repId: danaId, source: 'pipedrive', externalId: '12415231' },
  });
  await db().rep.create({ data: { workspaceId, name: 'Lee <Park> & *Co*', email: 'lee@example.com' } });
  // Dana's won-revenue target: $40,000 a month.
  await db().target.create({
    data: {
      workspaceId,
      scope: 'rep',
      repId: danaId,
      metricId: 'sales.won_total',
      periodKind: 'month',
      amount: 4_000_000n,
      effectiveFrom: new Date('2026-01-01T00:00:00Z'),
    },
  });
});
afterAll(async () => {
  await t?.close();
  rmSync(csvDir, { recursive: true, force: true });
});
beforeEach(async () => {
  await db().moment.deleteMany({ where: { workspaceId } });
  await db().dealStageChange.deleteMany({ where: { workspaceId } });
  await db().deal.deleteMany({ where: { workspaceId } });
  await setSettings({ celebrationsChannel: 'C0WINS' });
  t.slack.on('chat.postMessage', () => ({ ok: true, ts: '1.1' }));
  newPosts();
});

describe('deal-won celebrations', () => {
  it('off by default: no channel chosen and no KPI_CELEBRATIONS_CHANNEL, nothing recorded or sent', async () => {
    await setSettings({});
    await win('off-1');
    await t.bot.jobs.tick(at(0));
    await t.bot.jobs.tick(at(2));
    expect(await moments()).toEqual([]);
    expect(newPosts()).toEqual([]);
    // Turned on later: a win older than the window is history (nothing), a recent one is celebrated.
    await setSettings({ celebrationsChannel: 'C0WINS' });
    await t.bot.jobs.tick(at(4 * 60));
    await t.bot.jobs.tick(at(4 * 60 + 2));
    expect(await moments()).toEqual([]);
    expect(newPosts()).toEqual([]);
  });

  it('posts a win once to the channel: the rep mentioned, the deal, the amount and progress to target', async () => {
    await win('one-1', { amount: '12000', title: 'Acme renewal' });
    await t.bot.jobs.tick(at(0));
    // Recorded, not yet sent: a burst may still be coming.
    expect((await moments()).map((m) => [m.key, m.status])).toEqual([
      [expect.stringMatching(/^won:/), 'pending'],
    ]);
    expect(newPosts()).toEqual([]);
    await t.bot.jobs.tick(at(1));
    const [post, ...rest] = newPosts();
    expect(rest).toEqual([]);
    expect(post?.body.channel).toBe('C0WINS');
    const blocks = textOf(post as TRecordedCall);
    expect(blocks).toContain('<@U0DANA> won _Acme renewal_ for *$12,000*');
    expect(blocks).toContain('30% of $40,000 for November 2026');
    expect(String(post?.body.text)).toContain('1 deal won');
    expect((await moments()).map((m) => m.status)).toEqual(['sent']);
    // Later minutes, a restart of the scheduler, the same win again: nothing more.
    await t.bot.jobs.tick(at(2));
    await t.bot.jobs.tick(at(10));
    expect(newPosts()).toEqual([]);
  });

  it('a Pipedrive win (its own currency) is celebrated once, however often Pipedrive delivers it', async () => {
    const pd = (id: string, status: string) =>
      JSON.stringify({
        ...PIPEDRIVE_UPDATE_DEAL,
        data: {
          ...PIPEDRIVE_UPDATE_DEAL.data,
          id: 808,
          title: 'Pipedrive deal',
          status,
          value: 7000,
          currency: 'EUR',
          won_time: status === 'won' ? at(-1).toISOString() : null,
          update_time: at(-1).toISOString(),
        },
        meta: { ...PIPEDRIVE_UPDATE_DEAL.meta, id, entity_id: '808', timestamp: at(-1).toISOString() },
      });
    expect((await postPipedrive(t.baseUrl, pd('pd-a', 'won'))).status).toBe(200);
    // Delivered again with another delivery id (Pipedrive's retry), the deal unchanged.
    expect((await postPipedrive(t.baseUrl, pd('pd-b', 'won'))).status).toBe(200);
    await t.bot.inbox.idle();
    await t.bot.jobs.tick(at(0));
    await t.bot.jobs.tick(at(1));
    await t.bot.jobs.tick(at(3));
    const posts = newPosts();
    expect(posts).toHaveLength(1);
    expect(textOf(posts[0] as TRecordedCall)).toContain('<@U0DANA> won _Pipedrive deal_ for *€7,000*');
  });

  it('a burst of ten wins in a minute is one message', async () => {
    for (let i = 0; i < 10; i++) await win(`burst-${i}`, { amount: String(1000 + i), wonAt: at(-1) });
    await t.bot.jobs.tick(at(0));
    await t.bot.jobs.tick(at(0.5));
    expect(newPosts()).toEqual([]);
    await t.bot.jobs.tick(at(1));
    const posts = newPosts();
    expect(posts).toHaveLength(1);
    const blocks = textOf(posts[0] as TRecordedCall);
    for (let i = 0; i < 10; i++) expect(blocks).toContain(`Deal burst-${i}`);
    expect(String(posts[0]?.body.text)).toContain('10 deals won');
    expect((await moments()).every((m) => m.status === 'sent')).toBe(true);
  });

  it('a steady stream goes out after 5 minutes even while wins keep coming', async () => {
    for (let minute = 0; minute <= 5; minute++) {
      await win(`stream-${minute}`, { wonAt: at(minute - 0.5) });
      await t.bot.jobs.tick(at(minute));
    }
    const posts = newPosts();
    expect(posts).toHaveLength(1);
    // The oldest was 5 minutes old: everything pending then went out together.
    expect(textOf(posts[0] as TRecordedCall)).toContain('Deal stream-5');
  });

  it('exactly once: a retried webhook, a win re-sent with another status and back, a restart', async () => {
    const body = await win('once-1');
    // The same delivery again (a retry): stored once by the inbox.
    expect((await postEvents(t.baseUrl, body)).body.new).toBe(0);
    await t.bot.jobs.tick(at(0));
    await t.bot.jobs.tick(at(1));
    expect(newPosts()).toHaveLength(1);
    // The CRM sends it lost, then won again (new events): the same deal is never celebrated twice.
    await postEvents(
      t.baseUrl,
      JSON.stringify({
        events: [{ id: 'once-lost', type: 'deal.lost', dealId: 'once-1', occurredAt: at(1.2) }],
      }),
    );
    await postEvents(
      t.baseUrl,
      JSON.stringify({
        events: [{ id: 'once-rewon', type: 'deal.won', dealId: 'once-1', occurredAt: at(1.5) }],
      }),
    );
    await t.bot.inbox.idle();
    expect(await db().deal.findFirstOrThrow({ where: { externalId: 'once-1' } })).toMatchObject({
      status: 'won',
    });
    // A second bot on the same database (another replica, or this one restarted) ticks the same minutes.
    const replica = await startTestBot({ env: WEBHOOK_ENV, databaseUrl: t.databaseUrl });
    try {
      await Promise.all([t.bot.jobs.tick(at(2)), replica.bot.jobs.tick(at(2))]);
      await Promise.all([t.bot.jobs.tick(at(4)), replica.bot.jobs.tick(at(4))]);
      expect(newPosts()).toEqual([]);
      expect(replica.slack.callsOf('chat.postMessage')).toEqual([]);
      expect((await moments()).map((m) => [m.key, m.status])).toEqual([
        [expect.stringMatching(/^won:/), 'sent'],
      ]);
    } finally {
      await replica.close();
    }
  });

  it('two schedulers on one database send a burst once between them', async () => {
    const replica = await startTestBot({ env: WEBHOOK_ENV, databaseUrl: t.databaseUrl });
    try {
      for (let i = 0; i < 6; i++) await win(`pair-${i}`, { wonAt: at(-1) });
      await Promise.all([t.bot.jobs.tick(at(0)), replica.bot.jobs.tick(at(0))]);
      await Promise.all([t.bot.jobs.tick(at(1)), replica.bot.jobs.tick(at(1))]);
      await Promise.all([t.bot.jobs.tick(at(2)), replica.bot.jobs.tick(at(2))]);
      const posts = [...newPosts(), ...replica.slack.callsOf('chat.postMessage')];
      // Each win in exactly one message (a replica may win some rows of the claim and send those).
      const shown = posts.flatMap((p) => textOf(p).match(/Deal pair-\d/g) ?? []);
      expect(shown.sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `Deal pair-${i}`));
      expect((await moments()).filter((m) => m.status === 'sent')).toHaveLength(6);
    } finally {
      await replica.close();
    }
  });

  it('never celebrates history: a CSV import of a recent win, or a webhook win closed hours ago', async () => {
    const file = join(csvDir, 'deals.csv');
    writeFileSync(
      file,
      [
        'deal_id,owner,title,amount,stage,status,opened_at,closed_at',
        `C1,Dana Scott,From CSV,9000,Won,won,2026-11-01,${at(-10).toISOString()}`,
      ].join('\n'),
    );
    const ws = await db().workspace.findUniqueOrThrow({ where: { id: workspaceId } });
    const summary = await importCsv(db(), {
      kind: 'deals',
      file,
      workspace: ws,
      provider: t.bot.store.provider,
      now: at(-5),
    });
    expect(summary).toMatchObject({ created: 1 });
    // Webhook wins closed 4 hours ago (a late delivery, a backfill) or an hour ahead of the clock: not now.
    await win('old-1', { wonAt: at(-4 * 60) });
    await win('future-1', { wonAt: at(60) });
    await t.bot.jobs.tick(at(0));
    await t.bot.jobs.tick(at(2));
    // The import's win is recorded as history (skipped) by the import itself; the old and future ones not at all.
    expect((await moments()).map((m) => [m.status, m.error])).toEqual([['skipped', IMPORTED_WIN]]);
    expect(newPosts()).toEqual([]);
  });

  it('celebrate-min: wins below it are not celebrated (in whole units of the deal currency)', async () => {
    await setSettings({ celebrationsChannel: 'C0WINS', celebrateMin: 5000 });
    await win('small-1', { amount: '4999.99' });
    await win('big-1', { amount: '5000' });
    await t.bot.jobs.tick(at(0));
    await t.bot.jobs.tick(at(1));
    const posts = newPosts();
    expect(posts).toHaveLength(1);
    expect(textOf(posts[0] as TRecordedCall)).toContain('Deal big-1');
    expect(textOf(posts[0] as TRecordedCall)).not.toContain('Deal small-1');
  });

  it('quiet hours hold celebrations until they end, then one message', async () => {
    await setSettings({ celebrationsChannel: 'C0WINS', quietHours: { start: '13:00', end: '15:00' } });
    await win('quiet-1');
    await win('quiet-2', { wonAt: at(30) });
    await t.bot.jobs.tick(at(0));
    await t.bot.jobs.tick(at(5));
    await t.bot.jobs.tick(at(31));
    await t.bot.jobs.tick(at(59));
    expect(newPosts()).toEqual([]);
    expect((await moments()).map((m) => m.status)).toEqual(['pending', 'pending']);
    await t.bot.jobs.tick(at(60));
    const posts = newPosts();
    expect(posts).toHaveLength(1);
    expect(textOf(posts[0] as TRecordedCall)).toMatch(/quiet-1.*quiet-2/);
  });

  it('Slack refusing: tried again next minute, failed after 3; cut off: uncertain and never again', async () => {
    t.slack.on('chat.postMessage', () => ({ ok: false, error: 'not_in_channel' }));
    await win('refused-1');
    await t.bot.jobs.tick(at(0));
    await t.bot.jobs.tick(at(1));
    expect((await moments())[0]).toMatchObject({
      status: 'pending',
      error: expect.stringContaining('not_in_channel'),
    });
    await t.bot.jobs.tick(at(2));
    await t.bot.jobs.tick(at(3));
    expect((await moments())[0]).toMatchObject({ status: 'failed' });
    expect(newPosts()).toHaveLength(3);
    await t.bot.jobs.tick(at(4));
    expect(newPosts()).toEqual([]);

    t.slack.on('chat.postMessage', () => ({ __status: 500, ok: false }));
    await win('cut-1', { wonAt: at(4) });
    await t.bot.jobs.tick(at(5));
    await t.bot.jobs.tick(at(6));
    expect(newPosts()).toHaveLength(1);
    const statusOf = async (externalId: string) => {
      const deal = await db().deal.findFirstOrThrow({ where: { workspaceId, externalId } });
      return (await db().moment.findFirstOrThrow({ where: { workspaceId, key: `won:${deal.id}` } })).status;
    };
    expect([await statusOf('refused-1'), await statusOf('cut-1')]).toEqual(['failed', 'uncertain']);
    // Slack answers again: the uncertain one is still not sent twice.
    t.slack.on('chat.postMessage', () => ({ ok: true, ts: '1.1' }));
    await t.bot.jobs.tick(at(7));
    await t.bot.jobs.tick(at(9));
    expect(newPosts()).toEqual([]);
  });

  it('a row left in sending by a dead process becomes uncertain, never sent again', async () => {
    await win('dead-1');
    await t.bot.jobs.tick(at(0));
    await db().moment.updateMany({
      where: { workspaceId },
      data: { status: 'sending', claimedBy: 'dead-host:1', claimedAt: at(0) },
    });
    // A live sender's claim is never taken over: a long tick may hold one for many minutes.
    await t.bot.jobs.tick(at(5));
    await t.bot.jobs.tick(at(30));
    expect((await moments()).map((m) => m.status)).toEqual(['sending']);
    await t.bot.jobs.tick(at(61));
    expect((await moments()).map((m) => m.status)).toEqual(['uncertain']);
    expect(newPosts()).toEqual([]);
  });

  it('turned off (celebrations-channel off) while pending: skipped, not sent later', async () => {
    await win('switch-1');
    await t.bot.jobs.tick(at(0));
    await setSettings({ celebrationsChannel: null });
    await t.bot.jobs.tick(at(1));
    await setSettings({ celebrationsChannel: 'C0WINS' });
    await t.bot.jobs.tick(at(2));
    expect(newPosts()).toEqual([]);
    expect((await moments()).map((m) => m.status)).toEqual(['skipped']);
  });

  it('hostile titles and names: escaped, no mention of the channel, long ones cut, within Block Kit limits', async () => {
    await win('evil-1', {
      title: `<!channel> *bold* _it_ ~s~ \`code\` <https://evil.example|click> ${'x'.repeat(400)}`,
      owner: { email: 'lee@example.com' },
    });
    await t.bot.jobs.tick(at(0));
    await t.bot.jobs.tick(at(1));
    const [post] = newPosts();
    const blocks = post?.body.blocks as { type: string; text?: { text: string } }[];
    const all = JSON.stringify(blocks);
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<https://evil');
    expect(all).toContain('&lt;!channel&gt;');
    // Lee has no Slack id: the name, escaped, in bold.
    expect(all).toContain('*Lee &lt;Park&gt; &amp; ∗Co∗*');
    for (const b of blocks) if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    expect(String(post?.body.text)).not.toContain('<!channel>');
  });
});

describe('a 5,000-character title stored by another path', () => {
  it('is cut and escaped in the channel message, which stays within Block Kit limits', async () => {
    const dana = await db().rep.findFirstOrThrow({ where: { workspaceId, slackUserId: 'U0DANA' } });
    await db().deal.create({
      data: {
        workspaceId,
        repId: dana.id,
        source: 'generic',
        externalId: 'huge-1',
        title: `<!channel> *${'w'.repeat(5_000)}*`,
        stage: 'won',
        status: 'won',
        amountMinor: 500_000n,
        closedAt: at(-1),
      },
    });
    await t.bot.jobs.tick(at(0));
    await t.bot.jobs.tick(at(1));
    const [post] = newPosts();
    const blocks = post?.body.blocks as { type: string; text?: { text: string } }[];
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const b of blocks)
      expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(b.type === 'header' ? 150 : 3000);
    expect(JSON.stringify(blocks)).not.toContain('<!channel>');
    expect(JSON.stringify(blocks).length).toBeLessThan(1_000);
  });
});

describe('another workspace', () => {
  it("never puts one workspace's win in another's message or ledger", async () => {
    const other = await db().workspace.create({
      data: {
        slackTeamId: 'T0OTHER',
        timezone: 'UTC',
        settings: JSON.stringify({ jobs: JOBS_OFF, quietHours: null, celebrationsChannel: 'C0OTHER' }),
      },
    });
    try {
      const rep = await db().rep.create({
        data: { workspaceId: other.id, name: 'Olga Other', slackUserId: 'U0OLGA' },
      });
      await db().deal.create({
        data: {
          workspaceId: other.id,
          repId: rep.id,
          source: 'generic',
          externalId: 'x-1',
          title: 'Their deal',
          stage: 'won',
          status: 'won',
          amountMinor: 900_000n,
          closedAt: at(-1),
        },
      });
      await win('mine-1');
      await t.bot.jobs.tick(at(0));
      await t.bot.jobs.tick(at(1));
      // Each workspace's win in its own channel's message, never in the other's.
      const posts = newPosts();
      const byChannel = new Map(posts.map((p) => [p.body.channel, textOf(p)]));
      expect([...byChannel.keys()].sort()).toEqual(['C0OTHER', 'C0WINS']);
      expect(byChannel.get('C0WINS')).toContain('Deal mine-1');
      expect(byChannel.get('C0WINS')).not.toContain('Their deal');
      expect(byChannel.get('C0OTHER')).toContain('Their deal');
      expect(byChannel.get('C0OTHER')).not.toContain('Deal mine-1');
      expect((await moments()).map((m) => m.payload)).not.toContainEqual(
        expect.stringContaining('Their deal'),
      );
    } finally {
      await db().workspace.delete({ where: { id: other.id } });
    }
  });
});

describe('KPI_CELEBRATIONS_CHANNEL', () => {
  it('is the default channel; the workspace choosing off overrides it', async () => {
    const other = await startTestBot({
      env: { ...WEBHOOK_ENV, KPI_CELEBRATIONS_CHANNEL: 'C0ENVWINS' },
      databaseUrl: t.databaseUrl,
    });
    try {
      await setSettings({});
      await win('env-1');
      await other.bot.jobs.tick(at(0));
      await other.bot.jobs.tick(at(1));
      const posts = other.slack.callsOf('chat.postMessage');
      expect(posts.map((p) => p.body.channel)).toEqual(['C0ENVWINS']);
      await setSettings({ celebrationsChannel: null });
      await win('env-2', { wonAt: at(1) });
      await other.bot.jobs.tick(at(2));
      await other.bot.jobs.tick(at(4));
      expect(other.slack.callsOf('chat.postMessage')).toHaveLength(1);
      expect((await moments()).map((m) => m.status)).toEqual(['sent']);
    } finally {
      await other.close();
    }
  });
});
