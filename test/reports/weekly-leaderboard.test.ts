import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../../src/generated/sqlite/client.js';
import { formatMetric } from '../../src/reports/format.js';
import { weeklyLeaderboard } from '../../src/reports/weekly-leaderboard.js';
import type { TStore } from '../../src/store/store.js';
import { buildWeeklyLeaderboard } from '../../src/views/jobs.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/**
 * The weekly board counts up to its slot, never further: the current month from its start to the slot, against
 * the previous month cut at the same offset. Shaped like the Maven export's December 2017, where a replayed
 * export already holds the whole month when the Monday 4 December post is made.
 */

let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let nyc: Workspace;

/** Monday 4 December 2017, 09:00 UTC: the slot. */
const SLOT = new Date('2017-12-04T09:00:00Z');
const usd = (v: number) => formatMetric(v, 'money', 'USD', 'en-US');

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  const { db } = store;
  ws = await db.workspace.create({ data: { slackTeamId: 'T0WEEKLY', timezone: 'UTC', currency: 'USD' } });
  nyc = await db.workspace.create({
    data: { slackTeamId: 'T0NYC', timezone: 'America/New_York', currency: 'USD' },
  });
  const rep = (name: string, workspaceId = ws.id) => db.rep.create({ data: { workspaceId, name } });
  const [darcel, vicki, ny] = await Promise.all([
    rep('Darcel Schlecht'),
    rep('Vicki Laflamme'),
    rep('Ny', nyc.id),
  ]);
  let n = 0;
  const won = (repId: string, closedAt: string, dollars: number, workspaceId = ws.id) => ({
    workspaceId,
    repId,
    source: 'csv',
    externalId: `w${n++}`,
    stage: 'Won',
    status: 'won',
    amountMinor: BigInt(Math.round(dollars * 100)),
    openedAt: new Date('2017-09-01T00:00:00Z'),
    closedAt: new Date(closedAt),
  });
  // Listed out of time order on purpose: the board may not depend on the order facts arrive in.
  await db.deal.createMany({
    data: [
      // Darcel, December: $20,795 before the slot, $98,421 after it (the rest of the month, replayed).
      won(darcel.id, '2017-12-28T10:00:00Z', 60_000),
      won(darcel.id, '2017-12-01T10:00:00Z', 12_000),
      won(darcel.id, '2017-12-04T08:59:59Z', 8_795),
      won(darcel.id, '2017-12-04T09:00:00Z', 38_421), // at the slot itself: not yet
      // Darcel, November: $5,000 by the same offset, $70,000 later in the month.
      won(darcel.id, '2017-11-02T10:00:00Z', 5_000),
      won(darcel.id, '2017-11-20T10:00:00Z', 70_000),
      // Vicki, December: $15,000 before the slot; November: $14,000 by the same offset, nothing after.
      won(vicki.id, '2017-12-02T10:00:00Z', 15_000),
      won(vicki.id, '2017-11-04T08:00:00Z', 14_000),
      won(vicki.id, '2017-11-04T10:00:00Z', 50_000), // after the same offset of November: not compared
      // New York: 1 December 03:00 UTC is still 30 November there.
      won(ny.id, '2017-12-01T03:00:00Z', 1_000, nyc.id),
      won(ny.id, '2017-12-04T13:59:00Z', 2_000, nyc.id),
      won(ny.id, '2017-12-04T14:00:00Z', 4_000, nyc.id),
    ],
  });
});
afterAll(async () => {
  await cleanup();
});

describe(`weekly leaderboard to date (${TEST_PROVIDER})`, () => {
  it('counts the month from its start up to the slot, and compares with the same days of the month before', async () => {
    const board = await weeklyLeaderboard(store.db, ws, { metricId: 'sales.won_total', top: 5, asOf: SLOT });
    expect(board.toDate).toBe(true);
    expect(board.span).toEqual({
      label: 'December 2017 to date (1–4 Dec)',
      start: '2017-12-01T00:00:00.000Z',
      end: '2017-12-04T09:00:00.000Z',
    });
    expect(board.comparison).toEqual({
      label: '1–4 Nov',
      start: '2017-11-01T00:00:00.000Z',
      end: '2017-11-04T09:00:00.000Z',
    });
    expect(board.rows.map((r) => [r.rank, r.rep.name, r.value, r.improvement])).toEqual([
      [1, 'Darcel Schlecht', 20_795, 15_795],
      [2, 'Vicki Laflamme', 15_000, 1_000],
    ]);
    expect(board.mostImproved?.rep.name).toBe('Darcel Schlecht');
    const post = buildWeeklyLeaderboard(board);
    expect(post.text).toBe(
      `Weekly leaderboard · Won revenue · December 2017 to date (1–4 Dec): 1. Darcel Schlecht ${usd(20_795)}, 2. Vicki Laflamme ${usd(15_000)}`,
    );
    expect(post.terminal).toContain(
      `Most improved: Darcel Schlecht, +${usd(15_795)} against the same days of last month (1–4 Nov).`,
    );
  });

  it('depends on the slot only: the same slot run a week later gives the same board', async () => {
    const atSlot = await weeklyLeaderboard(store.db, ws, { metricId: 'sales.won_total', top: 5, asOf: SLOT });
    // More of December is recorded after the slot; a re-run for the slot must not see it.
    const late = await store.db.rep.findFirstOrThrow({
      where: { workspaceId: ws.id, name: 'Vicki Laflamme' },
    });
    await store.db.deal.create({
      data: {
        workspaceId: ws.id,
        repId: late.id,
        source: 'csv',
        externalId: 'late',
        stage: 'Won',
        status: 'won',
        amountMinor: 9_999_900n,
        openedAt: new Date('2017-12-05T00:00:00Z'),
        closedAt: new Date('2017-12-06T00:00:00Z'),
      },
    });
    const again = await weeklyLeaderboard(store.db, ws, { metricId: 'sales.won_total', top: 5, asOf: SLOT });
    expect(again).toEqual(atSlot);
    // The change against the same days of last month, ranked the same way.
    const change = await weeklyLeaderboard(store.db, ws, {
      metricId: 'sales.change_vs_previous',
      top: 5,
      asOf: SLOT,
    });
    const darcel = change.rows.find((r) => r.rep.name === 'Darcel Schlecht');
    // (20,795 − 5,000) / 5,000, against the same four days of November, not the whole of it.
    expect(darcel?.value).toBeCloseTo(3.159, 3);
  });

  it('in its first days shows the month just ended, whole, against the whole month before', async () => {
    const board = await weeklyLeaderboard(store.db, ws, {
      metricId: 'sales.won_total',
      top: 5,
      asOf: new Date('2017-12-03T09:00:00Z'),
    });
    expect(board.toDate).toBe(false);
    expect(board.span.label).toBe('November 2017');
    expect(board.comparison.label).toBe('October 2017');
    expect(board.rows.map((r) => [r.rep.name, r.value])).toEqual([
      ['Darcel Schlecht', 75_000],
      ['Vicki Laflamme', 64_000],
    ]);
    expect(buildWeeklyLeaderboard(board).text).toMatch(/^Weekly leaderboard · Won revenue · November 2017: /);
  });

  it('cuts in the workspace zone: Monday 09:00 in New York, and a deal on the evening of 30 November is November', async () => {
    const board = await weeklyLeaderboard(store.db, nyc, {
      metricId: 'sales.won_total',
      top: 5,
      asOf: new Date('2017-12-04T14:00:00Z'),
    });
    expect(board.span.label).toBe('December 2017 to date (1–4 Dec)');
    expect(board.span.start).toBe('2017-12-01T05:00:00.000Z');
    expect(board.rows.map((r) => r.value)).toEqual([2_000]);
    // A slot at local midnight: the days before it only.
    const midnight = await weeklyLeaderboard(store.db, nyc, {
      metricId: 'sales.won_total',
      top: 5,
      asOf: new Date('2017-12-04T05:00:00Z'),
    });
    expect(midnight.span.label).toBe('December 2017 to date (1–3 Dec)');
    expect(midnight.rows.map((r) => r.value)).toEqual([0]);
  });
});

describe(`weekly leaderboard on a level metric (${TEST_PROVIDER})`, () => {
  it('a win-rate target is read as the rate it is: no "% of target" on the board', async () => {
    const { db } = store;
    await db.target.create({
      data: {
        workspaceId: ws.id,
        scope: 'workspace',
        metricId: 'opportunities.win_rate',
        periodKind: 'month',
        amount: 250_000n, // 25% (millionths)
        effectiveFrom: new Date('2017-01-01T00:00:00Z'),
      },
    });
    const revenueTarget = await db.target.create({
      data: {
        workspaceId: ws.id,
        scope: 'workspace',
        metricId: 'sales.won_total',
        periodKind: 'month',
        amount: 10_000_000n, // $100,000
        effectiveFrom: new Date('2017-01-01T00:00:00Z'),
      },
    });
    try {
      const rate = await weeklyLeaderboard(db, ws, {
        metricId: 'opportunities.win_rate',
        top: 5,
        asOf: SLOT,
      });
      expect(rate.rows.length).toBeGreaterThan(0);
      expect(rate.rows.every((r) => r.attainment === null)).toBe(true);
      // A sum keeps its "% of target".
      const won = await weeklyLeaderboard(db, ws, { metricId: 'sales.won_total', top: 5, asOf: SLOT });
      expect(won.rows.some((r) => r.attainment !== null)).toBe(true);
    } finally {
      await db.target.deleteMany({ where: { workspaceId: ws.id } });
      expect(revenueTarget.id).toBeTruthy();
    }
  });
});

describe(`weekly leaderboard: movement since the last post, gaps, % of the leader (${TEST_PROVIDER})`, () => {
  it('ranks against the board of the slot a week before, from the same facts, in the same month', async () => {
    const { db } = store;
    const w = await db.workspace.create({
      data: { slackTeamId: 'T0MOVES', timezone: 'UTC', currency: 'USD' },
    });
    const rep = (name: string) => db.rep.create({ data: { workspaceId: w.id, name } });
    const [ana, bo, cy] = await Promise.all([rep('Ana'), rep('Bo'), rep('Cy')]);
    let n = 0;
    const won = (repId: string, closedAt: string, dollars: number) => ({
      workspaceId: w.id,
      repId,
      source: 'csv',
      externalId: `m${n++}`,
      stage: 'Won',
      status: 'won',
      amountMinor: BigInt(dollars * 100),
      openedAt: new Date('2017-10-01T00:00:00Z'),
      closedAt: new Date(closedAt),
    });
    await db.deal.createMany({
      data: [
        // Last post (Monday 4 December, December to date): Ana $10,000 (#1), Cy $3,000 (#2), Bo nothing.
        won(ana.id, '2017-12-02T10:00:00Z', 10_000),
        won(cy.id, '2017-12-03T10:00:00Z', 3_000),
        // This post (Monday 11 December): Bo $15,000, Cy $12,000, Ana still $10,000.
        won(bo.id, '2017-12-08T10:00:00Z', 15_000),
        won(cy.id, '2017-12-07T10:00:00Z', 9_000),
      ],
    });
    const asOf = new Date('2017-12-11T09:00:00Z');
    const board = await weeklyLeaderboard(db, w, { metricId: 'sales.won_total', top: 5, asOf });
    expect(board.movementBasis).toBe('last-week');
    const byName = Object.fromEntries(board.rows.map((r) => [r.rep.name, r]));
    expect(byName.Bo).toMatchObject({ rank: 1, movement: 'new', gapToNext: null, ofLeader: null });
    expect(byName.Cy).toMatchObject({ rank: 2, movement: 0, gapToNext: 3_000, ofLeader: 0.8 });
    expect(byName.Ana).toMatchObject({ rank: 3, movement: -2, gapToNext: 2_000 });
    const post = buildWeeklyLeaderboard(board).terminal.split('\n');
    expect(post[1]).toBe('1. Bo  $15,000 (new) · created : lost no data');
    expect(post[2]).toBe('2. Cy  $12,000 · 80% of the leader · $3,000 behind #1 · created : lost no data');
    expect(post[3]).toBe(
      '3. Ana  $10,000 ↓2 · 67% of the leader · $2,000 behind #2 · created : lost no data',
    );
    expect(post.join('\n')).toContain("↑↓ places since last week's board; (new): not ranked on it.");
    expect(post.join('\n')).not.toContain('New month');

    // The first post of the month (Monday 4 December) against the board of 27 November (November to date):
    // another month, so no arrows, no "(new)", and the note instead.
    await db.deal.createMany({
      data: [won(ana.id, '2017-11-20T10:00:00Z', 40_000), won(bo.id, '2017-11-21T10:00:00Z', 1_000)],
    });
    const first = await weeklyLeaderboard(db, w, { metricId: 'sales.won_total', top: 5, asOf: SLOT });
    expect(first.period.key).toBe('2017-12');
    expect(first.movementBasis).toBe('new-month');
    expect(first.rows.map((r) => [r.rep.name, r.rank, r.movement])).toEqual([
      ['Ana', 1, null],
      ['Cy', 2, null],
      ['Bo', 3, null],
    ]);
    const message = buildWeeklyLeaderboard(first);
    expect(message.terminal).not.toMatch(/↑|↓|\(new\)/);
    expect(message.terminal).toContain('New month: movement starts next week.');
    expect(JSON.stringify(message.blocks)).toContain('New month: movement starts next week.');
    expect(JSON.stringify(message.blocks)).not.toMatch(/↑|↓|\(new\)/);

    // Saturday 2 December still shows November (December is too young to rank), as did 25 November: the same
    // month, so movement is shown (Ana and Bo won before the 25th: ranked on both boards, unmoved).
    const early = await weeklyLeaderboard(db, w, {
      metricId: 'sales.won_total',
      top: 5,
      asOf: new Date('2017-12-02T09:00:00Z'),
    });
    expect(early.period.key).toBe('2017-11');
    expect(early.movementBasis).toBe('last-week');
    expect(early.rows.filter((r) => r.value).every((r) => r.movement !== null)).toBe(true);
  });

  it('shows no movement when last week\'s board ranked nobody (a first board is not all "new")', async () => {
    const { db } = store;
    const w = await db.workspace.create({
      data: { slackTeamId: 'T0FIRSTBOARD', timezone: 'UTC', currency: 'USD' },
    });
    const ana = await db.rep.create({ data: { workspaceId: w.id, name: 'Ana' } });
    await db.deal.create({
      data: {
        workspaceId: w.id,
        repId: ana.id,
        source: 'csv',
        externalId: 'only',
        stage: 'Won',
        status: 'won',
        amountMinor: 100_000n,
        openedAt: new Date('2017-12-01T00:00:00Z'),
        closedAt: new Date('2017-12-08T10:00:00Z'),
      },
    });
    const board = await weeklyLeaderboard(db, w, {
      metricId: 'sales.won_total',
      top: 5,
      asOf: new Date('2017-12-11T09:00:00Z'),
    });
    expect(board.movementBasis).toBeNull();
    expect(board.rows[0]).toMatchObject({ rank: 1, movement: null });
    const message = buildWeeklyLeaderboard(board);
    expect(message.terminal).not.toMatch(/\(new\)|↑↓|New month/);
  });
});
