import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCH_NOW, BENCH_TEAM, generate } from '../../bench/generate.js';
import { SCALAR_METRICS } from '../../src/metrics/scalar.js';
import { leaderboardReport } from '../../src/reports/leaderboard.js';
import { openStore, type TStore } from '../../src/store/store.js';
import { createMigratedDatabase } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/**
 * The leaderboard adds plain sums and counts up in SQL; every other metric is computed from loaded facts.
 * On the benchmark's generated data (20,000 facts, a 1,000-rep org), both ways must give the same board.
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

const PUSHED_DOWN = [
  'sales.won_total',
  'sales.won_count',
  'opportunities.created',
  'opportunities.lost',
  'outreach.calls',
  'outreach.emails',
  'outreach.total',
  'personalization.personalized',
  'personalization.generic',
];

describe(`leaderboard sums in SQL (${TEST_PROVIDER})`, () => {
  it('ranks exactly as computing each metric from the facts does', async () => {
    const ws = await store.db.workspace.findUniqueOrThrow({ where: { slackTeamId: BENCH_TEAM } });
    for (const metric of PUSHED_DOWN) {
      for (const period of ['this month', 'last month', '2026-Q3']) {
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
    // Every other metric loads only its own kind of facts: the same board as loading every kind.
    for (const { id } of SCALAR_METRICS) {
      const lean = await leaderboardReport(store.db, ws, id, 'last month', BENCH_NOW);
      const full = await leaderboardReport(store.db, ws, id, 'last month', BENCH_NOW, undefined, {
        factsOnly: true,
        allFacts: true,
      });
      expect(lean.rows, id).toEqual(full.rows);
    }
    // The data is not trivial: someone won something last month.
    const board = await leaderboardReport(store.db, ws, 'sales.won_total', 'last month', BENCH_NOW);
    expect(board.rows[0]?.value).toBeGreaterThan(0);
  }, 300_000); // a safety net, not a speed check: it ranks every metric twice, slow on a busy machine
});
