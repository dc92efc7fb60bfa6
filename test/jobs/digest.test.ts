import { afterEach, describe, expect, it, vi } from 'vitest';
import { cmdJobs } from '../../src/cli/jobs-commands.js';
import { loadConfig } from '../../src/config.js';
import { SEVERITY } from '../../src/jobs/digest.js';
import { createLocalOutbox } from '../../src/jobs/outbox.js';
import { runJobSlot } from '../../src/jobs/runner.js';
import { stalledDealsByRep } from '../../src/reports/stalled-deals.js';
import { jobsOverview } from '../../src/services/jobs.js';
import { changeNotifyPreferences } from '../../src/store/notify-preferences.js';
import { startTestBot } from '../support/bot.js';
import type { TRecordedCall } from '../support/fake-slack.js';
import { postBlockAction, slashCommands } from '../support/slack-request.js';

/**
 * The manager digest (issue 17) through the real bot: the scheduler's tick with a fake clock, the fake Slack on
 * loopback, SQLite or PostgreSQL. One coaching run sends each manager ONE message with every new alert about
 * their reps, grouped by rep, most serious first; reps whose manager has no Slack id go to the admins in one
 * message each; a manager's digest time queues the alerts for a minute task.
 */

type TBot = Awaited<ReturnType<typeof startTestBot>>;
const open: TBot[] = [];
afterEach(async () => {
  for (const b of open.splice(0)) await b.close().catch(() => {});
});

/** A clock the tests set: quiet hours and queue times are read from it. */
function fakeClock(iso: string) {
  return {
    at: new Date(iso),
    now() {
      return this.at;
    },
    set(s: string) {
      this.at = new Date(s);
      return this.at;
    },
  };
}

/** Only the coaching job runs (the weekly post and the reps' own stalled-deal DMs would add messages). */
const ALERTS_ONLY = { jobs: { leaderboard: { enabled: false }, 'stalled-deals': { enabled: false } } };
/** Thursday 3 December 2026, 08:30 in Berlin: the coaching job's default slot. */
const THU_RUN = '2026-12-03T07:30:10Z';

async function botAt(iso: string, env: Record<string, string> = {}) {
  const clock = fakeClock(iso);
  const t = await startTestBot({ clock, env });
  open.push(t);
  return { t, clock };
}

type TDb = TBot['bot']['store']['db'];

/**
 * People and deals: `reps` under their manager, each with the deals that raise the alerts asked for. decline:
 * $20,000 a month from May to October, $2,000 in November; lost: four deals opened in September and lost in
 * November (none created in November); stalled: an open deal whose last logged call was on 5 October (the
 * activity rule applies only where the source logs activity on deals; this call shows that CSV does here).
 */
async function seedPeople(
  db: TDb,
  people: {
    managers: { name: string; slackUserId: string | null }[];
    reps: {
      name: string;
      manager: string | null;
      slackUserId?: string;
      alerts: ('decline' | 'lost' | 'stalled')[];
    }[];
    admins?: string[];
  },
) {
  const ws = await db.workspace.update({
    where: { slackTeamId: 'T0ACME' },
    data: {
      timezone: 'Europe/Berlin',
      createdAt: new Date('2026-01-01T00:00:00Z'),
      settings: JSON.stringify({ ...ALERTS_ONLY, admins: people.admins ?? [] }),
    },
  });
  await db.rep.create({
    data: { workspaceId: ws.id, name: 'Ada Admin', slackUserId: 'U0ADA', role: 'admin' },
  });
  const managerIds = new Map<string, string>();
  for (const m of people.managers) {
    const row = await db.rep.create({
      data: { workspaceId: ws.id, name: m.name, slackUserId: m.slackUserId, role: 'manager' },
    });
    managerIds.set(m.name, row.id);
  }
  const repIds = new Map<string, string>();
  let n = 0;
  const deals: object[] = [];
  const activities: object[] = [];
  for (const r of people.reps) {
    const rep = await db.rep.create({
      data: {
        workspaceId: ws.id,
        name: r.name,
        slackUserId: r.slackUserId ?? null,
        managerId: r.manager ? (managerIds.get(r.manager) ?? null) : null,
      },
    });
    repIds.set(r.name, rep.id);
    const deal = (status: string, stage: string, amount: number, openedAt: string, closedAt: string | null) =>
      deals.push({
        workspaceId: ws.id,
        repId: rep.id,
        source: 'csv',
        externalId: `d${++n}`,
        title: `Deal ${n}`,
        stage,
        status,
        amountMinor: BigInt(amount * 100),
        openedAt: new Date(openedAt),
        closedAt: closedAt ? new Date(closedAt) : null,
      });
    if (r.alerts.includes('decline')) {
      for (const m of ['05', '06', '07', '08', '09', '10']) {
        deal(
          'won',
          'Won',
          10_000,
          `2026-${Number(m) - 1 < 10 ? '0' : ''}${Number(m) - 1}-20T10:00:00Z`,
          `2026-${m}-08T10:00:00Z`,
        );
        deal(
          'won',
          'Won',
          10_000,
          `2026-${Number(m) - 1 < 10 ? '0' : ''}${Number(m) - 1}-25T10:00:00Z`,
          `2026-${m}-18T10:00:00Z`,
        );
      }
      deal('won', 'Won', 2_000, '2026-10-20T10:00:00Z', '2026-11-12T10:00:00Z');
    }
    if (r.alerts.includes('lost'))
      for (let i = 0; i < 4; i++)
        deal('lost', 'Lost', 1_000, '2026-09-01T10:00:00Z', `2026-11-1${i}T10:00:00Z`);
    if (r.alerts.includes('stalled')) {
      deal('open', 'Proposal', 7_500, '2026-10-01T10:00:00Z', null);
      activities.push({
        workspaceId: ws.id,
        repId: rep.id,
        source: 'csv',
        externalId: `call-d${n}`,
        kind: 'call',
        occurredAt: new Date('2026-10-05T10:00:00Z'),
        dealExternalId: `d${n}`,
      });
    }
  }
  await db.deal.createMany({ data: deals as never });
  if (activities.length > 0) await db.activity.createMany({ data: activities as never });
  return { ws, repIds };
}

const dms = (t: TBot) =>
  t.slack.callsOf('chat.postMessage').filter((c) => String(c.body.channel).startsWith('U'));
const blocksOf = (c: TRecordedCall | undefined) => (c?.body.blocks ?? []) as Record<string, unknown>[];
/** The alert ids of a digest's items, in order (the items' block ids). */
const itemIds = (c: TRecordedCall | undefined) =>
  blocksOf(c)
    .map((b) => String(b.block_id ?? ''))
    .filter((id) => id.startsWith('kpi_alert:'))
    .map((id) => id.slice('kpi_alert:'.length));

async function alertsById(db: TDb) {
  const rows = await db.alertLog.findMany({ include: { rep: true, recipients: true } });
  return new Map(rows.map((r) => [r.id, r]));
}

/** Block Kit's limits, checked on every message a test sees. */
function expectWithinLimits(c: TRecordedCall | undefined) {
  const blocks = blocksOf(c);
  expect(blocks.length).toBeGreaterThan(0);
  expect(blocks.length).toBeLessThanOrEqual(50);
  expect(String(c?.body.text).length).toBeGreaterThan(0);
  expect(String(c?.body.text).length).toBeLessThanOrEqual(3000);
  for (const b of blocks) {
    const text = (b.text as { text?: string } | undefined)?.text ?? '';
    if (b.type === 'header') expect(text.length).toBeLessThanOrEqual(150);
    else expect(text.length).toBeLessThanOrEqual(3000);
    const menu = b.accessory as { options?: { value: string; text: { text: string } }[] } | undefined;
    for (const o of menu?.options ?? []) expect(o.value.length).toBeLessThanOrEqual(150);
    for (const e of (b.elements ?? []) as { text?: string }[])
      expect((e.text ?? '').length).toBeLessThanOrEqual(3000);
  }
}

/** A block_actions request as Slack signs and sends it: an overflow menu choice on a message. */
function chooseFromMenu(
  t: TBot,
  opts: { user: string; value: string; replyId: string; message?: unknown; team?: string; blockId?: string },
) {
  return postBlockAction(t, {
    ...opts,
    action: {
      type: 'overflow',
      action_id: 'kpi_alert_item',
      block_id: opts.blockId ?? 'b',
      selected_option: { text: { type: 'plain_text', text: 'x' }, value: opts.value },
    },
  });
}

describe('manager digest: one coaching run', () => {
  it('sends each manager one message, grouped by rep and most serious first; admins one each about reps without a manager on Slack', async () => {
    const { t, clock } = await botAt(THU_RUN);
    const db = t.bot.store.db;
    const { ws, repIds } = await seedPeople(db, {
      admins: ['U0ADA2'],
      managers: [
        { name: 'Mia Manager', slackUserId: 'U0MIA' },
        { name: 'Noor Nolink', slackUserId: null },
      ],
      // Created in an order unlike the digest's: Dana (less serious) first.
      reps: [
        { name: 'Dana Scott', manager: 'Mia Manager', alerts: ['lost'] },
        { name: 'Ora Quinn', manager: 'Mia Manager', alerts: ['stalled', 'decline'] },
        { name: 'Lee Park', manager: 'Mia Manager', alerts: ['lost', 'decline'] },
        { name: 'Kim Ode', manager: 'Noor Nolink', alerts: ['decline'] },
        { name: 'Zed Alone', manager: null, alerts: ['decline'] },
      ],
    });
    // The stalled-deals report (its own helper's) finds Ora's deal, untouched since the call on 5 October.
    const stalled = await stalledDealsByRep(db, ws, clock.now());
    expect([...stalled.keys()]).toEqual([repIds.get('Ora Quinn')]);
    const oras = stalled.get(repIds.get('Ora Quinn') as string) ?? [];
    expect(oras.map((d) => [d.reason, d.activityTracked])).toEqual([['activity', true]]);
    expect(oras[0]?.daysSinceActivity).toBe(
      Math.floor((clock.now().getTime() - Date.parse('2026-10-05T10:00:00Z')) / 86_400_000),
    );

    const out = await t.bot.jobs.tick(clock.set(THU_RUN));
    const run = out.find((o) => o.job === 'coaching-alerts');
    expect(run).toMatchObject({ status: 'done' });
    expect(run?.summary).toBe('7 alerts sent in 3 messages, 2 about reps whose manager has no Slack id');
    const sent = dms(t);
    expect(sent.map((c) => c.body.channel).sort()).toEqual(['U0ADA', 'U0ADA2', 'U0MIA']);
    for (const c of sent) expectWithinLimits(c);

    // Mia: one message, every alert about her three reps, grouped by rep, most serious first.
    const mia = sent.find((c) => c.body.channel === 'U0MIA');
    const log = await alertsById(db);
    const shown = itemIds(mia).map((id) => [log.get(id)?.rep.name, log.get(id)?.rule]);
    expect(shown).toEqual([
      ['Lee Park', 'sales_decline'],
      ['Lee Park', 'lost_outpacing_created'],
      ['Ora Quinn', 'sales_decline'],
      ['Ora Quinn', 'stalled_deals'],
      ['Dana Scott', 'lost_outpacing_created'],
    ]);
    expect(String(mia?.body.text)).toBe(
      'Coaching digest · Thu 3 Dec 2026 · 5 alerts about 3 reps: Lee Park (Sales declining, Losing more than creating), Ora Quinn (Sales declining, Stalled deals), Dana Scott (Losing more than creating)',
    );
    const miaBlocks = JSON.stringify(blocksOf(mia));
    expect(miaBlocks).toContain('Coaching digest · Thu 3 Dec 2026 · 5 alerts about 3 reps');
    expect(miaBlocks).toContain('Ora Quinn has 1 stalled deal');
    // Lee's and Ora's sales declines (and Lee's and Dana's lost deals) have the same next step: in full once,
    // then pointed back to.
    const steps = (json: string) => json.match(/Next step:_ [^"]*/g) ?? [];
    expect(steps(miaBlocks)).toHaveLength(5);
    expect(miaBlocks.split('(1) what changed in the last deals lost')).toHaveLength(2);
    expect(steps(miaBlocks).filter((x) => x === 'Next step:_ Same as for Lee Park above.')).toHaveLength(2);
    expect(steps(miaBlocks)[2]).toBe('Next step:_ Same as for Lee Park above.');
    expect(miaBlocks).toContain('Deal ');
    // The stalled item: a summary, the deal in the DM's words, and which rule caught it with the setting's days.
    expect(miaBlocks).toMatch(
      /1 stalled · oldest open \d+ days · \$[\d,.]+ open value where known\. \(1\) Deal /,
    );
    expect(miaBlocks).toContain(
      `last activity ${oras[0]?.daysSinceActivity} days ago (14 days or more counts as stalled)`,
    );
    expect(miaBlocks).toContain('_Likely reason:_ 1 with no activity for 14+ days.');
    // Each item: its own snooze / handled menu with the alert's id.
    for (const id of itemIds(mia)) {
      expect(miaBlocks).toContain(`"snooze:${id}"`);
      expect(miaBlocks).toContain(`"handled:${id}"`);
    }
    const terminalOrder = [...log.values()].filter((a) =>
      a.recipients.some((r) => r.slackUserId === 'U0MIA'),
    );
    expect(terminalOrder).toHaveLength(5);
    for (const a of terminalOrder) {
      expect(a.status).toBe('sent');
      expect(a.recipients.map((r) => [r.slackUserId, r.delivery])).toEqual([['U0MIA', 'delivered']]);
    }
    const stalledRow = [...log.values()].find((a) => a.rule === 'stalled_deals');
    expect(stalledRow?.periodKey).toBe('2026-11-30/week');

    // The admins: one message each, the same one, naming the manager without a Slack id and the rep without one.
    const toAdmins = sent.filter((c) => c.body.channel !== 'U0MIA');
    expect(toAdmins[0]?.body.blocks).toEqual(toAdmins[1]?.body.blocks);
    const adminBlocks = JSON.stringify(blocksOf(toAdmins[0]));
    expect(adminBlocks).toContain('These managers have no Slack id: *Noor Nolink*.');
    expect(adminBlocks).toContain('These reps have no manager: *Zed Alone*.');
    expect(adminBlocks).toContain('slack_user_id');
    expect(itemIds(toAdmins[0]).map((id) => log.get(id)?.rep.name)).toEqual(['Kim Ode', 'Zed Alone']);
    // Each rep named with their manager's team, so each team's part can be forwarded.
    expect(adminBlocks).toContain("*Kim Ode* · Noor Nolink's team · Sales declining");
    expect(adminBlocks).toContain('*Zed Alone* · no manager · Sales declining');
    // Another team's item does not point back across teams: each has its own agenda in full.
    expect(adminBlocks.split('(1) what changed in the last deals lost')).toHaveLength(3);
    expect(adminBlocks).not.toContain('Same as');
    for (const id of itemIds(toAdmins[0]))
      expect(
        log
          .get(id)
          ?.recipients.map((r) => r.slackUserId)
          .sort(),
      ).toEqual(['U0ADA', 'U0ADA2']);

    // `kpi jobs list` (the service and the command) counts them.
    const ctx = {
      workspace: await db.workspace.findUniqueOrThrow({ where: { id: ws.id } }),
      now: clock.now(),
      store: t.bot.store,
      logger: t.bot.logger,
    };
    const rows = await jobsOverview(ctx);
    expect(rows.find((r) => r.job === 'coaching-alerts')?.noSlackManagerAlerts).toBe(2);
    expect(rows.find((r) => r.job === 'leaderboard')?.noSlackManagerAlerts).toBeNull();
    const printed: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      printed.push(String(s));
      return true;
    });
    try {
      await cmdJobs(['list'], async (_team, work) => work(t.bot.store, ctx.workspace), {
        config: loadConfig({ DATABASE_URL: t.databaseUrl }),
        logger: t.bot.logger,
        now: () => clock.now(),
      });
    } finally {
      write.mockRestore();
    }
    expect(printed.join('')).toContain(
      '  2 alerts about reps whose manager has no Slack id (sent to the KPI Bot admins, if any)',
    );

    // The next day: the same periods, nothing new, nothing sent again.
    await t.bot.jobs.tick(clock.set('2026-12-04T07:30:10Z'));
    expect(dms(t)).toHaveLength(3);
  });

  it('60 reps with long, hostile names under one manager: one message within Block Kit limits, escaped, the rest summarized', async () => {
    const { t, clock } = await botAt(THU_RUN);
    const db = t.bot.store.db;
    const hostile = (i: number) =>
      `<!channel> *Bold* _it_ ~s~ \`x\` & <@U0EVIL> <https://evil.example|click> ${String(i).padStart(2, '0')} ${'y'.repeat(200)}`;
    await seedPeople(db, {
      managers: [{ name: `${hostile(99)} Manager`, slackUserId: 'U0MIA' }],
      reps: Array.from({ length: 60 }, (_, i) => ({
        name: hostile(i),
        manager: `${hostile(99)} Manager`,
        alerts: ['decline', 'lost'] as ('decline' | 'lost')[],
      })),
    });
    await t.bot.jobs.tick(clock.set(THU_RUN));
    const sent = dms(t);
    expect(sent.map((c) => c.body.channel)).toEqual(['U0MIA']);
    const [digest] = sent;
    expectWithinLimits(digest);
    const raw = JSON.stringify(digest?.body.blocks);
    // No name opens a mention, a link or formatting.
    expect(raw).not.toContain('<!channel>');
    expect(raw).not.toContain('<@U0EVIL>');
    expect(raw).not.toContain('<https://evil.example');
    expect(String(digest?.body.text)).not.toContain('<!channel>');
    const shown = itemIds(digest);
    expect(shown.length).toBeGreaterThan(40);
    const log = await alertsById(db);
    expect(log.size).toBe(120);
    // Grouped by rep (each rep's two items together, the more serious first); reps with equal alerts by name.
    const pairs = shown.map((id) => [log.get(id)?.rep.name, log.get(id)?.rule]);
    const whole = pairs.slice(0, pairs.length - (pairs.length % 2));
    expect(whole).toEqual(
      Array.from({ length: whole.length / 2 }, (_, i) => [
        [hostile(i), 'sales_decline'],
        [hostile(i), 'lost_outpacing_created'],
      ]).flat(),
    );
    expect(SEVERITY.indexOf('sales_decline')).toBeLessThan(SEVERITY.indexOf('lost_outpacing_created'));
    const more = blocksOf(digest).find((b) => JSON.stringify(b).includes('more alert'));
    expect(JSON.stringify(more)).toContain(`…and ${120 - shown.length} more alerts about`);
    expect(JSON.stringify(more)).toContain('/kpi why @name');
    // Every alert was in the message (shown or summarized), so every one is recorded as sent to Mia.
    expect([...log.values()].every((a) => a.status === 'sent')).toBe(true);
  });
});

describe('manager digest: snooze and handled from an item', () => {
  it('works for the manager it reached; forged values and other workspaces are refused', async () => {
    const { t, clock } = await botAt(THU_RUN);
    const db = t.bot.store.db;
    await seedPeople(db, {
      managers: [{ name: 'Mia Manager', slackUserId: 'U0MIA' }],
      reps: [{ name: 'Lee Park', manager: 'Mia Manager', slackUserId: 'U0LEE', alerts: ['decline', 'lost'] }],
    });
    await t.bot.jobs.tick(clock.set(THU_RUN));
    const [digest] = dms(t);
    const [first, second] = itemIds(digest);
    expect(first && second).toBeTruthy();
    t.slack.on('response_url', () => ({ ok: true }));
    const choose = async (user: string, value: string, replyId: string, team?: string) => {
      const res = await chooseFromMenu(t, {
        user,
        value,
        replyId,
        team,
        blockId: `kpi_alert:${first}`,
        message: { text: digest?.body.text, blocks: digest?.body.blocks },
      });
      expect(res.status).toBe(200);
      return (await t.slack.waitFor((c) => c.path === `/respond/${replyId}`)).body as {
        text?: string;
        replace_original?: boolean;
        blocks?: Record<string, unknown>[];
      };
    };
    // A rep (not a recipient, not an admin): refused, nothing changes.
    expect((await choose('U0LEE', `snooze:${first}`, 'lee')).text).toMatch(/only the manager it was sent to/);
    // Forged values: an action the menu never offers, an id of nobody, junk.
    expect((await choose('U0MIA', `delete:${first}`, 'forged-1')).text).toMatch(
      /not an action KPI Bot knows/,
    );
    expect((await choose('U0MIA', `snooze:${first};drop`, 'forged-2')).text).toMatch(
      /not an action KPI Bot knows/,
    );
    expect((await choose('U0MIA', 'snooze:cl-nobody-0000', 'forged-3')).text).toMatch(/no longer known/);
    // Another workspace's alert, chosen from this one: unknown here.
    const other = await db.workspace.create({ data: { slackTeamId: 'T0OTHER', name: 'Other' } });
    const stranger = await db.rep.create({ data: { workspaceId: other.id, name: 'Stranger' } });
    const foreign = await db.alertLog.create({
      data: {
        workspaceId: other.id,
        repId: stranger.id,
        rule: 'sales_decline',
        periodKey: '2026-11',
        status: 'sent',
      },
    });
    await db.alertRecipient.create({
      data: { alertLogId: foreign.id, slackUserId: 'U0MIA', delivery: 'delivered' },
    });
    expect((await choose('U0MIA', `handled:${foreign.id}`, 'foreign')).text).toMatch(/no longer known/);
    expect((await db.alertLog.findUniqueOrThrow({ where: { id: foreign.id } })).status).toBe('sent');
    // This workspace's alert, chosen by someone of the other workspace: not theirs to change.
    const fromOther = await chooseFromMenu(t, {
      user: 'U0MIA',
      value: `snooze:${first}`,
      replyId: 'from-other',
      team: 'T0OTHER',
    });
    expect(fromOther.status).toBe(200);
    expect(String((await t.slack.waitFor((c) => c.path === '/respond/from-other')).body.text)).toMatch(
      /^That alert is no longer known to KPI Bot\.$/,
    );
    expect((await db.alertLog.findUniqueOrThrow({ where: { id: first as string } })).status).toBe('sent');

    expect((await db.alertLog.findUniqueOrThrow({ where: { id: first as string } })).status).toBe('sent');
    // Mia snoozes the first item: the message is replaced, that item loses its menu and says so; the other keeps it.
    const snoozed = await choose('U0MIA', `snooze:${first}`, 'mia-snooze');
    expect(snoozed.replace_original).toBe(true);
    const item = (id: string) => snoozed.blocks?.find((b) => b.block_id === `kpi_alert:${id}`);
    expect(item(first as string)?.accessory).toBeUndefined();
    expect(JSON.stringify(item(first as string))).toMatch(/Snoozed by <@U0MIA> until 2026-12-10/);
    expect(item(second as string)?.accessory).toBeDefined();
    expect(snoozed.blocks).toHaveLength(blocksOf(digest).length);
    const row = await db.alertLog.findUniqueOrThrow({ where: { id: first as string } });
    expect(row.status).toBe('snoozed');
    expect(row.snoozedUntil?.toISOString()).toBe('2026-12-10T07:30:10.000Z');
    // Mark handled by the manager on the second.
    const res = await chooseFromMenu(t, {
      user: 'U0MIA',
      value: `handled:${second}`,
      replyId: 'mia-handled',
    });
    expect(res.status).toBe(200);
    await t.slack.waitFor((c) => c.path === '/respond/mia-handled');
    expect(await db.alertLog.findUniqueOrThrow({ where: { id: second as string } })).toMatchObject({
      status: 'handled',
      handledBySlackId: 'U0MIA',
    });
  });
});

describe('manager digest: day and time', () => {
  it('queues for a chosen time and sends one digest then, once across two schedulers', async () => {
    const { t, clock } = await botAt(THU_RUN);
    const db = t.bot.store.db;
    await seedPeople(db, {
      managers: [{ name: 'Mia Manager', slackUserId: 'U0MIA' }],
      reps: [
        { name: 'Lee Park', manager: 'Mia Manager', alerts: ['decline', 'lost'] },
        { name: 'Ora Quinn', manager: 'Mia Manager', alerts: ['decline'] },
      ],
    });
    // Mia chooses her digest as people do: /kpi notify, a signed slash command into the real bot.
    const reply = await slashCommands(() => t, { user: 'U0MIA' }).slash('notify digest weekdays 17:00');
    expect(JSON.stringify(reply)).toMatch(/17:00/);
    const [run] = await t.bot.jobs.tick(clock.set(THU_RUN));
    expect(run?.summary).toBe("0 alerts sent, 3 queued for a manager's digest time");
    expect(dms(t)).toHaveLength(0);
    expect((await db.alertLog.findMany()).map((a) => a.status)).toEqual(['queued', 'queued', 'queued']);
    // 16:59 in Berlin: not yet.
    await t.bot.jobs.tick(clock.set('2026-12-03T15:59:00Z'));
    expect(dms(t)).toHaveLength(0);
    // 17:00: two schedulers on the same database tick at once; one digest goes out.
    const other = await startTestBot({ databaseUrl: t.databaseUrl, clock });
    open.push(other);
    clock.set('2026-12-03T16:00:05Z');
    await Promise.all([t.bot.jobs.tick(clock.now()), other.bot.jobs.tick(clock.now())]);
    const both = [...dms(t), ...dms(other)];
    expect(both.map((c) => c.body.channel)).toEqual(['U0MIA']);
    expect(itemIds(both[0])).toHaveLength(3);
    expect(String(both[0]?.body.text)).toMatch(
      /^Coaching digest · Thu 3 Dec 2026 · 3 alerts about 2 reps: Lee Park/,
    );
    const rows = await db.alertLog.findMany({ include: { recipients: true } });
    expect(rows.map((r) => [r.status, r.recipients.map((x) => x.slackUserId)])).toEqual([
      ['sent', ['U0MIA']],
      ['sent', ['U0MIA']],
      ['sent', ['U0MIA']],
    ]);
    // Later minutes send nothing more.
    await t.bot.jobs.tick(clock.set('2026-12-03T16:01:00Z'));
    await other.bot.jobs.tick(clock.set('2026-12-04T16:00:00Z'));
    expect(dms(t).length + dms(other).length).toBe(1);
  });

  it('holds a digest time in quiet hours until they end, and keeps alerts queued on a non-digest day for the next one', async () => {
    const { t, clock } = await botAt(THU_RUN);
    const db = t.bot.store.db;
    const { ws } = await seedPeople(db, {
      managers: [
        { name: 'Mia Manager', slackUserId: 'U0MIA' },
        { name: 'Max Monday', slackUserId: 'U0MAX' },
      ],
      reps: [
        { name: 'Lee Park', manager: 'Mia Manager', alerts: ['decline'] },
        { name: 'Kim Ode', manager: 'Max Monday', alerts: ['decline'] },
      ],
    });
    // Mia: 21:00 every day (inside the default quiet hours, 20:00–08:00). Max: Mondays, with the coaching run.
    await changeNotifyPreferences(db, ws.id, 'U0MIA', { digestTime: '21:00' });
    await changeNotifyPreferences(db, ws.id, 'U0MAX', { digestDay: 'monday' });
    const [run] = await t.bot.jobs.tick(clock.set(THU_RUN));
    expect(run?.summary).toBe("0 alerts sent, 2 queued for a manager's digest time");
    await t.bot.jobs.tick(clock.set('2026-12-03T20:00:10Z'));
    await t.bot.jobs.tick(clock.set('2026-12-04T06:59:00Z'));
    expect(dms(t)).toHaveLength(0);
    // 08:00 Friday: quiet hours end; Mia's digest of Thursday 21:00 goes out. Max's waits (Friday is not Monday).
    await t.bot.jobs.tick(clock.set('2026-12-04T07:00:05Z'));
    expect(dms(t).map((c) => c.body.channel)).toEqual(['U0MIA']);
    await t.bot.jobs.tick(clock.set('2026-12-04T07:30:10Z'));
    await t.bot.jobs.tick(clock.set('2026-12-05T07:30:10Z'));
    expect(dms(t).map((c) => c.body.channel)).toEqual(['U0MIA']);
    // Monday's coaching run sends Max the alert that waited since Thursday, in its digest.
    await t.bot.jobs.tick(clock.set('2026-12-07T07:30:10Z'));
    const max = dms(t).filter((c) => c.body.channel === 'U0MAX');
    expect(max).toHaveLength(1);
    expect(String(max[0]?.body.text)).toBe(
      'Coaching digest · Mon 7 Dec 2026 · 1 alert about 1 rep: Kim Ode (Sales declining)',
    );
  });
});

describe('manager digest: retries', () => {
  it('a refused digest is sent again on the next run; a cut-off one never twice; at a digest time a refusal waits for the next', async () => {
    const { t, clock } = await botAt(THU_RUN);
    const db = t.bot.store.db;
    const { ws } = await seedPeople(db, {
      managers: [
        { name: 'Mia Manager', slackUserId: 'U0MIA' },
        { name: 'Cut Manager', slackUserId: 'U0CUT' },
        { name: 'Tia Timed', slackUserId: 'U0TIA' },
      ],
      reps: [
        { name: 'Lee Park', manager: 'Mia Manager', alerts: ['decline', 'lost'] },
        { name: 'Kim Ode', manager: 'Cut Manager', alerts: ['decline'] },
        { name: 'Ora Quinn', manager: 'Tia Timed', alerts: ['decline'] },
      ],
    });
    await changeNotifyPreferences(db, ws.id, 'U0TIA', { digestTime: '09:00' });
    let refuse = true;
    const tries: string[] = [];
    t.slack.on('chat.postMessage', (call) => {
      const to = String(call.body.channel);
      tries.push(to);
      if (to === 'U0CUT') return { __status: 500, ok: false };
      if (refuse && (to === 'U0MIA' || to === 'U0TIA')) return { ok: false, error: 'user_not_found' };
      return { ok: true, ts: '1.1' };
    });
    const [run] = await t.bot.jobs.tick(clock.set(THU_RUN));
    expect(run?.summary).toBe(
      "0 alerts sent, 1 queued for a manager's digest time, 2 failed (retried next run), 1 uncertain",
    );
    const status = async (rep: string) =>
      (await db.alertLog.findMany({ where: { rep: { name: rep } }, orderBy: { rule: 'asc' } })).map(
        (a) => a.status,
      );
    expect(await status('Lee Park')).toEqual(['failed', 'failed']);
    expect(await status('Kim Ode')).toEqual(['uncertain']);
    // Admins are told what did not go out.
    expect(tries.filter((x) => x === 'U0ADA')).toHaveLength(1);
    // Tia at 09:00 Thursday: refused, back in the queue; the minutes after do not hammer Slack.
    await t.bot.jobs.tick(clock.set('2026-12-03T08:00:05Z'));
    await t.bot.jobs.tick(clock.set('2026-12-03T08:01:05Z'));
    expect(tries.filter((x) => x === 'U0TIA')).toHaveLength(1);
    expect(await status('Ora Quinn')).toEqual(['queued']);
    refuse = false;
    // Friday's run: Mia's refused alerts go again, in one message; the cut-off one never again; Tia's still waits.
    await t.bot.jobs.tick(clock.set('2026-12-04T07:30:10Z'));
    expect(tries.filter((x) => x === 'U0MIA')).toHaveLength(2);
    expect(tries.filter((x) => x === 'U0CUT')).toHaveLength(1);
    expect(tries.filter((x) => x === 'U0TIA')).toHaveLength(1);
    expect(await status('Lee Park')).toEqual(['sent', 'sent']);
    expect(await status('Kim Ode')).toEqual(['uncertain']);
    // Friday 09:00: Tia's digest goes, once.
    await t.bot.jobs.tick(clock.set('2026-12-04T08:00:05Z'));
    await t.bot.jobs.tick(clock.set('2026-12-04T08:01:05Z'));
    expect(tries.filter((x) => x === 'U0TIA')).toHaveLength(2);
    expect(await status('Ora Quinn')).toEqual(['sent']);
  });
});

describe('manager digest: nobody to send to', () => {
  it('with no admin and no manager on Slack, nothing is claimed; the count shows; once an admin exists they get it', async () => {
    const { t, clock } = await botAt(THU_RUN);
    const db = t.bot.store.db;
    const { ws } = await seedPeople(db, {
      managers: [{ name: 'Noor Nolink', slackUserId: null }],
      reps: [{ name: 'Kim Ode', manager: 'Noor Nolink', alerts: ['decline'] }],
    });
    // No admin at all: Ada loses her role.
    await db.rep.updateMany({
      where: { workspaceId: ws.id, name: 'Ada Admin' },
      data: { role: 'rep', managerId: null },
    });
    await db.alertLog.deleteMany();
    const [run] = await t.bot.jobs.tick(clock.set(THU_RUN));
    expect(run?.summary).toBe(
      '0 alerts sent, 1 about reps whose manager has no Slack id, 1 with nobody to send to',
    );
    expect(dms(t)).toHaveLength(0);
    expect(await db.alertLog.count({ where: { rep: { name: 'Kim Ode' } } })).toBe(0);
    const ctx = { workspace: ws, now: clock.now(), store: t.bot.store, logger: t.bot.logger };
    expect(
      (await jobsOverview(ctx)).find((r) => r.job === 'coaching-alerts')?.noSlackManagerAlerts,
    ).toBeGreaterThan(0);
    // An admin appears: the next run sends Kim's alert to them, naming Noor.
    await db.rep.updateMany({ where: { workspaceId: ws.id, name: 'Ada Admin' }, data: { role: 'admin' } });
    await t.bot.jobs.tick(clock.set('2026-12-04T07:30:10Z'));
    const toAda = dms(t).filter((c) => c.body.channel === 'U0ADA');
    expect(toAda).toHaveLength(1);
    expect(JSON.stringify(toAda[0]?.body.blocks)).toContain(
      'These managers have no Slack id: *Noor Nolink*.',
    );
    expect(
      (await db.alertLog.findMany({ where: { rep: { name: 'Kim Ode' } } })).map((a) => a.status),
    ).toEqual(['sent']);
  });
});

describe('manager digest: the recipient is decided when it is sent', () => {
  it('a queued alert goes to the rep’s manager at send time, or to the admins once that manager has no Slack id', async () => {
    const { t, clock } = await botAt(THU_RUN);
    const db = t.bot.store.db;
    const { ws, repIds } = await seedPeople(db, {
      managers: [
        { name: 'Mia Manager', slackUserId: 'U0MIA' },
        { name: 'Max Morning', slackUserId: 'U0MAX' },
      ],
      reps: [
        { name: 'Lee Park', manager: 'Mia Manager', alerts: ['decline'] },
        { name: 'Kim Ode', manager: 'Mia Manager', alerts: ['decline'] },
      ],
    });
    await changeNotifyPreferences(db, ws.id, 'U0MIA', { digestTime: '17:00' });
    await changeNotifyPreferences(db, ws.id, 'U0MAX', { digestTime: '12:00' });
    await t.bot.jobs.tick(clock.set(THU_RUN));
    expect((await db.alertLog.findMany()).map((a) => a.status)).toEqual(['queued', 'queued']);
    // Before noon: Lee moves to Max; Mia loses her Slack id (Kim's alert now belongs to the admins).
    const max = await db.rep.findFirstOrThrow({ where: { slackUserId: 'U0MAX' } });
    await db.rep.update({ where: { id: repIds.get('Lee Park') as string }, data: { managerId: max.id } });
    await db.rep.updateMany({ where: { slackUserId: 'U0MIA' }, data: { slackUserId: null } });
    // Max's noon digest has Lee's alert.
    await t.bot.jobs.tick(clock.set('2026-12-03T11:00:05Z'));
    expect(dms(t).map((c) => c.body.channel)).toEqual(['U0MAX']);
    expect(String(dms(t)[0]?.body.text)).toBe(
      'Coaching digest · Thu 3 Dec 2026 · 1 alert about 1 rep: Lee Park (Sales declining)',
    );
    // Mia's time passes: she has no Slack id any more, so nothing goes to her.
    await t.bot.jobs.tick(clock.set('2026-12-03T16:00:05Z'));
    expect(dms(t)).toHaveLength(1);
    // The next coaching run sends Kim's waiting alert to the admin, naming Mia.
    await t.bot.jobs.tick(clock.set('2026-12-04T07:30:10Z'));
    const toAda = dms(t).filter((c) => c.body.channel === 'U0ADA');
    expect(toAda).toHaveLength(1);
    expect(JSON.stringify(toAda[0]?.body.blocks)).toContain(
      'These managers have no Slack id: *Mia Manager*.',
    );
    const rows = await db.alertLog.findMany({ include: { rep: true, recipients: true } });
    expect(
      rows
        .map((r) => [r.rep.name, r.status, r.recipients.map((x) => x.slackUserId).join()])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      ['Kim Ode', 'sent', 'U0ADA'],
      ['Lee Park', 'sent', 'U0MAX'],
    ]);
  });
});

describe('manager digest: local mode', () => {
  it('reaches a manager without a Slack account by name in the terminal, one digest for all their reps', async () => {
    const { t } = await botAt(THU_RUN);
    const db = t.bot.store.db;
    const { ws } = await seedPeople(db, {
      managers: [{ name: 'Noor Local', slackUserId: null }],
      reps: [
        { name: 'Lee Park', manager: 'Noor Local', alerts: ['lost', 'decline'] },
        { name: 'Kim Ode', manager: 'Noor Local', alerts: ['decline'] },
      ],
    });
    const printed: string[] = [];
    const outbox = createLocalOutbox((s) => printed.push(s));
    const run = await runJobSlot(
      {
        db,
        logger: t.bot.logger,
        outboxFor: async () => outbox,
        catchUpMs: 86_400_000,
        // Run by hand two days later (kpi jobs run --at): the digest is dated by its slot, not by today.
        clock: { now: () => new Date('2026-12-05T10:00:00Z') },
      },
      'coaching-alerts',
      await db.workspace.findUniqueOrThrow({ where: { id: ws.id } }),
      new Date('2026-12-03T07:30:00Z'),
    );
    expect(run.summary).toBe('3 alerts sent in 1 message');
    expect(outbox.sent.map((s) => s.to)).toEqual(['@Noor Local']);
    const lines = printed.join('').split('\n');
    expect(lines.slice(0, 3)).toEqual([
      '── direct message to @Noor Local ──',
      'COACHING DIGEST · THU 3 DEC 2026 · 3 ALERTS ABOUT 2 REPS',
      'Lee Park',
    ]);
    expect(lines.filter((l) => l.endsWith('[Snooze 1 week] [Mark handled]'))).toHaveLength(3);
    expect(lines.filter((l) => /^ {2}\S/.test(l)).map((l) => l.split(':')[0])).toEqual([
      '  Sales declining',
      '  Losing more than creating',
      '  Sales declining',
    ]);
  });
});
