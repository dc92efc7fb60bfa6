import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rep, Workspace } from '../../src/generated/sqlite/client.js';
import { evaluateRules, ruleConfig, type TCoachingInput } from '../../src/reports/coaching-rules.js';
import { repMetricsReport } from '../../src/reports/rep-metrics.js';
import type { TStore } from '../../src/store/store.js';
import { buildWhy } from '../../src/views/why.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/**
 * The "usual" (a rep's baseline) is taken only from the periods since the rep's record began: months before a
 * rep had any data are not months of zero sales, and the month the record begins in is partial. The scorecard's
 * "vs usual", the decline diagnosis (`/kpi why`) and the coaching alerts all read the same baseline.
 */

let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
/** Record begins with a call on 20 May 2026; deals won every month from June. */
let nia: Rep;
/** Record begins on 5 September 2026 with a won deal. */
let noor: Rep;
/** Six full months of steady sales and more before: every earlier month counts. */
let vet: Rep;
/** Nothing on record at all. */
let nobody: Rep;

const NOW = new Date('2026-11-16T09:00:00Z');

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  const { db } = store;
  ws = await db.workspace.create({ data: { slackTeamId: 'T0USUAL', timezone: 'UTC', currency: 'USD' } });
  const rep = (name: string) => db.rep.create({ data: { workspaceId: ws.id, name } });
  [nia, noor, vet, nobody] = await Promise.all([
    rep('Nia Hale'),
    rep('Noor Patel'),
    rep('Vic Tran'),
    rep('Nobody Yet'),
  ]);
  let n = 0;
  const won = (r: Rep, closedAt: string, dollars: number) => ({
    workspaceId: ws.id,
    repId: r.id,
    source: 'csv',
    externalId: `u${n++}`,
    stage: 'Won',
    status: 'won',
    amountMinor: BigInt(dollars * 100),
    // Opened ten days before the close, never before the rep's first fact.
    openedAt: new Date(new Date(closedAt).getTime() - 10 * 86_400_000),
    closedAt: new Date(closedAt),
  });
  await db.deal.createMany({
    data: [
      // Nia: June 20k, July 24k, August 20k, September 22k (two deals each), October one 4k deal.
      won(nia, '2026-06-12T10:00:00Z', 10_000),
      won(nia, '2026-06-22T10:00:00Z', 10_000),
      won(nia, '2026-07-12T10:00:00Z', 12_000),
      won(nia, '2026-07-22T10:00:00Z', 12_000),
      won(nia, '2026-08-12T10:00:00Z', 10_000),
      won(nia, '2026-08-22T10:00:00Z', 10_000),
      won(nia, '2026-09-12T10:00:00Z', 11_000),
      won(nia, '2026-09-22T10:00:00Z', 11_000),
      won(nia, '2026-10-20T10:00:00Z', 4_000),
      // Noor: 5k in September, 6k in October, 13k so far in November.
      won(noor, '2026-09-15T10:00:00Z', 5_000),
      won(noor, '2026-10-15T10:00:00Z', 6_000),
      won(noor, '2026-11-10T10:00:00Z', 13_000),
    ],
  });
  // Vic: 10k every month from January 2026.
  for (let m = 1; m <= 10; m++)
    await db.deal.create({ data: won(vet, `2026-${String(m).padStart(2, '0')}-15T10:00:00Z`, 10_000) });
  // Nia's record begins with a call on 20 May; a deleted call in March does not count.
  await db.activity.createMany({
    data: [
      {
        workspaceId: ws.id,
        source: 'csv',
        externalId: 'a1',
        repId: nia.id,
        kind: 'call',
        occurredAt: new Date('2026-05-20T10:00:00Z'),
      },
      {
        workspaceId: ws.id,
        source: 'csv',
        externalId: 'a2',
        repId: nia.id,
        kind: 'call',
        occurredAt: new Date('2026-03-02T10:00:00Z'),
        deletedAt: new Date('2026-03-03T10:00:00Z'),
      },
    ],
  });
});
afterAll(async () => {
  await cleanup();
});

describe(`the usual baseline (${TEST_PROVIDER})`, () => {
  it('a rep two months in has no usual yet, and says so without contradicting itself', async () => {
    const report = await repMetricsReport(store.db, ws, noor, '2026-11', NOW);
    // September is partial (the record begins on the 5th): October is the one full month.
    expect(report.trends['sales.won_total']?.baseline).toBeNull();
    expect(report.diagnosis.verdict).toBe('insufficient_data');
    expect(report.diagnosis.shortOf).toEqual({ rule: 'periods', have: 1, need: 3 });
    expect(report.diagnosis.explanation).toBe(
      'Noor Patel is new: 1 full month since their record began in September 2026 (a month they were there for only part of is left out); a usual needs at least 3 full months of record.',
    );
    const why = buildWhy(report);
    expect(why.terminal).toContain('Not enough history yet. Noor Patel is new: 1 full month');
    expect(why.terminal.match(/Not enough history/g)).toHaveLength(1);
  });

  it('a rep new this month, and one with nothing on record', async () => {
    const sept = await repMetricsReport(store.db, ws, noor, '2026-09', NOW);
    expect(sept.diagnosis.explanation).toBe(
      'Noor Patel is new this month: their record begins in September 2026, so there is no full month before it yet; a usual needs at least 3 full months of record.',
    );
    const none = await repMetricsReport(store.db, ws, nobody, '2026-11', NOW);
    expect(none.diagnosis.shortOf).toEqual({ rule: 'periods', have: 0, need: 3 });
    expect(none.diagnosis.explanation).toBe(
      'Nobody Yet has nothing on record up to the end of November 2026, so there is no usual to compare with; a usual needs at least 3 full months of record.',
    );
    // A fact after the period diagnosed says nothing about the months before it.
    const early = await repMetricsReport(store.db, ws, noor, '2026-06', NOW);
    expect(early.diagnosis.shortOf).toEqual({ rule: 'periods', have: 0, need: 3 });
    expect(early.diagnosis.explanation).toContain('nothing on record up to the end of June 2026');
  });

  it('leaves out the months before the first fact and the partial first month: "vs usual" and the decline', async () => {
    const report = await repMetricsReport(store.db, ws, nia, '2026-10', NOW);
    // Usual: the median of June–September (20k, 24k, 20k, 22k) = 21k; April and May (no sales yet; May partial)
    // are not zeros in it.
    expect(report.diagnosis.baseline.periods).toEqual(['2026-06', '2026-07', '2026-08', '2026-09']);
    expect(report.trends['sales.won_total']?.baseline).toBe(21_000);
    expect(report.trends['sales.won_count']?.baseline).toBe(2);
    expect(report.diagnosis.verdict).toBe('declining');
    expect(report.diagnosis.change).toBeCloseTo(4_000 / 21_000 - 1, 9);
    // The coaching alert reads the same diagnosis: 81% below the usual of June–September (not 80% against a
    // usual pulled down by April and May).
    const input: TCoachingInput = {
      repName: report.rep.name,
      current: {
        key: '2026-11',
        label: 'November 2026',
        elapsed: 0.5,
        metrics: {},
        pace: {},
        bottleneck: null,
      },
      last: {
        key: '2026-10',
        label: 'October 2026',
        metrics: {},
        diagnosis: report.diagnosis,
        teamChurn: null,
      },
      trainingTracked: false,
      outreachTracked: false,
      recordings: [],
      formatMoney: (v) => `$${v}`,
    };
    const [alert] = evaluateRules(input, ruleConfig());
    expect(alert?.headline).toBe("Nia Hale's sales fell 81% below their usual in October 2026");
  });

  it('a rep with a long record uses all six earlier months', async () => {
    const report = await repMetricsReport(store.db, ws, vet, '2026-10', NOW);
    expect(report.diagnosis.baseline.periods).toEqual([
      '2026-04',
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
    ]);
    expect(report.trends['sales.won_total']?.baseline).toBe(10_000);
    expect(report.diagnosis.verdict).toBe('not_declining');
  });
});

describe(`won revenue's usual waits for the workspace's record of closed deals (${TEST_PROVIDER})`, () => {
  it('an export whose closes begin in March: the months before are no months of nothing won', async () => {
    const { db } = store;
    const w = await db.workspace.create({ data: { slackTeamId: 'T0USUALEXPORT', timezone: 'UTC' } });
    const darcel = await db.rep.create({ data: { workspaceId: w.id, name: 'Darcel Export' } });
    let n = 0;
    const deal = (openedAt: string, closedAt: string | null, dollars: number) => ({
      workspaceId: w.id,
      repId: darcel.id,
      source: 'csv',
      externalId: `x${n++}`,
      stage: closedAt ? 'Won' : 'Engaging',
      status: closedAt ? 'won' : 'open',
      amountMinor: BigInt(dollars * 100),
      openedAt: new Date(openedAt),
      closedAt: closedAt ? new Date(closedAt) : null,
    });
    await db.deal.createMany({
      data: [
        // Engaged from October 2016 (the export's first dates); nothing closes before March 2017.
        deal('2016-10-25T00:00:00Z', null, 0),
        deal('2016-11-10T00:00:00Z', '2017-03-01T00:00:00Z', 10_000),
        deal('2016-12-10T00:00:00Z', '2017-04-10T00:00:00Z', 12_000),
        deal('2017-01-10T00:00:00Z', '2017-05-10T00:00:00Z', 11_000),
        deal('2017-02-10T00:00:00Z', '2017-06-10T00:00:00Z', 13_000),
        deal('2017-03-10T00:00:00Z', '2017-07-10T00:00:00Z', 12_000),
        deal('2017-04-10T00:00:00Z', '2017-08-10T00:00:00Z', 30_000),
      ],
    });
    await db.activity.create({
      data: {
        workspaceId: w.id,
        repId: darcel.id,
        source: 'csv',
        externalId: 'call-1',
        kind: 'call',
        occurredAt: new Date('2016-10-26T00:00:00Z'),
      },
    });
    const report = await repMetricsReport(db, w, darcel, '2017-08', new Date('2017-09-15T00:00:00Z'));
    // Usual won revenue: March to July (February and before precede the first close): median 12,000, not the
    // median with February's zero (11,500 of six months) or more zeros.
    expect(report.trends['sales.won_total']?.baseline).toBe(12_000);
    // The diagnosis reads the same five months (and finds five won deals in them too few to judge a trend).
    expect(report.diagnosis.shortOf).toEqual({ rule: 'deals', have: 5, need: 6 });
    // Outreach reads activities: its usual is the rep's own record (from October 2016), all six months.
    expect(report.trends['outreach.total']?.baseline).toBe(0);
    const may = await repMetricsReport(db, w, darcel, '2017-05', new Date('2017-09-15T00:00:00Z'));
    expect(may.trends['sales.won_total']?.baseline).toBeNull();
    expect(may.diagnosis.shortOf).toEqual({ rule: 'periods', have: 2, need: 3 });
    expect(may.diagnosis.explanation).toBe(
      "Darcel Export has 2 full months of closed deals on record before May 2017: KPI Bot's record of closed deals begins in March 2017 (a month it covers only in part is left out), and a usual needs at least 3 full months of record.",
    );
  });
});
