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
    expect(r.byRep.map((x) => [x.name, x.metrics['sales.won_total']])).toEqual([
      ['Ann', 1000],
      ['Bob', 3000],
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
});
