import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rep, Workspace } from '../../src/generated/sqlite/client.js';
import { repMetricsReport } from '../../src/reports/rep-metrics.js';
import { findRep } from '../../src/store/reps.js';
import type { TStore } from '../../src/store/store.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

let store: TStore;
let url: string;
let cleanup: () => Promise<void>;
let acme: Workspace;
let dana: Rep;
const now = new Date('2017-07-10T15:00:00Z');
const d = (s: string) => new Date(s);

beforeAll(async () => {
  ({ store, url, cleanup } = await createTestStore());
  const { db } = store;
  acme = await db.workspace.create({
    data: { slackTeamId: 'local', timezone: 'America/New_York', currency: 'USD' },
  });
  const other = await db.workspace.create({ data: { slackTeamId: 'T0OTHER', timezone: 'America/New_York' } });
  const manager = await db.rep.create({ data: { workspaceId: acme.id, name: 'Morgan', role: 'manager' } });
  dana = await db.rep.create({
    data: {
      workspaceId: acme.id,
      name: 'Dana Scott',
      email: 'dana@acme.test',
      slackUserId: 'U0DANA',
      managerId: manager.id,
    },
  });
  const base = { workspaceId: acme.id, repId: dana.id, source: 'csv', stage: 'Won', status: 'won' };
  await db.deal.createMany({
    data: [
      // $1,054.00 on June 30, 23:30 New York time (already July 1 in UTC).
      {
        ...base,
        externalId: 'A',
        amountMinor: 105_400n,
        openedAt: d('2017-06-01T16:00:00Z'),
        closedAt: d('2017-07-01T03:30:00Z'),
      },
      {
        ...base,
        externalId: 'B',
        amountMinor: 50_000n,
        openedAt: d('2017-05-01T16:00:00Z'),
        closedAt: d('2017-06-10T16:00:00Z'),
      },
      {
        ...base,
        externalId: 'C',
        amountMinor: 77_700n,
        openedAt: d('2017-04-01T16:00:00Z'),
        closedAt: d('2017-05-10T16:00:00Z'),
      },
      {
        ...base,
        externalId: 'L',
        amountMinor: 9_900n,
        status: 'lost',
        stage: 'Lost',
        openedAt: d('2017-06-03T16:00:00Z'),
        closedAt: d('2017-06-20T16:00:00Z'),
      },
    ],
  });
  // Another workspace's rep with the same Slack id and a huge June: must never leak in.
  const twin = await db.rep.create({
    data: { workspaceId: other.id, name: 'Dana Scott', slackUserId: 'U0DANA' },
  });
  await db.deal.create({
    data: {
      workspaceId: other.id,
      repId: twin.id,
      source: 'csv',
      externalId: 'A',
      stage: 'Won',
      status: 'won',
      amountMinor: 99_999_900n,
      openedAt: d('2017-06-01T16:00:00Z'),
      closedAt: d('2017-06-15T16:00:00Z'),
    },
  });
  // Targets: the team's monthly sales target, Dana's own outreach target; a later target not yet in force.
  await db.target.createMany({
    data: [
      {
        workspaceId: acme.id,
        scope: 'team',
        repId: manager.id,
        metricId: 'sales.won_total',
        periodKind: 'month',
        amount: 200_000,
        effectiveFrom: d('2017-01-01T05:00:00Z'),
      },
      {
        workspaceId: acme.id,
        scope: 'rep',
        repId: dana.id,
        metricId: 'sales.won_total',
        periodKind: 'quarter',
        amount: 900_000,
        effectiveFrom: d('2017-01-01T05:00:00Z'),
      },
      {
        workspaceId: acme.id,
        scope: 'rep',
        repId: dana.id,
        metricId: 'sales.won_total',
        periodKind: 'month',
        amount: 1,
        effectiveFrom: d('2017-07-01T04:00:00Z'),
      },
    ],
  });
});
afterAll(async () => {
  await cleanup();
});

describe(`a rep's metrics from the store (${TEST_PROVIDER})`, () => {
  it('computes June in the workspace zone, money in major units, targets resolved', async () => {
    const report = await repMetricsReport(store.db, acme, dana, '2017-06', now);
    expect(report.period).toEqual({
      key: '2017-06',
      label: 'June 2017',
      start: '2017-06-01T04:00:00.000Z',
      end: '2017-07-01T04:00:00.000Z',
    });
    expect(report.metrics['sales.won_total']).toBe(1554); // 1,054 + 500
    expect(report.metrics['sales.won_count']).toBe(2);
    expect(report.metrics['sales.avg_deal_size']).toBe(777);
    expect(report.metrics['sales.change_vs_previous']).toBeCloseTo((1554 - 777) / 777, 9);
    expect(report.metrics['opportunities.lost']).toBe(1);
    expect(report.metrics['opportunities.win_rate']).toBeCloseTo(2 / 3, 9);
    // Dana's own quarterly target (9,000.00 a quarter = 3,000.00 a month) beats the team's monthly 2,000.00;
    // the July target is not in force in June.
    expect(report.targets['sales.won_total']).toBe(3000);
    expect(report.metrics['sales.target_attainment']).toBeCloseTo(1554 / 3000, 9);
    expect(report.targets['personalization.personalized']).toBe(50);
    // June is over at "now": pace is measured against the whole target.
    expect(report.pace['sales.won_total']).toMatchObject({
      target: 3000,
      actual: 1554,
      expectedByNow: 3000,
      gap: 1446,
    });
    expect(report.pace['personalization.personalized']).toMatchObject({ target: 50, actual: 0, gap: 50 });
    expect(report.metrics['linkedin.followers']).toBeNull();
    // The diagnosis's money is in major units like every other figure (it was in cents).
    expect(report.diagnosis.current.wonTotal).toBe(1554);
  });

  it('adds the funnel from stage history, trends against baseline and team, and the diagnosis', async () => {
    const { db } = store;
    const deal = await db.deal.create({
      data: {
        workspaceId: acme.id,
        repId: dana.id,
        source: 'csv',
        externalId: 'F1',
        stage: 'Proposal',
        status: 'open',
        openedAt: d('2017-06-02T16:00:00Z'),
      },
    });
    await db.dealStageChange.createMany({
      data: [
        {
          workspaceId: acme.id,
          dealId: deal.id,
          fromStage: 'Qualify',
          toStage: 'Demo',
          changedAt: d('2017-06-05T16:00:00Z'),
        },
        {
          workspaceId: acme.id,
          dealId: deal.id,
          fromStage: 'Demo',
          toStage: 'Proposal',
          changedAt: d('2017-06-12T16:00:00Z'),
        },
      ],
    });
    await db.workspace.update({
      where: { id: acme.id },
      data: { settings: JSON.stringify({ funnelStages: ['Qualify', 'Demo', 'Proposal'] }) },
    });
    const ws = await db.workspace.findUniqueOrThrow({ where: { id: acme.id } });
    const report = await repMetricsReport(db, ws, dana, '2017-06', now);
    expect(report.metrics['funnel.open_by_stage']).toEqual({ Qualify: 0, Demo: 0, Proposal: 1 });
    expect(report.metrics['funnel.stage_conversion']).toEqual({ Qualify: 1, Demo: 1, Proposal: 0 });
    expect(report.metrics['funnel.median_days_in_stage']).toEqual({ Qualify: 3, Demo: 7, Proposal: null });
    expect(report.metrics['funnel.bottleneck']).toBeNull(); // one deal is no sample
    // Dana's record begins on 1 April (a deal opened): April is partial, May is her one full month before June,
    // so she has no usual yet (the months before April are not months of zero sales). Won revenue's usual also
    // waits for the workspace's record of closed deals, which begins on 10 May: no full month of it before June.
    expect(report.trends['sales.won_total']).toEqual({ baseline: null, teamMedian: 1554 });
    expect(report.diagnosis.verdict).toBe('insufficient_data');
    expect(report.diagnosis.shortOf).toEqual({ rule: 'periods', have: 0, need: 3 });
    expect(report.diagnosis.explanation).toBe(
      "Dana Scott has no full month of closed deals on record before June 2017: KPI Bot's record of closed deals begins in May 2017 (a month it covers only in part is left out), and a usual needs at least 3 full months of record.",
    );
    await db.dealStageChange.deleteMany({ where: { dealId: deal.id } });
    await db.deal.delete({ where: { id: deal.id } });
  });

  it('never reads facts of another workspace', async () => {
    const report = await repMetricsReport(store.db, acme, dana, '2017-06', now);
    expect(report.metrics['sales.won_total']).toBeLessThan(10_000);
    const found = await findRep(store.db, acme.id, '<@U0DANA|dana>');
    expect(found?.id).toBe(dana.id);
  });

  it('answers a bad period with the field and examples', async () => {
    await expect(repMetricsReport(store.db, acme, dana, 'next year', now)).rejects.toMatchObject({
      code: 'bad_request',
      details: { field: 'period' },
    });
  });

  it('`kpi metrics --json` prints the output contract', async () => {
    const KPI = fileURLToPath(new URL('../../bin/kpi-dev.mjs', import.meta.url));
    const child = spawn(
      process.execPath,
      // Two workspaces in this store (issue 14: kpi asks which when there are several).
      [KPI, 'metrics', '--rep', 'dana@acme.test', '--period', '2017-06', '--json', '--workspace', 'local'],
      {
        env: { PATH: process.env.PATH, DATABASE_URL: url, LOG_LEVEL: 'silent' },
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      err += c;
    });
    const code = await new Promise((r) => child.on('exit', r));
    expect(code, err).toBe(0);
    const json = JSON.parse(out) as {
      rep: { name: string };
      period: { start: string; end: string };
      metrics: Record<string, unknown>;
    };
    expect(json.rep.name).toBe('Dana Scott');
    expect(json.period.start).toBe('2017-06-01T04:00:00.000Z');
    expect(json.metrics['sales.won_total']).toBe(1554);
    expect(json.metrics['conversion.rate']).toBeNull();
  });

  it('`kpi metrics` says who it could not find', async () => {
    const KPI = fileURLToPath(new URL('../../bin/kpi-dev.mjs', import.meta.url));
    const child = spawn(process.execPath, [KPI, 'metrics', '--rep', 'Nobody Here', '--workspace', 'local'], {
      env: { PATH: process.env.PATH, DATABASE_URL: url, LOG_LEVEL: 'silent' },
    });
    let err = '';
    child.stderr.on('data', (c) => {
      err += c;
    });
    expect(await new Promise((r) => child.on('exit', r))).toBe(2);
    expect(err).toContain('nobody called "Nobody Here"');
  });
});
