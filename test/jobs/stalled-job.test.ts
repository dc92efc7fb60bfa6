import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KnownBlock } from '@slack/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCsv } from '../../src/ingest/csv/import.js';
import { createLocalOutbox } from '../../src/jobs/outbox.js';
import { runJobSlot } from '../../src/jobs/runner.js';
import { startTestBot } from '../support/bot.js';
import { TEST_PROVIDER } from '../support/env.js';
import type { TRecordedCall } from '../support/fake-slack.js';
import { slashCommands } from '../support/slack-request.js';
import { postHubSpot, postPipedrive, WEBHOOK_ENV } from '../support/webhooks.js';
import { expectSafe } from '../views/hostile-text.js';

/**
 * The weekly stalled-deals job through the real bot: the scheduler's tick with a fake clock (quiet hours are
 * judged on it), the fake Slack recording each direct message, SQLite or PostgreSQL underneath.
 */

let t: Awaited<ReturnType<typeof startTestBot>>;
const { slash } = slashCommands(() => t);

const fake = {
  at: new Date('2026-12-07T08:00:20Z'),
  now() {
    return this.at;
  },
  set(iso: string) {
    this.at = new Date(iso);
    return this.at;
  },
};

const DAY = 86_400_000;
/** Monday 7 December 2026, 09:00 in Berlin: the job's default slot. */
const SLOT = new Date('2026-12-07T08:00:00Z');
const ago = (days: number, from = SLOT) => new Date(from.getTime() - days * DAY);
const HOSTILE_TITLE = `*Big* _deal_ ~x~ <!channel> & <@U0ADA> ${'x'.repeat(200)}`;
const STALLED_ONLY = { jobs: { leaderboard: { enabled: false }, 'coaching-alerts': { enabled: false } } };

let ws: { id: string };
const reps: Record<string, string> = {};

async function seed() {
  const db = t.bot.store.db;
  ws = await db.workspace.update({
    where: { slackTeamId: 'T0ACME' },
    data: {
      timezone: 'Europe/Berlin',
      createdAt: new Date('2026-01-01T00:00:00Z'),
      settings: JSON.stringify(STALLED_ONLY),
    },
  });
  const person = async (name: string, slackUserId: string | null, role = 'rep', managerId?: string) => {
    reps[name] = (
      await db.rep.create({
        data: { workspaceId: ws.id, name, slackUserId, role, managerId: managerId ?? null },
      })
    ).id;
  };
  await person('Mia Manager', 'U0MIA', 'manager');
  await person('Ada Admin', 'U0ADA', 'admin');
  for (const [name, id] of [
    ['Dana Scott', 'U0DANA'],
    ['Lee Park', 'U0LEE'],
    ['Kim Ode', null],
    ['Pat Lane', 'U0PAT'],
    ['Zoe Quinn', 'U0ZOE'],
  ] as const)
    await person(name, id, 'rep', reps['Mia Manager']);
  const deal = async (d: {
    ext: string;
    rep: string;
    source?: string;
    title?: string;
    stage: string;
    opened: number;
    status?: string;
    closed?: number;
    amount?: number;
    moves: [string, number][];
  }) => {
    const row = await db.deal.create({
      data: {
        workspaceId: ws.id,
        repId: reps[d.rep] as string,
        source: d.source ?? 'csv',
        externalId: d.ext,
        title: d.title ?? `Deal ${d.ext}`,
        stage: d.stage,
        status: d.status ?? 'open',
        amountMinor: BigInt((d.amount ?? 1000) * 100),
        openedAt: ago(d.opened),
        closedAt: d.closed === undefined ? null : ago(d.closed),
        createdAt: ago(d.opened),
      },
    });
    for (const [toStage, days] of d.moves)
      await db.dealStageChange.create({
        data: { workspaceId: ws.id, dealId: row.id, toStage, changedAt: ago(days) },
      });
  };
  let acts = 0;
  const activity = (dealExternalId: string, days: number, source = 'csv') =>
    db.activity.create({
      data: {
        workspaceId: ws.id,
        source,
        externalId: `a${++acts}`,
        kind: 'call',
        occurredAt: ago(days),
        dealExternalId,
      },
    });
  // The team's history: ten won deals spent 1..10 days in Proposal (the usual: up to 9 days), each 400 days
  // from open to close (so the age rule, tested on its own below, holds for none of these open deals).
  for (let i = 1; i <= 10; i++)
    await deal({
      ext: `h${i}`,
      rep: 'Zoe Quinn',
      stage: 'Won',
      status: 'won',
      opened: 500,
      closed: 100,
      moves: [
        ['Qualify', 500],
        ['Proposal', 150],
        ['Won', 150 - i],
      ],
    });
  // Dana: a HubSpot deal 20 days in Proposal (touched two days ago), a CSV deal untouched for 25 days.
  await deal({
    ext: '9001',
    rep: 'Dana Scott',
    source: 'hubspot',
    title: HOSTILE_TITLE,
    stage: 'Proposal',
    opened: 20,
    amount: 12_000,
    moves: [['Proposal', 20]],
  });
  await activity('9001', 2, 'hubspot');
  await deal({ ext: 'D-2', rep: 'Dana Scott', stage: 'Demo', opened: 25, moves: [['Demo', 25]] });
  // Lee: 15 days in Proposal, nothing logged for 20: both rules.
  await deal({
    ext: 'L-1',
    rep: 'Lee Park',
    stage: 'Proposal',
    opened: 40,
    moves: [
      ['Qualify', 40],
      ['Proposal', 15],
    ],
  });
  await activity('L-1', 20);
  // Kim has no Slack id; Pat turns the message off; Zoe's open deal is moving.
  await deal({ ext: 'K-1', rep: 'Kim Ode', stage: 'Demo', opened: 60, moves: [['Demo', 60]] });
  await deal({ ext: 'P-1', rep: 'Pat Lane', stage: 'Demo', opened: 60, moves: [['Demo', 60]] });
  await deal({ ext: 'Z-1', rep: 'Zoe Quinn', stage: 'Proposal', opened: 3, moves: [['Proposal', 3]] });
  await activity('Z-1', 1);
  // What HubSpot's signed webhooks said: the portal the deals live in.
  await db.inboxEvent.create({
    data: {
      workspaceId: ws.id,
      source: 'hubspot',
      dedupeKey: 'hubspot:deal.creation:9001',
      payload: JSON.stringify({
        eventId: 1,
        portalId: 62515,
        occurredAt: 1,
        subscriptionType: 'deal.creation',
        objectId: 9001,
      }),
      receivedAt: ago(20),
    },
  });
}

beforeAll(async () => {
  t = await startTestBot({ clock: fake });
  await seed();
});
afterAll(async () => {
  await t?.close();
});

const dms = () => t.slack.callsOf('chat.postMessage');
const to = (calls: TRecordedCall[], user: string) => calls.filter((c) => c.body.channel === user);
const blocksOf = (c: TRecordedCall) =>
  (typeof c.body.blocks === 'string' ? JSON.parse(c.body.blocks) : c.body.blocks) as KnownBlock[];
const sectionTexts = (c: TRecordedCall) =>
  blocksOf(c).flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
const runOf = async (slot: Date) =>
  t.bot.store.db.jobRun.findUnique({
    where: { job_workspaceId_slot: { job: 'stalled-deals', workspaceId: ws.id, slot } },
  });
const setSettings = (settings: unknown) =>
  t.bot.store.db.workspace.update({ where: { id: ws.id }, data: { settings: JSON.stringify(settings) } });

/** Slack's limits on a message (views/blocks.ts LIMITS), with the text fallback present. */
function expectWithinLimits(c: TRecordedCall) {
  const blocks = blocksOf(c);
  expect(blocks.length).toBeLessThanOrEqual(50);
  expect(String(c.body.text).length).toBeGreaterThan(0);
  for (const b of blocks) {
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(150);
    if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    if (b.type === 'context')
      for (const e of b.elements) if ('text' in e) expect(String(e.text).length).toBeLessThanOrEqual(3000);
  }
}

describe(`stalled-deals job (${TEST_PROVIDER})`, () => {
  it('Monday 09:00: one DM per rep with stalled deals, links or ids, escaped titles; once per slot', async () => {
    // Pat turns the message off, as Slack sends the command.
    const reply = await slash('notify stalled off', { user: 'U0PAT' });
    expect(JSON.stringify(reply)).toMatch(/stalled/i);
    const before = dms().length;
    await t.bot.jobs.tick(fake.set('2026-12-07T07:59:30Z'));
    expect(dms().length).toBe(before);
    const out = await t.bot.jobs.tick(fake.set('2026-12-07T08:00:20Z'));
    expect(out.map((o) => [o.job, o.outcome, o.status])).toEqual([['stalled-deals', 'ran', 'done']]);
    const sent = dms().slice(before);
    expect(sent.map((c) => c.body.channel).sort()).toEqual(['U0DANA', 'U0LEE']);
    expect(out[0]?.summary).toBe(
      '2 reps sent their stalled deals (3 deals), 1 skipped by their preference, 1 without a Slack id',
    );
    const run = await runOf(SLOT);
    expect(JSON.parse(run?.result ?? '{}')).toMatchObject({
      sent: 2,
      deals: 3,
      skippedByPreference: 1,
      withoutSlackId: 1,
      withoutSlackIdNames: ['Kim Ode'],
    });

    const dana = to(sent, 'U0DANA')[0] as TRecordedCall;
    expectWithinLimits(dana);
    const header = blocksOf(dana)[0];
    expect(header).toMatchObject({ type: 'header', text: { text: 'Stalled deals · 2 deals need a nudge' } });
    const [, ...lines] = sectionTexts(dana);
    const list = lines.join('\n');
    // Most stalled first: 20 days in Proposal against the usual 9 (2.2x), then 25 days untouched of 14 (1.8x).
    expect(list.indexOf('9001')).toBeLessThan(list.indexOf('D-2'));
    expect(list).toContain('<https://app.hubspot.com/contacts/62515/record/0-3/9001|');
    expect(list).toContain("20 days in stage (team's usual: up to 9 days)");
    expect(list).toContain('last activity 2 days ago');
    expect(list).toContain('$12,000');
    // The rule that caught it first, then the deal's age, then its time in stage.
    expect(list).toContain(
      "20 days in stage (team's usual: up to 9 days) · open 20 days · last activity 2 days ago",
    );
    expect(list).toContain(
      'no activity logged (14 days or more counts as stalled) · open 25 days · 25 days in stage · CSV import id `D-2`',
    );
    // The hostile title is shown, never acted on: no mention, no channel ping, no markup of its own.
    const all = JSON.stringify(blocksOf(dana)) + String(dana.body.text);
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<@U0ADA>');
    expect(list).toContain('&lt;!channel&gt;');
    expect(list).not.toContain('x'.repeat(160));
    const lee = to(sent, 'U0LEE')[0] as TRecordedCall;
    expect(sectionTexts(lee).join('\n')).toContain(
      "15 days in stage (team's usual: up to 9 days) · last activity 20 days ago (14 days or more counts as stalled) · open 40 days",
    );
    // The same slot again, from a tick or by hand: nothing more.
    await t.bot.jobs.tick(fake.set('2026-12-07T08:01:00Z'));
    expect(dms().length).toBe(before + 2);
  });

  it('quiet hours hold the run; it goes out once they end, about the slot it stands for', async () => {
    // Zoe won her deal meanwhile: a won deal is never listed.
    await t.bot.store.db.deal.updateMany({
      where: { workspaceId: ws.id, externalId: 'Z-1' },
      data: { status: 'won', stage: 'Won', closedAt: new Date('2026-12-10T10:00:00Z') },
    });
    await setSettings({ ...STALLED_ONLY, quietHours: { start: '08:00', end: '10:00' } });
    try {
      const slot = new Date('2026-12-14T08:00:00Z');
      const before = dms().length;
      const out = await t.bot.jobs.tick(fake.set('2026-12-14T08:00:20Z'));
      // The slot came due and was held (the same tick's sweep tries the held run again: held again).
      expect([...new Set(out.map((o) => `${o.job} ${o.status}`))]).toEqual(['stalled-deals held']);
      expect(dms().length).toBe(before);
      expect((await runOf(slot))?.status).toBe('held');
      // Still quiet at 09:59 in Berlin.
      await t.bot.jobs.tick(fake.set('2026-12-14T08:59:00Z'));
      expect(dms().length).toBe(before);
      const later = await t.bot.jobs.tick(fake.set('2026-12-14T09:01:00Z'));
      expect(later.map((o) => [o.job, o.status])).toEqual([['stalled-deals', 'done']]);
      const sent = dms().slice(before);
      expect(sent.map((c) => c.body.channel).sort()).toEqual(['U0DANA', 'U0LEE']);
      // Counted to the slot: 27 days in Proposal a week on.
      expect(sectionTexts(to(sent, 'U0DANA')[0] as TRecordedCall).join('\n')).toContain('27 days in stage');
      await t.bot.jobs.tick(fake.set('2026-12-14T09:02:00Z'));
      expect(dms().length).toBe(before + 2);
    } finally {
      await setSettings(STALLED_ONLY);
    }
  });

  it('a preference turned back on is read at the next run; the job can be switched off', async () => {
    await slash('notify stalled on', { user: 'U0PAT' });
    const before = dms().length;
    await t.bot.jobs.tick(fake.set('2026-12-21T08:00:20Z'));
    expect(
      dms()
        .slice(before)
        .map((c) => c.body.channel)
        .sort(),
    ).toEqual(['U0DANA', 'U0LEE', 'U0PAT']);
    await setSettings({ jobs: { ...STALLED_ONLY.jobs, 'stalled-deals': { enabled: false } } });
    try {
      const off = dms().length;
      expect(await t.bot.jobs.tick(fake.set('2026-12-28T08:00:20Z'))).toEqual([]);
      expect(dms().length).toBe(off);
    } finally {
      await setSettings(STALLED_ONLY);
    }
  });

  it('a DM Slack refuses is counted and told to the admins; the others still go out', async () => {
    t.slack.on('chat.postMessage', (call) =>
      call.body.channel === 'U0LEE' ? { ok: false, error: 'user_not_found' } : { ok: true, ts: '1.1' },
    );
    try {
      const before = dms().length;
      const out = await t.bot.jobs.tick(fake.set('2027-01-04T08:00:20Z'));
      expect(out[0]).toMatchObject({ job: 'stalled-deals', status: 'done' });
      expect(out[0]?.summary).toContain('1 refused by Slack');
      const sent = dms().slice(before);
      expect(to(sent, 'U0DANA')).toHaveLength(1);
      expect(to(sent, 'U0PAT')).toHaveLength(1);
      const note = to(sent, 'U0ADA')[0];
      expect(String(note?.body.text)).toContain('could not deliver 1 stalled-deals message');
      const run = await runOf(new Date('2027-01-04T08:00:00Z'));
      expect(JSON.parse(run?.result ?? '{}')).toMatchObject({ sent: 2, failed: 1 });
    } finally {
      t.slack.on('chat.postMessage', () => ({ ok: true, ts: '1.1' }));
    }
  });

  it('local mode: the terminal outbox, people without a Slack id reached by name, no quiet hours', async () => {
    await setSettings({ ...STALLED_ONLY, quietHours: { start: '00:00', end: '23:59' } });
    try {
      const lines: string[] = [];
      const local = createLocalOutbox((text) => lines.push(text));
      const workspace = await t.bot.store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } });
      const slot = new Date('2027-01-18T08:00:00Z');
      const deps = {
        db: t.bot.store.db,
        logger: t.bot.logger,
        outboxFor: async () => local,
        catchUpMs: 86_400_000,
        clock: { now: () => new Date('2027-01-18T08:00:10Z') },
      };
      const out = await runJobSlot(deps, 'stalled-deals', workspace, slot);
      expect(out).toMatchObject({ outcome: 'ran', status: 'done' });
      expect(local.sent.map((m) => m.to).sort()).toEqual(['@Kim Ode', '@U0DANA', '@U0LEE', '@U0PAT']);
      const kim = local.sent.find((m) => m.to === '@Kim Ode');
      expect(kim?.message.terminal).toContain('Deal K-1 · Demo');
      expect(kim?.message.terminal).toContain('CSV import id K-1');
      const printed = lines.join('');
      expect(printed).toContain('── direct message to @Kim Ode ──');
      expectSafe(printed);
      // The hostile title prints as written, without a control character.
      expect(printed).toContain('*Big* _deal_ ~x~ <!channel>');
    } finally {
      await setSettings(STALLED_ONLY);
    }
  });

  it('60 reps under one manager, one with 300 stalled deals and long hostile names: every DM within limits', async () => {
    const db = t.bot.store.db;
    const hostile = (i: number) => `${'Ω*_~<>&'.repeat(30)} <!channel> @here rep ${i}`;
    const created: string[] = [];
    for (let i = 0; i < 60; i++) {
      const rep = await db.rep.create({
        data: {
          workspaceId: ws.id,
          name: hostile(i),
          slackUserId: `U0BIG${i}`,
          managerId: reps['Mia Manager'] as string,
        },
      });
      created.push(rep.id);
    }
    const deals = created.flatMap((repId, i) =>
      Array.from({ length: i === 0 ? 300 : 2 }, (_, k) => ({
        workspaceId: ws.id,
        repId,
        source: 'csv',
        externalId: `big-${i}-${k}`,
        title: `${'T*_~<>&'.repeat(40)} <!here> deal ${i}-${k}`,
        stage: `${'S*<>'.repeat(40)} stage`,
        status: 'open',
        amountMinor: BigInt(1000 + k),
        openedAt: ago(30 + k, new Date('2027-01-11T08:00:00Z')),
        createdAt: ago(30 + k, new Date('2027-01-11T08:00:00Z')),
      })),
    );
    await db.deal.createMany({ data: deals });
    const before = dms().length;
    const out = await t.bot.jobs.tick(fake.set('2027-01-11T08:00:20Z'));
    expect(out[0]).toMatchObject({ job: 'stalled-deals', status: 'done' });
    const sent = dms().slice(before);
    const big = sent.filter((c) => String(c.body.channel).startsWith('U0BIG'));
    expect(big).toHaveLength(60);
    for (const c of sent) expectWithinLimits(c);
    for (const c of big) {
      const json = JSON.stringify(blocksOf(c)) + String(c.body.text);
      expect(json).not.toContain('<!here>');
      expect(json).not.toContain('<!channel>');
    }
    const first = to(sent, 'U0BIG0')[0] as TRecordedCall;
    expect(blocksOf(first)[0]).toMatchObject({ text: { text: 'Stalled deals · 300 deals need a nudge' } });
    const text = sectionTexts(first).join('\n');
    // The ten most stalled (the oldest, longest untouched, first), then how many more and the oldest of them.
    const shown = [...text.matchAll(/CSV import id `(big-0-\d+)`/g)].map((m) => m[1]);
    expect(shown).toEqual(Array.from({ length: 10 }, (_, k) => `big-0-${299 - k}`));
    expect(text).toContain('…and 290 more stalled deals (oldest open 319 days)');
    expect(String(first.body.text)).toContain('…and 290 more stalled deals (oldest open 319 days)');
    expect(JSON.parse((await runOf(new Date('2027-01-11T08:00:00Z')))?.result ?? '{}')).toMatchObject({
      sent: 63,
      deals: 300 + 59 * 2 + 3 + 1,
    });
  });
});

describe(`stalled-deals job settings (${TEST_PROVIDER})`, () => {
  it('/kpi settings stalled-days is read by the next run: 365 leaves only deals stalled in their stage', async () => {
    const reply = await slash('settings stalled-days 365', { user: 'U0ADA' });
    expect(JSON.stringify(reply)).toContain('365');
    try {
      const before = dms().length;
      const out = await t.bot.jobs.tick(fake.set('2027-01-25T08:00:20Z'));
      expect(out.map((o) => [o.job, o.status])).toEqual([['stalled-deals', 'done']]);
      const sent = dms().slice(before);
      // Only the two Proposal deals (past the team's usual 9 days); every other deal is in a stage without one.
      expect(sent.map((c) => c.body.channel).sort()).toEqual(['U0DANA', 'U0LEE']);
      const dana = sectionTexts(to(sent, 'U0DANA')[0] as TRecordedCall);
      expect(dana[0]).toContain('where your CRM logs activity on deals, have had none logged for 365 days');
      expect(dana.join('\n')).toContain('9001');
      expect(dana.join('\n')).not.toContain('D-2');
      // A rep cannot change it.
      await slash('settings stalled-days 1', { user: 'U0DANA' });
      const ws2 = await t.bot.store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } });
      expect(JSON.parse(ws2.settings).stalledDays).toBe(365);
    } finally {
      await slash('settings stalled-days default', { user: 'U0ADA' });
    }
  });
});

describe(`stalled-deals job from live CRM webhooks (${TEST_PROVIDER})`, () => {
  let w: Awaited<ReturnType<typeof startTestBot>>;
  beforeAll(async () => {
    // The real clock here (webhook signatures are checked against it); no quiet hours, so the run's own time
    // does not matter, and the tick names the slot.
    w = await startTestBot({ env: WEBHOOK_ENV });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('HubSpot and Pipedrive deals as their webhooks told them: activity from Pipedrive; HubSpot logs none on deals', async () => {
    const db = w.bot.store.db;
    const workspace = await db.workspace.update({
      where: { slackTeamId: 'T0ACME' },
      data: {
        timezone: 'UTC',
        createdAt: new Date('2026-01-01T00:00:00Z'),
        settings: JSON.stringify({ ...STALLED_ONLY, quietHours: null }),
      },
    });
    const dana = await db.rep.create({
      data: { workspaceId: workspace.id, name: 'Dana Scott', slackUserId: 'U0DANA' },
    });
    await db.repIdentity.createMany({
      data: [
        { workspaceId: workspace.id, repId: dana.id, source: 'hubspot', externalId: '501' },
        { workspaceId: workspace.id, repId: dana.id, source: 'pipedrive', externalId: '9' },
      ],
    });
    const at = Date.parse('2026-11-01T10:00:00Z');
    const hs = (eventId: number, propertyName: string | null, propertyValue?: string) => ({
      eventId,
      portalId: 62515,
      subscriptionType: propertyName ? 'deal.propertyChange' : 'deal.creation',
      objectId: 4242,
      occurredAt: at,
      ...(propertyName ? { propertyName, propertyValue } : {}),
    });
    const hubspot = await postHubSpot(
      w.baseUrl,
      JSON.stringify([
        hs(1, null),
        hs(2, 'dealname', HOSTILE_TITLE),
        hs(3, 'amount', '5000'),
        hs(4, 'hubspot_owner_id', '501'),
        hs(5, 'dealstage', 'presentationscheduled'),
      ]),
    );
    expect(hubspot.status).toBe(200);
    const meta = (id: string, entity: string, entityId: number, timestamp: string) => ({
      action: 'create',
      entity,
      entity_id: entityId,
      id,
      timestamp,
      version: '2.0',
      host: 'acme.pipedrive.com',
    });
    const deal = await postPipedrive(
      w.baseUrl,
      JSON.stringify({
        meta: meta('3f1c0d1e-0000-4000-8000-000000000001', 'deal', 17, '2026-11-10T09:00:00Z'),
        data: {
          id: 17,
          title: 'Pipedrive renewal',
          value: 3000,
          currency: 'EUR',
          status: 'open',
          stage_id: 3,
          owner_id: 9,
          add_time: '2026-11-10T09:00:00Z',
        },
        previous: null,
      }),
    );
    expect(deal.status).toBe(200);
    const call = await postPipedrive(
      w.baseUrl,
      JSON.stringify({
        meta: meta('3f1c0d1e-0000-4000-8000-000000000002', 'activity', 800, '2026-11-15T10:00:00Z'),
        data: {
          id: 800,
          type: 'call',
          subject: 'Check-in',
          owner_id: 9,
          done: true,
          marked_as_done_time: '2026-11-15 10:00:00',
          deal_id: 17,
        },
        previous: null,
      }),
    );
    expect(call.status).toBe(200);
    await w.bot.inbox.idle();
    expect(
      await db.deal.count({ where: { workspaceId: workspace.id, repId: dana.id, status: 'open' } }),
    ).toBe(2);

    const before = w.slack.callsOf('chat.postMessage').length;
    const out = await w.bot.jobs.tick(new Date('2026-12-07T09:00:20Z'));
    expect(out.map((o) => [o.job, o.status, o.summary])).toEqual([
      ['stalled-deals', 'done', '1 rep sent their stalled deals (1 deal)'],
    ]);
    const [dm] = w.slack.callsOf('chat.postMessage').slice(before);
    expect(dm?.body.channel).toBe('U0DANA');
    const text = sectionTexts(dm as TRecordedCall).join('\n');
    // HubSpot: 35 days and 23 hours since its creation with nothing logged on it, but HubSpot's activity events
    // name no deal, so that says nothing: only the stage rule applies there (no usual for its stage yet).
    expect(text).not.toContain('4242');
    expect(text).not.toContain('$5,000');
    // Pipedrive logs activity on deals: the call on the deal 21 days and 23 hours before the slot.
    expect(text).toContain('*<https://acme.pipedrive.com/deal/17|Pipedrive renewal>* · 3 · €3,000');
    expect(text).toContain(
      'last activity 21 days ago (14 days or more counts as stalled) · open 27 days · 27 days in stage',
    );
    expect(JSON.stringify(blocksOf(dm as TRecordedCall))).not.toContain('<!channel>');
  });
});

describe(`stalled-deals job after CSV imports (${TEST_PROVIDER})`, () => {
  let w: Awaited<ReturnType<typeof startTestBot>>;
  let dir: string;
  beforeAll(async () => {
    w = await startTestBot();
    dir = mkdtempSync(join(tmpdir(), 'kpi-stalled-csv-'));
  });
  afterAll(async () => {
    await w?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a deals-only export is judged by the stage rule alone; once activities name its deals, by both', async () => {
    const db = w.bot.store.db;
    const workspace = await db.workspace.update({
      where: { slackTeamId: 'T0ACME' },
      data: {
        timezone: 'UTC',
        createdAt: new Date('2026-01-01T00:00:00Z'),
        settings: JSON.stringify({ ...STALLED_ONLY, quietHours: null }),
      },
    });
    await db.rep.create({ data: { workspaceId: workspace.id, name: 'Dana Scott', slackUserId: 'U0DANA' } });
    const importFile = async (kind: string, lines: string[], now: Date) => {
      const file = join(dir, `${kind}-${lines.length}-${now.getTime()}.csv`);
      writeFileSync(file, lines.join('\n'));
      return importCsv(db, { kind, file, workspace, provider: w.bot.store.provider, now });
    };
    // Three open deals created in October, never touched since, nothing logged on them: the public CRM export.
    expect(
      await importFile(
        'deals',
        [
          'deal_id,owner,title,amount,stage,status,opened_at',
          'E-1,Dana Scott,Export one,1000,Demo,open,2026-10-01',
          'E-2,Dana Scott,Export two,2000,Demo,open,2026-10-02',
          'E-3,Dana Scott,Export three,3000,Demo,open,2026-10-03',
        ],
        new Date('2026-10-05T00:00:00Z'),
      ),
    ).toMatchObject({ created: 3 });
    const monday = async (iso: string) => {
      const before = w.slack.callsOf('chat.postMessage').length;
      const out = await w.bot.jobs.tick(new Date(iso));
      return { out, sent: w.slack.callsOf('chat.postMessage').slice(before) };
    };
    // Monday 7 December, 09:00: 65 days without activity, but CSV logs none on deals here: nothing stalled.
    const first = await monday('2026-12-07T09:00:20Z');
    expect(first.out.map((o) => [o.job, o.status])).toEqual([['stalled-deals', 'done']]);
    expect(first.sent).toEqual([]);
    // An activities file naming a deal (a call on E-1 on 10 December): CSV now logs activity on deals.
    expect(
      await importFile(
        'activities',
        ['activity_id,owner,kind,occurred_at,deal_id', 'A-1,Dana Scott,call,2026-12-10T10:00:00Z,E-1'],
        new Date('2026-12-10T11:00:00Z'),
      ),
    ).toMatchObject({ created: 1 });
    // Monday 14 December: E-1 was called 3 days ago (fine); E-2 and E-3 have had nothing logged for 70+ days.
    const second = await monday('2026-12-14T09:00:20Z');
    expect(second.out.map((o) => [o.job, o.status, o.summary])).toEqual([
      ['stalled-deals', 'done', '1 rep sent their stalled deals (2 deals)'],
    ]);
    const text = sectionTexts(second.sent[0] as TRecordedCall).join('\n');
    expect(text).toContain('Export two');
    expect(text).toContain('Export three');
    expect(text).not.toContain('Export one');
    expect(text).toContain('no activity logged (14 days or more counts as stalled)');
  });
});

describe(`stalled deals from the public CRM export's layout (${TEST_PROVIDER})`, () => {
  let w: Awaited<ReturnType<typeof startTestBot>>;
  let dir: string;
  beforeAll(async () => {
    w = await startTestBot();
    dir = mkdtempSync(join(tmpdir(), 'kpi-stalled-export-'));
  });
  afterAll(async () => {
    await w?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("no activities, no stage history: the age rule against the team's close time, in the DM and the manager's digest", async () => {
    const db = w.bot.store.db;
    const workspace = await db.workspace.update({
      where: { slackTeamId: 'T0ACME' },
      data: {
        timezone: 'UTC',
        createdAt: new Date('2026-01-01T00:00:00Z'),
        settings: JSON.stringify({ jobs: { leaderboard: { enabled: false } }, quietHours: null }),
      },
    });
    const importFile = async (kind: string, lines: string[], preset?: string) => {
      const file = join(dir, `${kind}-${lines.length}.csv`);
      writeFileSync(file, lines.join('\n'));
      return importCsv(db, {
        kind,
        file,
        workspace,
        provider: w.bot.store.provider,
        now: new Date('2026-12-01T00:00:00Z'),
        ...(preset ? { preset } : {}),
      });
    };
    await importFile('reps', [
      'name,slack_user_id,role,manager',
      'Mia Manager,U0MIA,manager,',
      'Dana Scott,U0DANA,rep,Mia Manager',
    ]);
    const day = (iso: string, days: number) =>
      new Date(Date.parse(iso) - days * 86_400_000).toISOString().slice(0, 10);
    // sales_pipeline.csv's layout: no title, no activity, no history. Ten closed deals that took 10..100 days
    // (the team closes 90% within 90); twelve open deals engaged long ago; one young; one never engaged.
    const rows = [
      'opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value',
      ...Array.from({ length: 10 }, (_, i) => {
        const took = (i + 1) * 10;
        const won = i % 2 === 0;
        return `C-${i + 1},Dana Scott,GTX Basic,Acme Corp,${won ? 'Won' : 'Lost'},${day('2026-11-01', took)},2026-11-01,${won ? 1000 : 0}`;
      }),
      'O-1,Dana Scott,GTX Pro,Acme Corp,Engaging,2026-06-05,,',
      ...Array.from(
        { length: 11 },
        (_, i) => `O-${i + 2},Dana Scott,MG Special,,Engaging,2026-07-${String(i + 1).padStart(2, '0')},,`,
      ),
      'O-young,Dana Scott,GTX Pro,Acme Corp,Engaging,2026-10-01,,',
      'O-never,Dana Scott,GTX Pro,,Prospecting,,,',
    ];
    expect(await importFile('deals', rows, 'sales_pipeline')).toMatchObject({ created: 24 });

    // Monday 7 December: the coaching run at 08:30 (the manager's digest), the stalled DMs at 09:00.
    const before = w.slack.callsOf('chat.postMessage').length;
    await w.bot.jobs.tick(new Date('2026-12-07T08:30:20Z'));
    const out = await w.bot.jobs.tick(new Date('2026-12-07T09:00:20Z'));
    expect(out.map((o) => [o.job, o.status, o.summary])).toEqual([
      ['stalled-deals', 'done', '1 rep sent their stalled deals (12 deals)'],
    ]);
    const sent = w.slack.callsOf('chat.postMessage').slice(before);
    const dm = sent.find((c) => c.body.channel === 'U0DANA') as TRecordedCall;
    expectWithinLimits(dm);
    const text = sectionTexts(dm).join('\n');
    // The oldest first, named by product and account, its age against the team's close time; no stage time.
    expect(text).toContain(
      '*GTX Pro · Acme Corp* · Engaging\nopen 185 days; the team closes 90% within 90 days · CSV import id `O-1`',
    );
    expect(text).toContain('*MG Special* · Engaging\nopen 159 days; the team closes 90% within 90 days');
    expect(text).not.toMatch(/days? in stage|\$0|untitled/);
    expect(text).not.toContain('O-young');
    expect(text).not.toContain('O-never');
    // Ten, then the rest counted with the oldest of them.
    expect(text.match(/CSV import id `O-/g)).toHaveLength(10);
    expect(text).toContain('…and 2 more stalled deals (oldest open 150 days)');

    // The manager's digest: one item for Dana, a summary, the three most stalled in the same words, the rule.
    const digest = sent.find((c) => c.body.channel === 'U0MIA') as TRecordedCall;
    const item = sectionTexts(digest).find((t) => t.includes('Stalled deals')) ?? '';
    expect(item).toContain('*Dana Scott has 12 stalled deals*');
    expect(item).toContain(
      '12 stalled · oldest open 185 days. (1) GTX Pro · Acme Corp · Engaging: open 185 days; the team closes 90% within 90 days · CSV import id O-1 (2) MG Special · Engaging: open 159 days',
    );
    expect(item).toContain('…and 9 more.');
    expect(item).toContain(
      '_Likely reason:_ 12 open longer than the team takes to close (90% within 90 days).',
    );
  });
});
