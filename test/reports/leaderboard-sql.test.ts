import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCH_NOW, BENCH_TEAM, generate } from '../../bench/generate.js';
import { SCALAR_METRICS } from '../../src/metrics/scalar.js';
import { leaderboardReport } from '../../src/reports/leaderboard.js';
import { openStore, type TStore } from '../../src/store/store.js';
import { createMigratedDatabase } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/**
 * The leaderboard has the database compute the period totals (sums, counts, latest readings) of every metric
 * that is a formula of them, and computes the rest (first-year churn) from loaded facts. On the benchmark's
 * generated data (20,000 facts, a 1,000-rep org), both ways must give the same board as computing each metric
 * from loaded facts. Random small worlds with edge cases: leaderboard-totals.test.ts.
 */
let store: TStore;
let drop: () => Promise<void>;

beforeAll(async () => {
  const db = await createMigratedDatabase();
  drop = db.drop;
  const made = await generate(db.url, 20_000, 7);
  expect(made.facts).toBe(20_000);
  store = await openStore(db.url);
}, 60_000);
afterAll(async () => {
  await store?.close();
  await drop?.();
});

const BY_TOTALS = SCALAR_METRICS.filter((m) => m.totals).map((m) => m.id);

describe(`leaderboard totals in SQL (${TEST_PROVIDER})`, () => {
  it('ranks exactly as computing each metric from the facts does', async () => {
    const ws = await store.db.workspace.findUniqueOrThrow({ where: { slackTeamId: BENCH_TEAM } });
    expect(BY_TOTALS.length).toBeGreaterThan(30);
    // 'last month' is compared below, against loading every kind of fact.
    for (const metric of BY_TOTALS) {
      for (const period of ['this month', '2026-Q3']) {
        const fast = await leaderboardReport(store.db, ws, metric, period, BENCH_NOW);
        const slow = await leaderboardReport(store.db, ws, metric, period, BENCH_NOW, undefined, {
          factsOnly: true,
        });
        expect(fast.rows, `${metric} ${period}`).toEqual(slow.rows);
        expect([fast.ranked, fast.unranked]).toEqual([slow.ranked, slow.unranked]);
        // Every rep either ranked (a result) or counted as without one.
        expect(fast.ranked + fast.unranked).toBe(1000);
        expect(fast.rows).toHaveLength(fast.ranked);
      }
    }
    // Every metric, by totals in SQL or from its own kind of facts: the same board as loading every kind.
    for (const { id } of SCALAR_METRICS) {
      const lean = await leaderboardReport(store.db, ws, id, 'last month', BENCH_NOW);
      const full = await leaderboardReport(store.db, ws, id, 'last month', BENCH_NOW, undefined, {
        factsOnly: true,
        allFacts: true,
      });
      expect(lean.rows, id).toEqual(full.rows);
    }
    // The data is not trivial: reps are ranked by a sum, a rate, a level and a growth last month.
    for (const id of [
      'sales.won_total',
      'opportunities.win_rate',
      'linkedin.followers',
      'linkedin.followers_growth',
    ]) {
      const board = await leaderboardReport(store.db, ws, id, 'last month', BENCH_NOW);
      expect(board.ranked, id).toBeGreaterThan(0);
    }
  }, 600_000); // a safety net, not a speed check: it ranks every metric several times, slow on a busy machine
});
