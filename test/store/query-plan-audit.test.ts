import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCH_NOW, BENCH_TEAM, generate } from '../../bench/generate.js';
import { createCommandRouter } from '../../src/commands/execute.js';
import { COMMANDS } from '../../src/commands/index.js';
import { createLogger } from '../../src/logger.js';
import { SCALAR_METRICS } from '../../src/metrics/scalar.js';
import { sqlitePathOf } from '../../src/store/provider.js';
import { openStore, type TStore } from '../../src/store/store.js';
import { createMigratedDatabase } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { recordPlans, type TPlanned } from '../support/query-plans.js';

/**
 * The bot never runs ANALYZE, so on SQLite its queries are planned by rules alone. Twice a query that named a
 * rep or a CRM id was planned on the (workspace, status, closedAt, …) index and read the whole workspace's
 * deals (when a rep's record begins; the imported wins of a CSV import), unseen by the benchmark, whose data
 * sets are analysed. This audit runs the chat commands (a rep's, a manager's and the admin's: scorecards,
 * funnel, team, why, leaderboards by every metric) on generated data with the statistics removed, records the
 * plan SQLite chose for every statement, and finds those that read a table of facts for the whole workspace:
 * a full scan, an index searched by the workspace alone, or from an instant on with no end and no rep (the
 * table found by name, alias or index). It checks plan shapes, not costs: a seek per rep into a rep's whole
 * history passes. The ones known today are listed below with why;
 * a new one fails the test, and so does a listed one that no longer happens (take it off the list).
 */
const FACT_TABLES = [
  'Deal',
  'Activity',
  'DealStageChange',
  'Lead',
  'Customer',
  'SocialSnapshot',
  'SocialPost',
  'TrainingResult',
];
/**
 * The fact table a plan line reads, or null: named in the line, or by the index it uses (indexes are named
 * after their table), or by the alias the SQL gives it (raw queries write `"SocialSnapshot" s`).
 */
function tableOf(line: string, sql: string): string | null {
  const m = /^(?:SCAN|SEARCH) (?:main\.)?(\w+)(?: USING (?:COVERING )?INDEX (\w+))?/.exec(line);
  if (!m) return null;
  const [, name, index] = m as unknown as [string, string, string | undefined];
  if (FACT_TABLES.includes(name)) return name;
  const byIndex = FACT_TABLES.find((t) => index?.startsWith(`${t}_`));
  if (byIndex) return byIndex;
  const alias = new RegExp(`"(\\w+)"\\s+(?:AS\\s+)?${name}\\b`).exec(sql);
  return alias && FACT_TABLES.includes(alias[1] as string) ? (alias[1] as string) : null;
}
/**
 * Whether a plan line reads a fact table for the whole workspace: a full scan, an index searched by the
 * workspace alone (or with every rep: `repId>?`), or from an instant on with no end and no rep (every row
 * since, which grows with history).
 */
function readsWholeWorkspace(line: string, sql: string): boolean {
  if (!tableOf(line, sql)) return false;
  if (line.startsWith('SCAN ')) return true;
  return /\((workspaceId=\?|workspaceId=\? AND repId>\?|workspaceId=\?( AND (?!repId)\w+=\?)* AND (?!repId)\w+>\?)\)$/.test(
    line,
  );
}

/** The SQL without Prisma's quoting and table prefixes, as the list below matches it. */
const bare = (sql: string) => sql.replace(/`main`\.`\w+`\./g, '').replace(/`/g, '');

/**
 * Known reads of a whole workspace's table (docs/performance.md, "What grows with what"), each matched on its
 * bare SQL, with why it is read so. Opportunities created and the MQL boards were on this list (they now name
 * the reps in chunks: store/rankings.ts `byRep`), and so were the latest readings and assessments before a
 * window for many reps (an OR of (rep, …, instant) pairs: the reps are now named too, store/facts.ts).
 */
const SMALL_TABLE =
  'a leaderboard over a small table whose indexes all begin (workspace, rep): read whole, 7–18 ms a board at 5M facts, less than naming the reps in chunks (11–19 ms); grows with history';
const KNOWN: { sql: RegExp; why: string }[] = [
  {
    sql: /FROM main\.SocialSnapshot WHERE \(workspaceId = \? AND network = \? AND metric IN/,
    why: SMALL_TABLE,
  },
  { sql: /FROM main\.SocialPost WHERE \(workspaceId = \? AND postedAt >= /, why: SMALL_TABLE },
  { sql: /FROM main\.TrainingResult WHERE \(workspaceId = \? AND at (>=|<=) /, why: SMALL_TABLE },
  { sql: /FROM main\.Customer WHERE \(workspaceId = \? AND (wonAt|churnedAt) >= /, why: SMALL_TABLE },
  {
    sql: /FROM main\.Deal WHERE \(workspaceId = \? AND status = \? AND closedAt IS NOT NULL AND deletedAt IS NULL\) ORDER BY closedAt ASC LIMIT/,
    why: 'where the workspace’s record of closes begins: a walk of the close index from its start that stops at the first live deal (one row unless the earliest were deleted)',
  },
];

let store: TStore;
let drop: () => Promise<void>;
beforeAll(async () => {
  if (TEST_PROVIDER !== 'sqlite') return;
  const db = await createMigratedDatabase();
  drop = db.drop;
  await generate(db.url, 20_000, 5);
  // The generator analyses what it made, as a bench data set; a bot's database has no statistics.
  const raw = new Database(sqlitePathOf(db.url));
  raw.exec('DROP TABLE IF EXISTS sqlite_stat1; DROP TABLE IF EXISTS sqlite_stat4');
  raw.close();
  store = await openStore(db.url);
}, 120_000);
afterAll(async () => {
  await store?.close();
  await drop?.();
});

describe.runIf(TEST_PROVIDER === 'sqlite')('query plans without statistics (sqlite)', () => {
  it('read no table of facts for the whole workspace, but the known ones', async () => {
    const router = createCommandRouter(COMMANDS);
    const workspace = await store.db.workspace.findUniqueOrThrow({ where: { slackTeamId: BENCH_TEAM } });
    const people = await store.db.rep.findMany({
      where: { workspaceId: workspace.id },
      orderBy: { id: 'asc' },
    });
    const askers = ['rep', 'manager', 'admin'].map((role) => people.find((p) => p.role === role));
    const texts = ['me', 'me last month', 'me 2025-Q3', 'funnel', 'team', 'why', 'rep <@UR5> last month'];
    for (const m of SCALAR_METRICS) texts.push(`leaderboard ${m.id}`);
    const { plans } = await recordPlans(async () => {
      for (const text of texts)
        for (const who of askers) {
          const reply = await router.execute(text, {
            workspace,
            actor: { repId: who?.id, slackUserId: who?.slackUserId ?? undefined, name: who?.name ?? '' },
            now: BENCH_NOW,
            store,
            logger: createLogger('silent'),
          });
          expect(reply.text, text).not.toMatch(/something went wrong/i);
        }
    });
    expect(plans.length).toBeGreaterThan(500);
    const offending = new Map<string, TPlanned>();
    for (const p of plans)
      if (p.plan.some((line) => readsWholeWorkspace(line, p.sql))) offending.set(p.sql, p);
    const unknown = [...offending.values()].filter((p) => !KNOWN.some((k) => k.sql.test(bare(p.sql))));
    const show = (p: TPlanned) => `${bare(p.sql).slice(0, 300)}\n  ${p.plan.join(' | ')}`;
    expect(unknown.map(show)).toEqual([]);
    const gone = KNOWN.filter((k) => ![...offending.keys()].some((sql) => k.sql.test(bare(sql))));
    expect(gone.map((k) => k.why)).toEqual([]);
  }, 300_000);
});
