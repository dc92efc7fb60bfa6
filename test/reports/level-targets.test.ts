import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rep, Workspace } from '../../src/generated/sqlite/client.js';
import { repMetricsReport } from '../../src/reports/rep-metrics.js';
import { teamMetricsReport } from '../../src/reports/team-metrics.js';
import type { TStore } from '../../src/store/store.js';
import { insertTarget } from '../../src/store/targets.js';
import { scorecardText } from '../../src/views/scorecard.js';
import { teamText } from '../../src/views/team.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

// Issue 14, the reviewer's case: Darcel's own monthly 25% win rate and 30 days since training, her manager
// Summer's team 75% from March; read for a quarter, a year, a custom range and a month. A rate or a count of days
// is a level: its target is the same number for every period, never scaled, and it gets no linear pace.

let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let summer: Rep;
let darcel: Rep;
let dana: Rep;
const at = (iso: string) => new Date(iso);

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  const { db } = store;
  ws = await db.workspace.create({
    data: { slackTeamId: 'T-levels', timezone: 'America/New_York', currency: 'USD' },
  });
  summer = await db.rep.create({ data: { workspaceId: ws.id, name: 'Summer Sewald', role: 'manager' } });
  darcel = await db.rep.create({
    data: { workspaceId: ws.id, name: 'Darcel Schlecht', managerId: summer.id },
  });
  dana = await db.rep.create({ data: { workspaceId: ws.id, name: 'Dana Scott', managerId: summer.id } });
  let n = 0;
  const deal = (repId: string, status: 'won' | 'lost', closed: string) => ({
    workspaceId: ws.id,
    repId,
    source: 'csv',
    externalId: `d${n++}`,
    stage: status,
    status,
    amountMinor: 100_000n,
    currency: 'USD',
    openedAt: at('2017-01-02T15:00:00Z'),
    closedAt: at(closed),
  });
  await db.deal.createMany({
    data: [
      // Darcel in June: 3 won of 4 closed (75%); Dana in June: 1 of 5 (20%).
      ...['2017-06-02', '2017-06-05', '2017-06-08'].map((d) => deal(darcel.id, 'won', `${d}T15:00:00Z`)),
      deal(darcel.id, 'lost', '2017-06-09T15:00:00Z'),
      deal(dana.id, 'won', '2017-06-03T15:00:00Z'),
      ...['2017-06-04', '2017-06-06', '2017-06-07', '2017-06-09'].map((d) =>
        deal(dana.id, 'lost', `${d}T15:00:00Z`),
      ),
    ],
  });
  await db.trainingResult.create({
    data: {
      workspaceId: ws.id,
      repId: darcel.id,
      course: 'Pitch',
      score: 80,
      at: at('2017-05-01T15:00:00Z'),
      externalId: 't1',
    },
  });
  const set = (
    scope: 'rep' | 'team',
    repId: string,
    metricId: string,
    periodKind: 'month' | 'quarter',
    amount: number,
    from: string,
  ) =>
    insertTarget(db, {
      workspaceId: ws.id,
      scope,
      repId,
      metricId,
      periodKind,
      amount,
      effectiveFrom: at(from),
      setBySlackId: null,
    });
  await set('rep', darcel.id, 'opportunities.win_rate', 'month', 0.25, '2017-01-01T05:00:00Z');
  await set('rep', darcel.id, 'expertise.days_since_training', 'month', 30, '2017-01-01T05:00:00Z');
  await set('team', summer.id, 'opportunities.win_rate', 'month', 0.75, '2017-03-01T05:00:00Z');
  await set('rep', darcel.id, 'outreach.total', 'month', 100, '2017-01-01T05:00:00Z');
});
afterAll(async () => {
  await cleanup();
});

describe(`a rate or days target is the same in every period (${TEST_PROVIDER})`, () => {
  const later = at('2018-01-15T15:00:00Z');

  it("Darcel's monthly 25% reads 25% for the year and the quarter; 30 days reads 30; a count still scales", async () => {
    for (const period of ['2017', '2017-Q2', '2017-06', '2017-06-01..2017-06-10']) {
      const r = await repMetricsReport(store.db, ws, darcel, period, later);
      expect(r.targets['opportunities.win_rate'], period).toBe(0.25);
      expect(r.targets['expertise.days_since_training'], period).toBe(30);
    }
    const year = await repMetricsReport(store.db, ws, darcel, '2017', later);
    expect(year.targets['outreach.total']).toBe(1200);
    const quarter = await repMetricsReport(store.db, ws, darcel, '2017-Q2', later);
    expect(quarter.targets['outreach.total']).toBe(300);
    // 75% won in the quarter against 25%: met, read in points, never "300% of 25.0%".
    const text = scorecardText(quarter);
    expect(text).toMatch(/^Win rate +75\.0% +vs 25\.0% target, \+50 pts +target met/m);
    expect(text).not.toMatch(/% of (75|225|300)\.0%/);
  });

  it("the team's 75% is 75% for each rep of the team without a target of their own, for a quarter and a range", async () => {
    for (const period of ['2017-Q2', '2017-06-01..2017-06-10']) {
      const r = await teamMetricsReport(store.db, ws, summer, period, later, 'opportunities.win_rate');
      const byName = new Map(r.byRep.map((x) => [x.name, x]));
      expect(byName.get('Dana Scott')?.targets['opportunities.win_rate'], period).toBe(0.75);
      expect(byName.get('Darcel Schlecht')?.targets['opportunities.win_rate'], period).toBe(0.25);
      const text = teamText(r);
      expect(text).toMatch(/Dana Scott +20\.0% +vs 75\.0% target, -55 pts/);
      expect(text).not.toMatch(/% of (75|225|24\.6)/);
    }
  });

  it('in the current period a level is read as it stands, with no pace or projection; a count keeps its pace', async () => {
    const now = at('2017-06-10T15:00:00Z');
    const r = await repMetricsReport(store.db, ws, dana, 'this quarter', now);
    expect(r.targets['opportunities.win_rate']).toBe(0.75);
    expect(r.pace['opportunities.win_rate']).toMatchObject({
      kind: 'level',
      paceRatio: null,
      projected: null,
      atTarget: false,
      expectedByNow: 0.75,
    });
    const text = scorecardText(r);
    expect(text).toMatch(/^Win rate +20\.0% +vs 75\.0% target, -55 pts +below target by 55 pts/m);
    expect(text).not.toMatch(/^Win rate.*(on pace|behind)/m);
    // Darcel: 40 days since her training on May 1 against a ceiling of 30 (less is better).
    const d = await repMetricsReport(store.db, ws, darcel, 'this month', now);
    expect(d.metrics['expertise.days_since_training']).toBe(40);
    expect(d.pace['expertise.days_since_training']).toMatchObject({
      atTarget: false,
      gap: 10,
      lowerIsBetter: true,
    });
    expect(d.pace['outreach.total']?.kind).toBe('sum');
  });
});
