import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWorkspaceSettings } from '../../src/domain/settings.js';
import { createLogger } from '../../src/logger.js';
import { RULE_IDS, RULES, ruleConfig } from '../../src/reports/coaching-rules.js';
import type { TActor, TServiceContext } from '../../src/services/context.js';
import { ALERT_THRESHOLDS, changeSetting, workspaceSettings } from '../../src/services/settings.js';
import type { TStore } from '../../src/store/store.js';
import type { Workspace } from '../../src/store/types.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { refusal } from '../support/refusal.js';

/**
 * `/kpi settings alert <rule> <threshold>`: each rule's threshold is read in the unit a person means (a percent
 * as typed, days as days), stored in the form the rule compares with, and refused outside the rule's range.
 */
let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
const admin: TActor = { slackUserId: 'U0ADMIN', name: 'Ann Admin', workspaceAdmin: true };

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  ws = await store.db.workspace.create({ data: { slackTeamId: 'T0ALERTS', timezone: 'UTC' } });
});
afterAll(async () => {
  await cleanup();
});

const ctx = async (): Promise<TServiceContext> => ({
  workspace: await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } }),
  actor: admin,
  now: new Date('2026-11-30T12:00:00Z'),
  store,
  logger: createLogger('silent'),
});

const storedRules = async () =>
  ruleConfig(
    parseWorkspaceSettings((await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } })).settings)
      .alerts ?? {},
  );

describe(`alert thresholds (${TEST_PROVIDER})`, () => {
  it('reads each threshold in its unit and stores what the rule compares with', async () => {
    const cases: [string, string, number, string][] = [
      // A percent as typed, stored as the fraction the rule compares with.
      ['sales_decline', '30', 0.3, '30%'],
      ['sales_decline', '25%', 0.25, '25%'],
      ['sales_decline', '100', 1, '100%'],
      ['outreach_behind_pace', '70', 0.7, '70%'],
      ['personalized_behind_pace', '1', 0.01, '1%'],
      // A stage may hold deals several times as long as the team's.
      ['funnel_bottleneck', '250', 2.5, '250%'],
      ['churn_above_team', '7', 0.07, '7 percentage points'],
      ['training_gap', '60', 60, '60 days'],
      ['training_gap', '365', 365, '365 days'],
      ['lost_outpacing_created', '1.5', 1.5, '1.5×'],
      ['lost_outpacing_created', '0.5', 0.5, '0.5×'],
    ];
    for (const [rule, typed, stored, shown] of cases) {
      const changed = await changeSetting(await ctx(), { key: 'alert', value: `${rule} ${typed}` });
      expect(changed, `${rule} ${typed}`).toEqual({ key: 'alert', subject: `alert ${rule}`, shown });
      expect((await storedRules())[rule as keyof typeof RULES].threshold, `${rule} ${typed}`).toBe(stored);
      const view = workspaceSettings(await ctx()).alertRules.find((r) => r.id === rule);
      expect(view).toMatchObject({ threshold: stored, shown });
    }
  });

  it('shows the defaults in their units', async () => {
    const fresh = await store.db.workspace.create({ data: { slackTeamId: 'T0DEFAULTS', timezone: 'UTC' } });
    const shown = Object.fromEntries(
      workspaceSettings({ workspace: fresh }).alertRules.map((r) => [r.id, r.shown]),
    );
    expect(shown).toEqual({
      sales_decline: '20%',
      lost_outpacing_created: '1×',
      outreach_behind_pace: '70%',
      personalized_behind_pace: '70%',
      funnel_bottleneck: '20%',
      training_gap: '90 days',
      churn_above_team: '10 percentage points',
    });
  });

  it('every default threshold lies in its own range', () => {
    for (const id of RULE_IDS) {
      const t = ALERT_THRESHOLDS[id];
      const typed =
        t.unit === 'percent' || t.unit === 'points' ? RULES[id].threshold * 100 : RULES[id].threshold;
      expect(typed, id).toBeGreaterThanOrEqual(t.min);
      expect(typed, id).toBeLessThanOrEqual(t.max);
    }
  });

  it('refuses a value outside the rule, saying the range and an example, and writes nothing', async () => {
    const before = (await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } })).settings;
    const huge = '9'.repeat(150);
    const cases: [string, string, RegExp][] = [
      ['sales_decline', '0', /a whole percent from 20 to 100/],
      ['sales_decline', '10', /nothing under 20% counts as a decline/],
      ['sales_decline', '-5', /a whole percent from 20 to 100/],
      ['sales_decline', '101', /from 20 to 100/],
      ['sales_decline', '20.5', /a whole percent/],
      ['sales_decline', '0.3', /a whole percent/],
      ['sales_decline', '1e308', /from 20 to 100/],
      ['sales_decline', huge, /from 20 to 100/],
      ['sales_decline', 'Infinity', /from 20 to 100/],
      ['sales_decline', 'NaN', /from 20 to 100/],
      ['sales_decline', '0x20', /from 20 to 100/],
      ['sales_decline', '３０', /from 20 to 100/],
      ['outreach_behind_pace', '101', /a whole percent from 1 to 100/],
      ['outreach_behind_pace', '0', /from 1 to 100/],
      ['personalized_behind_pace', '100.5', /from 1 to 100/],
      ['funnel_bottleneck', '19', /from 20 to 500/],
      ['funnel_bottleneck', '501', /from 20 to 500/],
      ['training_gap', '0', /whole days from 1 to 365/],
      ['training_gap', '12.5', /whole days/],
      ['training_gap', '366', /from 1 to 365/],
      ['training_gap', '-1', /from 1 to 365/],
      ['training_gap', '60%', /whole days/],
      ['churn_above_team', '0', /whole percentage points from 1 to 100/],
      ['churn_above_team', '101', /from 1 to 100/],
      ['churn_above_team', '5.5', /whole percentage points/],
      ['lost_outpacing_created', '0', /a multiple from 0.5 to 10/],
      ['lost_outpacing_created', '0.25', /from 0.5 to 10/],
      ['lost_outpacing_created', '11', /from 0.5 to 10/],
      ['lost_outpacing_created', '1.555', /up to two decimals/],
      ['lost_outpacing_created', '1,5', /from 0.5 to 10/],
      ['lost_outpacing_created', huge, /from 0.5 to 10/],
    ];
    for (const [rule, typed, message] of cases) {
      const e = await refusal(changeSetting(await ctx(), { key: 'alert', value: `${rule} ${typed}` }));
      expect([e.code, e.field], `${rule} ${typed}`).toEqual(['bad_request', 'value']);
      expect(e.message, `${rule} ${typed}`).toMatch(message);
      // The example is one the rule takes.
      const example = /`\/kpi settings alert (\S+) (\S+)`/.exec(e.message);
      expect(example?.[1], e.message).toBe(rule);
      expect(example?.[2], e.message).toBe(ALERT_THRESHOLDS[rule as keyof typeof RULES].example);
    }
    expect((await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } })).settings).toBe(before);
  });

  it('every example in a refusal is accepted', async () => {
    for (const id of RULE_IDS) {
      const changed = await changeSetting(await ctx(), {
        key: 'alert',
        value: `${id} ${ALERT_THRESHOLDS[id].example}`,
      });
      expect(changed.subject).toBe(`alert ${id}`);
    }
  });

  it('any value is either stored within the rule’s range or refused on the value field', async () => {
    const value = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.double({ noNaN: false }).map(String),
      fc.integer({ min: -1000, max: 100_000 }).map(String),
      fc.integer({ min: 0, max: 1000 }).map((n) => `${n}%`),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...RULE_IDS), value, async (rule, typed) => {
        if (/^\s*(on|off)\s*$/.test(typed) || /\s/.test(typed.trim())) return;
        const work = changeSetting(await ctx(), { key: 'alert', value: `${rule} ${typed}` });
        const outcome = await work.then(
          () => 'stored' as const,
          (e: unknown) => e,
        );
        if (outcome !== 'stored') {
          const e = await refusal(Promise.reject(outcome));
          expect(e.field).toBe('value');
          return;
        }
        const t = ALERT_THRESHOLDS[rule];
        const stored = (await storedRules())[rule].threshold;
        const typedUnits = t.unit === 'percent' || t.unit === 'points' ? stored * 100 : stored;
        expect(Number.isFinite(stored)).toBe(true);
        expect(typedUnits).toBeGreaterThanOrEqual(t.min - 1e-9);
        expect(typedUnits).toBeLessThanOrEqual(t.max + 1e-9);
      }),
      { numRuns: 80 },
    );
  });
});
