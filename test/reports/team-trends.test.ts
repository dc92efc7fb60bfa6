import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCH_NOW, BENCH_TEAM, generate } from '../../bench/generate.js';
import { NO_FACTS } from '../../src/metrics/facts.js';
import { previousPeriod, resolvePeriod } from '../../src/metrics/periods.js';
import { computeScalarMetrics } from '../../src/metrics/scalar.js';
import { median } from '../../src/metrics/stats.js';
import { calendarOf } from '../../src/reports/present.js';
import { repInsights, TREND_METRICS } from '../../src/reports/rep-insights.js';
import { loadFactsByRep } from '../../src/store/facts.js';
import { teamMemberIds } from '../../src/store/reps.js';
import { openStore, type TStore } from '../../src/store/store.js';
import { createMigratedDatabase } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/**
 * A scorecard's "team" figure of each trend metric is the median of the rep's and teammates' values this
 * period. The teammates' come from period totals the database adds up (store/rankings.ts, as a leaderboard's),
 * not from their loaded deals and activities; on the benchmark's generated data (20,000 facts, 1,000 reps under
 * 100 managers) every rep sampled, a manager (whose team is every rep) and the admin must get the medians that
 * computing each teammate's metrics from loaded facts gives. Edge cases of the totals themselves (deleted,
 * other currencies, boundaries, reps not named): leaderboard-totals.test.ts.
 */
let store: TStore;
let drop: () => Promise<void>;

beforeAll(async () => {
  const db = await createMigratedDatabase();
  drop = db.drop;
  await generate(db.url, 20_000, 11);
  store = await openStore(db.url);
}, 60_000);
afterAll(async () => {
  await store?.close();
  await drop?.();
});

describe(`a scorecard's team medians from totals in SQL (${TEST_PROVIDER})`, () => {
  it('are the medians of the teammates’ metrics computed from their facts', async () => {
    const { db } = store;
    const ws = await db.workspace.findUniqueOrThrow({ where: { slackTeamId: BENCH_TEAM } });
    const cal = calendarOf(ws);
    const reps = await db.rep.findMany({ where: { workspaceId: ws.id }, orderBy: { id: 'asc' } });
    const sample = [
      ...reps.filter((r) => r.role === 'rep').filter((_, i) => i % 97 === 0),
      ...reps.filter((r) => r.role !== 'rep').slice(0, 2),
    ];
    let compared = 0;
    for (const text of ['this month', 'last month', '2026-Q3']) {
      const period = resolvePeriod(text, BENCH_NOW, cal);
      const previous = previousPeriod(period, cal);
      for (const rep of sample) {
        const { trends } = await repInsights(db, ws, rep, period, BENCH_NOW);
        const team = [
          ...new Set([rep.id, ...(await teamMemberIds(db, ws.id, rep.managerId)).map((t) => t.id)]),
        ];
        const facts = await loadFactsByRep(db, ws.id, team, { start: previous.start, end: period.end });
        const values = team.map((id) =>
          computeScalarMetrics({
            facts: facts.get(id) ?? NO_FACTS,
            period,
            previous,
            now: BENCH_NOW,
            targets: {},
          }),
        );
        for (const id of TREND_METRICS) {
          const expected = median(values.map((v) => v[id]).filter((x): x is number => typeof x === 'number'));
          expect(trends[id]?.teamMedian, `${rep.name} ${text} ${id}`).toBe(expected);
          if (expected !== null && expected !== 0) compared += 1;
        }
      }
    }
    // The data is not trivial: most medians compared are figures, not empty or zero.
    expect(compared).toBeGreaterThan(sample.length * 3 * 3);
  }, 300_000); // a safety net, not a speed check
});
