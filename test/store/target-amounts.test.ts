import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CALENDAR, periodContaining } from '../../src/metrics/periods.js';
import { storedTargetAmount, targetFromStored } from '../../src/metrics/targets.js';
import { applyMigrations, prismaPaths } from '../../src/store/migrate.js';
import { sqlitePathOf } from '../../src/store/provider.js';
import { openStore } from '../../src/store/store.js';
import { insertTarget, resolveTargetsForReps } from '../../src/store/targets.js';
import { createEmptyDatabase } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/*
 * Target.amount is an integer: money in minor units, counts as counts, every other unit in millionths. The
 * migration that made it one (20261130082306_target_amount_integer) converts the floats stored before.
 */

const CONVERSION = '20261130082306_target_amount_integer';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sql(url: string, text: string): Promise<Record<string, unknown>[]> {
  if (TEST_PROVIDER === 'sqlite') {
    const db = new Database(sqlitePathOf(url));
    try {
      const statement = db.prepare(text);
      if (statement.reader) return statement.all() as Record<string, unknown>[];
      statement.run();
      return [];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

/** A database migrated up to (not including) the conversion. */
async function databaseBeforeConversion(): Promise<string> {
  const db = await createEmptyDatabase();
  cleanups.push(db.drop);
  const dir = mkdtempSync(join(tmpdir(), 'kpi-before-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(prismaPaths(TEST_PROVIDER).migrations, dir, { recursive: true });
  rmSync(join(dir, CONVERSION), { recursive: true });
  const applied = await applyMigrations(db.url, { migrationsDir: dir });
  expect(applied).not.toContain(CONVERSION);
  return db.url;
}

describe(`Target.amount as an integer (${TEST_PROVIDER})`, () => {
  it('the migration converts the floats stored before: money and counts rounded, other units to millionths', async () => {
    const url = await databaseBeforeConversion();
    const at = "'2017-07-01 00:00:00'";
    await sql(url, `INSERT INTO "Workspace" ("id", "slackTeamId", "updatedAt") VALUES ('w1', 'T1', ${at})`);
    // As the bot stored them: money in minor units (an early version kept the float's noise, or a cent's
    // fraction), counts as typed, shares as fractions, other units as typed.
    const before: [string, string, number][] = [
      ['t01', 'sales.won_total', 5_000_000],
      ['t02', 'sales.won_total', 110.00000000000001],
      ['t03', 'sales.avg_deal_size', 1234.5],
      ['t04', 'outreach.total', 400],
      ['t05', 'outreach.calls', 2.5],
      ['t06', 'opportunities.win_rate', 0.35],
      ['t07', 'conversion.rate', 0.333333333],
      ['t08', 'expertise.days_since_training', 12.5],
      ['t09', 'social.likes_per_post', 3.25],
      ['t10', 'sales.change_vs_previous', -0.1],
      ['t11', 'retired.metric', 7.6],
    ];
    for (const [id, metricId, amount] of before) {
      await sql(
        url,
        `INSERT INTO "Target" ("id", "workspaceId", "scope", "metricId", "periodKind", "amount", "effectiveFrom")
         VALUES ('${id}', 'w1', 'workspace', '${metricId}', 'month', ${amount}, ${at})`,
      );
    }

    expect(await applyMigrations(url)).toEqual([CONVERSION]);

    const rows = await sql(
      url,
      TEST_PROVIDER === 'sqlite'
        ? 'SELECT "id", "amount", typeof("amount") AS "type" FROM "Target" ORDER BY "id"'
        : `SELECT "id", "amount"::text AS "amount", pg_typeof("amount")::text AS "type" FROM "Target" ORDER BY "id"`,
    );
    expect(rows.map((r) => [r.id, Number(r.amount)])).toEqual([
      ['t01', 5_000_000],
      ['t02', 110],
      ['t03', 1235],
      ['t04', 400],
      ['t05', 3],
      ['t06', 350_000],
      ['t07', 333_333],
      ['t08', 12_500_000],
      ['t09', 3_250_000],
      ['t10', -100_000],
      ['t11', 8],
    ]);
    expect(new Set(rows.map((r) => r.type))).toEqual(
      new Set([TEST_PROVIDER === 'sqlite' ? 'integer' : 'bigint']),
    );

    // Read back in each metric's unit, as reports compare them.
    const store = await openStore(url);
    try {
      const period = periodContaining('month', new Date('2017-07-15T00:00:00Z'), DEFAULT_CALENDAR);
      const targets = (
        await resolveTargetsForReps(store.db, 'w1', [{ id: 'r1', managerId: null }], period)
      ).get('r1');
      expect(targets).toMatchObject({
        // t01 and t02 are both effective from July 1: the one set later (the larger id, as cuids grow) wins.
        'sales.won_total': 110,
        'outreach.total': 400,
        'opportunities.win_rate': 0.35,
        'conversion.rate': 0.333333,
        'expertise.days_since_training': 12.5,
        'social.likes_per_post': 3.25,
        'sales.change_vs_previous': -0.1,
        'retired.metric': 8,
      });
    } finally {
      await store.close();
    }
  });

  it('stores a target as the integer of its unit and reads it back; refuses one with no exact integer', async () => {
    const db = await createEmptyDatabase();
    cleanups.push(db.drop);
    await applyMigrations(db.url);
    const store = await openStore(db.url);
    cleanups.push(() => store.close());
    const ws = await store.db.workspace.create({ data: { slackTeamId: 'T1' } });
    const set = (metricId: string, amount: number) =>
      insertTarget(store.db, {
        workspaceId: ws.id,
        scope: 'workspace',
        repId: null,
        metricId,
        periodKind: 'month',
        amount,
        effectiveFrom: new Date('2017-07-01T00:00:00Z'),
        setBySlackId: null,
      });
    await set('sales.won_total', 123_456_789_012);
    await set('outreach.total', 400);
    await set('opportunities.win_rate', 0.25);
    await set('expertise.avg_score', 87.125);
    await expect(set('outreach.calls', 2.5)).rejects.toThrow(RangeError);
    await expect(set('opportunities.win_rate', 0.1234567)).rejects.toThrow(RangeError);

    const stored = await store.db.target.findMany({ orderBy: { metricId: 'asc' } });
    expect(stored.map((t) => [t.metricId, t.amount])).toEqual([
      ['expertise.avg_score', 87_125_000n],
      ['opportunities.win_rate', 250_000n],
      ['outreach.total', 400n],
      ['sales.won_total', 123_456_789_012n],
    ]);
    const period = periodContaining('month', new Date('2017-07-15T00:00:00Z'), DEFAULT_CALENDAR);
    const targets = (
      await resolveTargetsForReps(store.db, ws.id, [{ id: 'r1', managerId: null }], period)
    ).get('r1');
    expect(targets).toMatchObject({
      'expertise.avg_score': 87.125,
      'opportunities.win_rate': 0.25,
      'outreach.total': 400,
      'sales.won_total': 123_456_789_012,
    });
  });

  it('has an exact integer form only for values its unit can hold (pure)', () => {
    expect(storedTargetAmount(0.35, 'share')).toBe(350_000n);
    expect(storedTargetAmount(0.123456, 'share')).toBe(123_456n);
    expect(storedTargetAmount(0.1234567, 'share')).toBeNull();
    expect(storedTargetAmount(400, 'count')).toBe(400n);
    expect(storedTargetAmount(2.5, 'count')).toBeNull();
    expect(storedTargetAmount(125, 'money')).toBe(125n);
    expect(storedTargetAmount(12.5, 'money')).toBeNull();
    expect(storedTargetAmount(2 ** 53, 'money')).toBeNull();
    expect(storedTargetAmount(1e12, 'days')).toBeNull();
    expect(storedTargetAmount(Number.NaN, 'count')).toBeNull();
    expect(storedTargetAmount(7, undefined)).toBe(7n);
    expect(targetFromStored(350_000n, 'share')).toBe(0.35);
    expect(targetFromStored(5_000_000n, 'money')).toBe(5_000_000);
    expect(targetFromStored(8n, undefined)).toBe(8);
  });
});
