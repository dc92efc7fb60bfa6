import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rep, Workspace } from '../../src/generated/sqlite/client.js';
import { teamMetricsReport } from '../../src/reports/team-metrics.js';
import type { TStore } from '../../src/store/store.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let morgan: Rep;
const now = new Date('2017-07-10T15:00:00Z');
const june = (day: number) => new Date(Date.UTC(2017, 5, day, 16));
const may = (day: number) => new Date(Date.UTC(2017, 4, day, 16));

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  const { db } = store;
  ws = await db.workspace.create({ data: { slackTeamId: 'local', currency: 'EUR' } });
  morgan = await db.rep.create({ data: { workspaceId: ws.id, name: 'Morgan', role: 'manager' } });
  const ann = await db.rep.create({ data: { workspaceId: ws.id, name: 'Ann', managerId: morgan.id } });
  const bob = await db.rep.create({ data: { workspaceId: ws.id, name: 'Bob', managerId: morgan.id } });
  const other = await db.rep.create({ data: { workspaceId: ws.id, name: 'Cy' } });
  let n = 0;
  const deal = (repId: string, status: string, minor: bigint) => ({
    workspaceId: ws.id,
    repId,
    source: 'csv',
    externalId: `d${n++}`,
    stage: status,
    status,
    amountMinor: minor,
    currency: 'EUR', // as apply.ts stores a deal that names no currency: the workspace's
    openedAt: june(1),
    closedAt: june(20),
  });
  await db.deal.createMany({
    data: [
      deal(ann.id, 'won', 100_000n),
      deal(ann.id, 'lost', 0n),
      deal(ann.id, 'lost', 0n),
      deal(ann.id, 'lost', 0n),
      deal(bob.id, 'won', 300_000n),
      deal(other.id, 'won', 999_900n),
      // Bob in May: 1,000.00 on the 5th, 500.00 on the 20th (the trend's comparison stretches).
      { ...deal(bob.id, 'won', 100_000n), openedAt: may(1), closedAt: may(5) },
      { ...deal(bob.id, 'won', 50_000n), openedAt: may(1), closedAt: may(20) },
    ],
  });
  await db.target.create({
    data: {
      workspaceId: ws.id,
      scope: 'team',
      repId: morgan.id,
      metricId: 'sales.won_total',
      periodKind: 'quarter',
      amount: 1_200_000,
      effectiveFrom: new Date('2017-06-01T00:00:00Z'), // the start of the period it first applies to
    },
  });
});
afterAll(async () => {
  await cleanup();
});

describe(`team metrics (${TEST_PROVIDER})`, () => {
  it("pools a manager's reports: totals add up and rates are over the pooled deals", async () => {
    const r = await teamMetricsReport(store.db, ws, morgan, '2017-06', now);
    expect(r.team.reps.map((x) => x.name)).toEqual(['Ann', 'Bob']);
    expect(r.metrics['sales.won_total']).toBe(4000);
    expect(r.metrics['sales.won_count']).toBe(2);
    // 2 won of 5 closed, not the mean of Ann's 25% and Bob's 100%.
    expect(r.metrics['opportunities.win_rate']).toBeCloseTo(2 / 5, 9);
    // Ranked by won revenue (the default metric).
    expect(r.byRep.map((x) => [x.name, x.metrics['sales.won_total']])).toEqual([
      ['Bob', 3000],
      ['Ann', 1000],
    ]);
  });

  it("gives each rep the team's target in full and the team the sum of its reps' targets", async () => {
    const r = await teamMetricsReport(store.db, ws, morgan, '2017-06', now);
    // 12,000.00 a quarter = 4,000.00 a month for each of Ann and Bob: the same figure their scorecards use.
    const byName = new Map(r.byRep.map((x) => [x.name, x]));
    expect(byName.get('Ann')?.targets['sales.won_total']).toBe(4000);
    expect(byName.get('Bob')?.targets['sales.won_total']).toBe(4000);
    expect(byName.get('Ann')?.metrics['sales.target_attainment']).toBe(0.25);
    expect(byName.get('Bob')?.metrics['sales.target_attainment']).toBe(0.75);
    expect(r.targets['sales.won_total']).toBe(8000);
    expect(r.metrics['sales.target_attainment']).toBe(0.5);
    expect(r.targets['personalization.personalized']).toBe(100); // the default 50 for each of 2 reps
  });

  it('covers every active rep without a manager', async () => {
    const r = await teamMetricsReport(store.db, ws, null, '2017-06', now);
    expect(r.team.manager).toBeNull();
    expect(r.metrics['sales.won_total']).toBe(13_999);
  });

  it('ranks the reps by the chosen metric, best first, reps without a result last and unranked', async () => {
    const won = await teamMetricsReport(store.db, ws, morgan, '2017-06', now);
    expect(won.metric).toBe('sales.won_total');
    expect(won.byRep.map((x) => [x.rank, x.name])).toEqual([
      [1, 'Bob'],
      [2, 'Ann'],
    ]);
    // Ann lost 3 of 4, Bob won his only one.
    const rate = await teamMetricsReport(store.db, ws, morgan, '2017-06', now, 'opportunities.win_rate');
    expect(rate.byRep.map((x) => [x.rank, x.name, x.metrics['opportunities.win_rate']])).toEqual([
      [1, 'Bob', 1],
      [2, 'Ann', 0.25],
    ]);
    // Less is better for lost opportunities: Bob (0 lost) first, Ann (3) second.
    const lost = await teamMetricsReport(store.db, ws, morgan, '2017-06', now, 'opportunities.lost');
    expect(lost.byRep.map((x) => [x.rank, x.name])).toEqual([
      [1, 'Bob'],
      [2, 'Ann'],
    ]);
    // Nobody took a quiz: nobody ranked, both listed by name.
    const quiz = await teamMetricsReport(store.db, ws, morgan, '2017-06', now, 'expertise.avg_score');
    expect(quiz.byRep.map((x) => [x.rank, x.name])).toEqual([
      [null, 'Ann'],
      [null, 'Bob'],
    ]);
  });

  it('the trend compares a finished period with the whole previous one, a current one with the same days of it', async () => {
    const june = await teamMetricsReport(store.db, ws, morgan, '2017-06', now);
    expect(june.comparison).toMatchObject({ key: '2017-05', end: '2017-06-01T00:00:00.000Z' });
    const bob = june.byRep.find((x) => x.name === 'Bob');
    expect([bob?.before['sales.won_total'], bob?.metrics['sales.won_total']]).toEqual([1500, 3000]);
    // On 15 June, June so far (nothing yet) is compared with 1–15 May: the 5 May deal, not the 20 May one.
    const midJune = new Date('2017-06-15T00:00:00Z');
    const current = await teamMetricsReport(store.db, ws, morgan, 'this month', midJune);
    expect(current.comparison).toMatchObject({
      start: '2017-05-01T00:00:00.000Z',
      end: '2017-05-15T00:00:00.000Z',
    });
    expect(current.byRep.find((x) => x.name === 'Bob')?.before['sales.won_total']).toBe(1000);
  });

  it('refuses a metric that does not exist, naming the closest id', async () => {
    await expect(
      teamMetricsReport(store.db, ws, morgan, '2017-06', now, 'sales.won_totl'),
    ).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('did you mean sales.won_total'),
    });
  });
});
