import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { repMetricsReport } from '../../src/reports/rep-metrics.js';
import type { TServiceContext } from '../../src/services/context.js';
import { setTarget } from '../../src/services/targets.js';
import type { TStore } from '../../src/store/store.js';
import type { Rep, Workspace } from '../../src/store/types.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { refusal } from '../support/refusal.js';
import { seedWorkspace } from '../support/seed.js';

/**
 * `/kpi target set … --from <period>`: a target for backfilled history. The first period is read as `/kpi me`
 * reads periods, in the workspace's zone and fiscal year, and must start where a period of the target's kind
 * starts; setting the same target again replaces it.
 */
let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let aprilWs: Workspace;
let dana: Rep;
const NOW = new Date('2026-11-30T12:00:00Z');
const ctx = (w: Workspace = ws): TServiceContext => ({
  workspace: w,
  actor: { name: 'Ann Admin', workspaceAdmin: true },
  now: NOW,
  store,
  logger: createLogger('silent'),
});

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  const seeded = await seedWorkspace(store.db, {
    team: 'T0FROM',
    timezone: 'Europe/Berlin',
    reps: [{ name: 'Dana Scott', slackUserId: 'U0DANA' }],
    // History imported from a CSV: February 2024's won deals.
    deals: [
      { rep: 'Dana Scott', amountMinor: 1_500_000n, openedAt: '2024-01-20', closedAt: '2024-02-10' },
      { rep: 'Dana Scott', amountMinor: 500_000n, openedAt: '2024-01-25', closedAt: '2024-02-20' },
    ],
  });
  ws = seeded.workspace;
  dana = seeded.reps['Dana Scott'] as Rep;
  aprilWs = await store.db.workspace.create({
    data: { slackTeamId: 'T0APRIL', timezone: 'UTC', fiscalYearStartMonth: 4 },
  });
});
afterAll(async () => {
  await cleanup();
});

const rowsOf = (w: Workspace) =>
  store.db.target.findMany({ where: { workspaceId: w.id }, orderBy: { effectiveFrom: 'asc' } });

describe(`target set --from (${TEST_PROVIDER})`, () => {
  it('gives backfilled history a target: attainment for February 2024 is no longer empty', async () => {
    const before = await repMetricsReport(store.db, ws, dana, '2024-02', NOW);
    expect(before.pace['sales.won_total']).toBeUndefined();
    const set = await setTarget(ctx(), {
      scope: 'rep',
      who: 'Dana Scott',
      metricId: 'sales.won_total',
      amount: '40k',
      period: 'monthly',
      from: '2024-01',
    });
    // January 2024 starts at midnight in Berlin, 23:00 UTC the day before.
    expect(set.from).toEqual({ label: 'January 2024', start: new Date('2023-12-31T23:00:00Z') });
    expect(set.replaced).toBe(false);
    const after = await repMetricsReport(store.db, ws, dana, '2024-02', NOW);
    expect(after.targets['sales.won_total']).toBe(40_000);
    expect(after.pace['sales.won_total']?.attainment).toBe(0.5);
    // Not before the period it starts with.
    const december = await repMetricsReport(store.db, ws, dana, '2023-12', NOW);
    expect(december.pace['sales.won_total']).toBeUndefined();
  });

  it('setting the same target again changes nothing; a new amount for the same start replaces it', async () => {
    const same = {
      scope: 'rep' as const,
      who: 'Dana Scott',
      metricId: 'sales.won_total',
      period: 'month',
      from: '2024-01',
    };
    expect((await setTarget(ctx(), { ...same, amount: '40,000' })).replaced).toBe(true);
    expect((await rowsOf(ws)).map((r) => r.amount)).toEqual([4_000_000n]);
    await setTarget(ctx(), { ...same, amount: '30000' });
    expect((await rowsOf(ws)).map((r) => r.amount)).toEqual([3_000_000n]);
    const report = await repMetricsReport(store.db, ws, dana, '2024-02', NOW);
    expect(report.targets['sales.won_total']).toBe(30_000);
  });

  it('reads the period words /kpi me reads, in the fiscal year of the workspace', async () => {
    const cases: [string, string, string, string][] = [
      ['quarter', '2024-Q1', 'Q1 FY2024', '2024-04-01T00:00:00.000Z'],
      ['quarter', 'FY2025-Q3', 'Q3 FY2025', '2025-10-01T00:00:00.000Z'],
      ['month', 'last month', 'October 2026', '2026-10-01T00:00:00.000Z'],
      ['year', 'FY2023', 'FY2023', '2023-04-01T00:00:00.000Z'],
      ['week', '2024-01-29', 'week of Jan 29, 2024', '2024-01-29T00:00:00.000Z'],
      ['month', '2024-05-01..2024-05-31', 'May 2024', '2024-05-01T00:00:00.000Z'],
    ];
    for (const [period, from, label, start] of cases) {
      const set = await setTarget(ctx(aprilWs), {
        scope: 'workspace',
        metricId: 'outreach.total',
        amount: '100',
        period,
        from,
      });
      expect([from, set.from.label, set.from.start.toISOString()]).toEqual([from, label, start]);
    }
  });

  it('refuses a start inside a period of the kind, naming the two it lies between; bad and hostile periods; nothing stored', async () => {
    const before = (await rowsOf(aprilWs)).length;
    const cases: [string, string, RegExp][] = [
      [
        'quarter',
        '2024-05',
        /^A quarterly target starts with a quarter, and "2024-05" begins inside Q1 FY2024\. Say FY2024-Q1 or FY2024-Q2\.$/,
      ],
      [
        'week',
        '2024-02',
        /^A weekly target starts with a week, and "2024-02" begins inside week of Jan 29, 2024\. Say 2024-01-29 or 2024-02-05\.$/,
      ],
      ['year', 'this month', /^A yearly target starts with a year, .* Say FY2026 or FY2027\.$/],
      ['month', 'the year of the horse', /is not a period I know/],
      ['month', '<!here> 2024', /is not a period I know/],
      ['month', '1969-12', /before 1970/],
      ['month', '2999-01', /^"2999-01" is more than 10 years ahead/],
      ['month', `2024-01${' '.repeat(200)}x`, /too long|not a period/],
    ];
    for (const [period, from, message] of cases) {
      const e = await refusal(
        setTarget(ctx(aprilWs), {
          scope: 'workspace',
          metricId: 'outreach.total',
          amount: '100',
          period,
          from,
        }),
      );
      expect([e.code, e.field, e.message]).toEqual(['bad_request', 'from', expect.stringMatching(message)]);
      expect(e.message).not.toContain('<!here>');
    }
    expect((await rowsOf(aprilWs)).length).toBe(before);
  });

  it('without --from a target still starts with the current period', async () => {
    const set = await setTarget(ctx(aprilWs), {
      scope: 'workspace',
      metricId: 'sales.won_count',
      amount: '3',
      period: 'quarterly',
    });
    expect(set.from.label).toBe('Q3 FY2026');
  });
});
