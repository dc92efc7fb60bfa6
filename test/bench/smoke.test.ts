import { describe, expect, it } from 'vitest';
import { scorecardPair } from '../../bench/cases.js';
import { generate } from '../../bench/generate.js';
import { runBench } from '../../bench/main.js';
import { createMigratedDatabase } from '../support/db.js';
import { TEST_POSTGRES_URL, TEST_PROVIDER } from '../support/env.js';

/**
 * A small smoke run of the benchmark suite (10,000 facts, short phases): every case runs end to end against the
 * store under test and its correctness checks hold. No timing is asserted: speed is for `npm run bench`.
 */
describe(`npm run bench, smoke run (${TEST_PROVIDER})`, () => {
  it('runs every case and loses no event and no reply', async () => {
    const rows = await runBench([
      '--quick',
      '--json',
      '--fresh',
      '--sources',
      '--providers',
      TEST_PROVIDER,
      '--sizes',
      '10k',
      '--postgres-url',
      TEST_POSTGRES_URL,
    ]);
    const byCase = (prefix: string) => rows.find((r) => r.case.startsWith(prefix));
    const ingest = byCase('webhook ingest');
    // "(N acknowledged, M stored, K applied …)": every acknowledged event stored, every stored one applied once.
    const m = /\((\d+) acknowledged, (\d+) stored, (\d+) applied/.exec(ingest?.figure ?? '');
    expect(m).not.toBeNull();
    const [acknowledged, stored, applied] = [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])];
    expect(acknowledged).toBeGreaterThan(0);
    expect(stored).toBeGreaterThanOrEqual(acknowledged);
    expect(applied).toBe(stored);
    // Two worker processes applied every stored event exactly once (the case throws otherwise).
    if (TEST_PROVIDER === 'postgresql') expect(byCase('inbox apply')?.value).toBeGreaterThan(0);
    expect(byCase('bulk import')?.value).toBeGreaterThan(0);
    expect(byCase('/kpi me')?.baselineValue).toBeGreaterThan(0);
    expect(byCase('leaderboard, 1,000 reps')?.value).toBeGreaterThan(0);
    expect(byCase('leaderboard by win rate')?.value).toBeGreaterThan(0);
    // Every reply answered, and every one's chart added afterwards (the case waits for them).
    expect(byCase('200 concurrent')?.figure).toMatch(
      /; 200\/200 answered, the last reply [\d.]+ s and the last of 200 charts [\d.]+ s after/,
    );
    expect(byCase('bot peak memory')?.value).toBeGreaterThan(10);
    for (const r of rows) expect(Number.isFinite(r.ratio), r.case).toBe(true);
    // A failure guard only (a stuck run ends with a message): a busy 2-core machine takes minutes for this run.
  }, 600_000);

  it('measures two data sets in turns (goal 3b, which a full run asks at 5M against 100k)', async () => {
    const db = await createMigratedDatabase();
    try {
      const gen = await generate(db.url, 5_000, 3);
      const pair = await scorecardPair({ url: db.url, gen }, { url: db.url, gen }, 6);
      // It runs to the end (a refused or failing scorecard throws) and times every turn of both.
      expect([pair.a.n, pair.b.n]).toEqual([6, 6]);
      expect(Math.min(pair.a.p50, pair.b.p50)).toBeGreaterThan(0);
    } finally {
      await db.drop();
    }
  }, 120_000);
});
