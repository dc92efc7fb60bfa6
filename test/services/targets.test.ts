import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { SCALAR_METRICS } from '../../src/metrics/scalar.js';
import type { TActor, TServiceContext } from '../../src/services/context.js';
import { setTarget, targetPeriodKind } from '../../src/services/targets.js';
import type { TStore } from '../../src/store/store.js';
import type { Workspace } from '../../src/store/types.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { refusal } from '../support/refusal.js';

/**
 * setTarget's refusals come in the order a command writes its words (who, metric, amount, period), and a metric
 * that is a change against the previous period takes no target.
 */
let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let admin: TActor;

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  ws = await store.db.workspace.create({ data: { slackTeamId: 'T0TGT', timezone: 'UTC' } });
  const boss = await store.db.rep.create({
    data: { workspaceId: ws.id, name: 'Ann Admin', slackUserId: 'U0ADMIN', role: 'admin' },
  });
  admin = { repId: boss.id, slackUserId: 'U0ADMIN', name: 'Ann Admin' };
});
afterAll(async () => {
  await cleanup();
});

const ctx = (): TServiceContext => ({
  workspace: ws,
  actor: admin,
  now: new Date('2026-11-30T12:00:00Z'),
  store,
  logger: createLogger('silent'),
});

describe(`setTarget (${TEST_PROVIDER})`, () => {
  it('refuses the metric, then the amount, then the period: the order they are written in', async () => {
    const cases: [string, string, string, string, RegExp][] = [
      ['bogus.metric', '5', 'weekly-ish', 'metricId', /bogus\.metric is not a metric/],
      ['sales.won_totl', 'lots', 'weekly-ish', 'metricId', /did you mean sales\.won_total/],
      ['sales.won_total', 'lots', 'weekly-ish', 'amount', /positive number/],
      ['sales.won_total', '-5', 'fortnightly', 'amount', /positive number/],
      ['outreach.total', '2.5', 'weekly-ish', 'amount', /whole numbers/],
      [
        'sales.won_total',
        '5000',
        'weekly-ish',
        'period',
        /"weekly-ish" is not weekly, monthly, quarterly or yearly/,
      ],
    ];
    for (const [metricId, amount, period, field, message] of cases) {
      const e = await refusal(setTarget(ctx(), { scope: 'workspace', metricId, amount, period }));
      expect([e.code, e.field], `${metricId} ${amount} ${period}`).toEqual(['bad_request', field]);
      expect(e.message).toMatch(message);
    }
    expect(await store.db.target.count({ where: { workspaceId: ws.id } })).toBe(0);
  });

  it('takes a period kind or its word, a month when none is said', async () => {
    for (const [word, kind] of [
      ['week', 'week'],
      ['Weekly', 'week'],
      ['monthly', 'month'],
      ['quarter', 'quarter'],
      ['annual', 'year'],
      [undefined, 'month'],
    ] as const) {
      const set = await setTarget(ctx(), {
        scope: 'workspace',
        metricId: 'sales.won_count',
        amount: '3',
        period: word,
      });
      expect(set.period, String(word)).toBe(kind);
    }
    expect(targetPeriodKind('constructor')).toBeNull();
    expect(targetPeriodKind('fortnightly')).toBeNull();
  });

  it('refuses a target on a change against the previous period, saying why and what to target instead', async () => {
    const changes = SCALAR_METRICS.filter((m) => m.unit === 'percent_change');
    expect(changes.map((m) => m.id)).toContain('sales.change_vs_previous');
    const before = await store.db.target.count({ where: { workspaceId: ws.id } });
    for (const m of changes)
      for (const amount of ['5', '5%', '0.05', '10']) {
        const e = await refusal(setTarget(ctx(), { scope: 'workspace', metricId: m.id, amount }));
        expect([e.code, e.field]).toEqual(['bad_request', 'metricId']);
        expect(e.message).toMatch(/is a change against the previous period, not an amount to reach/);
      }
    const e = await refusal(
      setTarget(ctx(), { scope: 'workspace', metricId: 'sales.change_vs_previous', amount: '5' }),
    );
    expect(e.message).toMatch(/Set one on sales\.won_total instead/);
    // Refused as a metric: before the amount and the period are looked at.
    const early = await refusal(
      setTarget(ctx(), {
        scope: 'workspace',
        metricId: 'SALES.CHANGE_VS_PREVIOUS',
        amount: 'lots',
        period: 'decade',
      }),
    );
    expect(early.field).toBe('metricId');
    expect(await store.db.target.count({ where: { workspaceId: ws.id } })).toBe(before);
  });
});
