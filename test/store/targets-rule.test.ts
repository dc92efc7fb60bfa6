import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rep, Workspace } from '../../src/generated/sqlite/client.js';
import { dateRange, periodContaining, type TCalendar } from '../../src/metrics/periods.js';
import type { TStore } from '../../src/store/store.js';
import {
  insertTarget,
  resolveTargetHistory,
  resolveTargetsForReps,
  resolveTeamTargets,
} from '../../src/store/targets.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

// Every path that reads targets from the store applies the one rule (repTargets): a rep's scorecard, the
// leaderboards, the chart's history and the team view see the same per-rep figure.

let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let mona: Rep;
let ann: Rep;
let bob: Rep;
let cy: Rep;
const CAL: TCalendar = { timezone: 'Europe/Berlin', fiscalYearStartMonth: 1, weekStartsOn: 1 };
const june = periodContaining('month', new Date('2017-06-15T12:00:00Z'), CAL);
const may = periodContaining('month', new Date('2017-05-15T12:00:00Z'), CAL);

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  const { db } = store;
  ws = await db.workspace.create({ data: { slackTeamId: 'T-targets', timezone: 'Europe/Berlin' } });
  mona = await db.rep.create({ data: { workspaceId: ws.id, name: 'Mona', role: 'manager' } });
  ann = await db.rep.create({ data: { workspaceId: ws.id, name: 'Ann', managerId: mona.id } });
  bob = await db.rep.create({ data: { workspaceId: ws.id, name: 'Bob', managerId: mona.id } });
  cy = await db.rep.create({ data: { workspaceId: ws.id, name: 'Cy' } });
  const set = (scope: 'rep' | 'team' | 'workspace', repId: string | null, amount: number, from: Date) =>
    insertTarget(db, {
      workspaceId: ws.id,
      scope,
      repId,
      metricId: 'sales.won_total',
      periodKind: 'month',
      amount,
      effectiveFrom: from,
      setBySlackId: null,
    });
  await set('workspace', null, 300_000, may.start);
  await set('team', mona.id, 1_000_000, june.start); // from June: Mona's team, each rep 10,000.00
  await set('rep', bob.id, 1_500_000, may.start);
});
afterAll(async () => {
  await cleanup();
});

describe(`targets from the store follow one rule (${TEST_PROVIDER})`, () => {
  it("gives each rep their own, else their team's in full, else the workspace's", async () => {
    const reps = [ann, bob, cy].map((r) => ({ id: r.id, managerId: r.managerId }));
    const each = await resolveTargetsForReps(store.db, ws.id, reps, june);
    expect([ann, bob, cy].map((r) => each.get(r.id)?.['sales.won_total'])).toEqual([
      1_000_000, 1_500_000, 300_000,
    ]);
  });

  it('gives the team view the same per-rep figures and the team their sum', async () => {
    const { perRep, team } = await resolveTeamTargets(store.db, ws.id, [ann.id, bob.id], june);
    expect(perRep.get(ann.id)?.['sales.won_total']).toBe(1_000_000);
    expect(perRep.get(bob.id)?.['sales.won_total']).toBe(1_500_000);
    expect(team['sales.won_total']).toBe(2_500_000);
    expect(team['personalization.personalized']).toBe(100); // the default 50 for each
  });

  it('gives the chart each period the target it had at its start', async () => {
    const history = await resolveTargetHistory(store.db, ws.id, { id: ann.id, managerId: mona.id }, [
      may,
      june,
    ]);
    expect(history.map((t) => t['sales.won_total'])).toEqual([300_000, 1_000_000]);
  });

  it('scales to a custom range by its calendar days across the clock change (Berlin, March 26, 2017)', async () => {
    const dee = await store.db.rep.create({ data: { workspaceId: ws.id, name: 'Dee' } });
    await insertTarget(store.db, {
      workspaceId: ws.id,
      scope: 'rep',
      repId: dee.id,
      metricId: 'sales.won_total',
      periodKind: 'month',
      amount: 300_000,
      effectiveFrom: new Date('2017-01-01T00:00:00Z'),
      setBySlackId: null,
    });
    const spring = dateRange({ y: 2017, m: 2, d: 20 }, { y: 2017, m: 2, d: 29 }, CAL.timezone); // 10 days, 239 hours
    const each = await resolveTargetsForReps(store.db, ws.id, [{ id: dee.id, managerId: null }], spring);
    expect(each.get(dee.id)?.['sales.won_total']).toBeCloseTo((300_000 * 10 * 12) / 365.2425, 6);
  });
});
