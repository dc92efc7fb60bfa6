import Database from 'better-sqlite3';
import pg from 'pg';
import { providerOf, sqlitePathOf } from '../src/store/provider.js';

/**
 * Deterministic synthetic data for the benchmarks: a 1,000-rep sales org (100 managers, one admin) with deals
 * through the funnel, outreach, leads, customers, social and training facts. The density is fixed (about 28
 * facts per rep and month, like a busy team), so a bigger data set is a longer history, not a busier month:
 * 100k facts are four months, 1M three years, 5M fifteen. Written with the raw driver (prepared inserts in
 * large transactions on SQLite, UNNEST batches on PostgreSQL), in the same formats Prisma writes.
 */

export const BENCH_NOW = new Date('2026-11-15T12:00:00.000Z');
export const BENCH_TEAM = 'TBENCH';
export const REPS = 1000;
export const MANAGERS = 100;
export const FACTS_PER_REP_MONTH = 28;

/** Share of each kind of fact. */
const MIX = {
  Deal: 0.35,
  Activity: 0.5,
  Lead: 0.08,
  Customer: 0.03,
  SocialSnapshot: 0.02,
  SocialPost: 0.015,
  TrainingResult: 0.005,
};

/** mulberry32: a small seeded PRNG, so every run builds the same data. */
export function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type TCol = [name: string, type: 'text' | 'ts' | 'int' | 'bigint' | 'bool' | 'float'];
type TValue = string | number | bigint | boolean | Date | null;

const TABLES: Record<string, TCol[]> = {
  Workspace: [
    ['id', 'text'],
    ['slackTeamId', 'text'],
    ['name', 'text'],
    ['timezone', 'text'],
    ['settings', 'text'],
    ['createdAt', 'ts'],
    ['updatedAt', 'ts'],
  ],
  Rep: [
    ['id', 'text'],
    ['workspaceId', 'text'],
    ['slackUserId', 'text'],
    ['name', 'text'],
    ['email', 'text'],
    ['role', 'text'],
    ['managerId', 'text'],
    ['active', 'bool'],
    ['createdAt', 'ts'],
    ['updatedAt', 'ts'],
  ],
  Target: [
    ['id', 'text'],
    ['workspaceId', 'text'],
    ['scope', 'text'],
    ['metricId', 'text'],
    ['periodKind', 'text'],
    ['amount', 'bigint'],
    ['effectiveFrom', 'ts'],
    ['createdAt', 'ts'],
  ],
  Deal: [
    ['id', 'text'],
    ['workspaceId', 'text'],
    ['source', 'text'],
    ['externalId', 'text'],
    ['repId', 'text'],
    ['title', 'text'],
    ['amountMinor', 'bigint'],
    ['currency', 'text'],
    ['stage', 'text'],
    ['status', 'text'],
    ['openedAt', 'ts'],
    ['closedAt', 'ts'],
    ['fieldClock', 'text'],
    ['createdAt', 'ts'],
    ['updatedAt', 'ts'],
  ],
  Activity: [
    ['id', 'text'],
    ['workspaceId', 'text'],
    ['source', 'text'],
    ['externalId', 'text'],
    ['repId', 'text'],
    ['kind', 'text'],
    ['personalized', 'bool'],
    ['count', 'int'],
    ['occurredAt', 'ts'],
    ['createdAt', 'ts'],
    ['updatedAt', 'ts'],
  ],
  Lead: [
    ['id', 'text'],
    ['workspaceId', 'text'],
    ['source', 'text'],
    ['externalId', 'text'],
    ['repId', 'text'],
    ['mqlAt', 'ts'],
    ['convertedAt', 'ts'],
    ['createdAt', 'ts'],
    ['updatedAt', 'ts'],
  ],
  Customer: [
    ['id', 'text'],
    ['workspaceId', 'text'],
    ['source', 'text'],
    ['externalId', 'text'],
    ['repId', 'text'],
    ['name', 'text'],
    ['wonAt', 'ts'],
    ['churnedAt', 'ts'],
    ['createdAt', 'ts'],
    ['updatedAt', 'ts'],
  ],
  SocialSnapshot: [
    ['id', 'text'],
    ['workspaceId', 'text'],
    ['repId', 'text'],
    ['network', 'text'],
    ['metric', 'text'],
    ['value', 'int'],
    ['at', 'ts'],
    ['source', 'text'],
    ['createdAt', 'ts'],
  ],
  SocialPost: [
    ['id', 'text'],
    ['workspaceId', 'text'],
    ['repId', 'text'],
    ['network', 'text'],
    ['postId', 'text'],
    ['postedAt', 'ts'],
    ['shares', 'int'],
    ['comments', 'int'],
    ['likes', 'int'],
    ['createdAt', 'ts'],
    ['updatedAt', 'ts'],
  ],
  TrainingResult: [
    ['id', 'text'],
    ['workspaceId', 'text'],
    ['repId', 'text'],
    ['course', 'text'],
    ['kind', 'text'],
    ['score', 'float'],
    ['maxScore', 'float'],
    ['at', 'ts'],
    ['source', 'text'],
    ['externalId', 'text'],
    ['createdAt', 'ts'],
  ],
};

/** Writes rows of one table; `flush` ends the current transaction or batch. */
type TSink = {
  add(table: string, row: TValue[]): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
};

const sqliteValue = (v: TValue, type: TCol[1]) =>
  v === null
    ? null
    : type === 'ts'
      ? (v as Date).toISOString().replace('Z', '+00:00')
      : type === 'bool'
        ? v
          ? 1
          : 0
        : v;

function sqliteSink(url: string): TSink {
  const db = new Database(sqlitePathOf(url));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const statements = new Map<string, Database.Statement>();
  let pending = 0;
  const begin = () => db.exec('BEGIN');
  begin();
  return {
    async add(table, row) {
      const cols = TABLES[table] as TCol[];
      let st = statements.get(table);
      if (!st) {
        st = db.prepare(
          `INSERT INTO "${table}" (${cols.map((c) => `"${c[0]}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
        );
        statements.set(table, st);
      }
      st.run(...row.map((v, i) => sqliteValue(v, (cols[i] as TCol)[1])));
      if (++pending >= 100_000) {
        db.exec('COMMIT');
        begin();
        pending = 0;
      }
    },
    async flush() {
      db.exec('COMMIT');
      begin();
      pending = 0;
    },
    async close() {
      db.exec('COMMIT');
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.exec('ANALYZE');
      db.close();
    },
  };
}

const PG_TYPE: Record<TCol[1], string> = {
  text: 'text',
  ts: 'timestamp(3)',
  int: 'integer',
  bigint: 'bigint',
  bool: 'boolean',
  float: 'double precision',
};

async function postgresSink(url: string): Promise<TSink> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const batches = new Map<string, TValue[][]>();
  const write = async (table: string) => {
    const rows = batches.get(table) ?? [];
    if (rows.length === 0) return;
    const cols = TABLES[table] as TCol[];
    const arrays = cols.map((c, i) =>
      rows.map((r) => {
        const v = r[i] ?? null;
        if (v === null) return null;
        if (c[1] === 'ts') return (v as Date).toISOString().replace('Z', '');
        if (c[1] === 'bigint') return String(v);
        return v;
      }),
    );
    await client.query(
      `INSERT INTO "${table}" (${cols.map((c) => `"${c[0]}"`).join(', ')}) SELECT * FROM unnest(${cols
        .map((c, i) => `$${i + 1}::${PG_TYPE[c[1]]}[]`)
        .join(', ')})`,
      arrays,
    );
    batches.set(table, []);
  };
  return {
    async add(table, row) {
      const list = batches.get(table) ?? [];
      list.push(row);
      batches.set(table, list);
      if (list.length >= 10_000) await write(table);
    },
    async flush() {
      for (const t of batches.keys()) await write(t);
    },
    async close() {
      for (const t of batches.keys()) await write(t);
      await client.query('ANALYZE');
      await client.end();
    },
  };
}

export type TGenerated = {
  facts: number;
  months: number;
  workspaceId: string;
  reps: { id: string; slackUserId: string; email: string; managerId: string | null }[];
  counts: Record<string, number>;
};

const DAY = 86_400_000;

/** Fills an empty, migrated database with `facts` facts; returns what it made. */
export async function generate(url: string, facts: number, seed = 42): Promise<TGenerated> {
  const sink = providerOf(url) === 'postgresql' ? await postgresSink(url) : sqliteSink(url);
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const months = Math.max(4, Math.round(facts / (REPS * FACTS_PER_REP_MONTH)));
  const start = BENCH_NOW.getTime() - months * 30.44 * DAY;
  const at = () => new Date(start + rand() * (BENCH_NOW.getTime() - start));
  const now = BENCH_NOW;
  const workspaceId = 'bench-ws';
  await sink.add('Workspace', [workspaceId, BENCH_TEAM, 'Bench Co', 'UTC', '{}', now, now]);
  const reps: TGenerated['reps'] = [];
  await sink.add('Rep', [
    'bench-admin',
    workspaceId,
    'UADMIN',
    'Ada Admin',
    'admin@bench.example',
    'admin',
    null,
    true,
    now,
    now,
  ]);
  for (let m = 0; m < MANAGERS; m++)
    await sink.add('Rep', [
      `bench-m${m}`,
      workspaceId,
      `UM${m}`,
      `Manager ${m}`,
      `m${m}@bench.example`,
      'manager',
      null,
      true,
      now,
      now,
    ]);
  for (let r = 0; r < REPS; r++) {
    const rep = {
      id: `bench-r${r}`,
      slackUserId: `UR${r}`,
      email: `r${r}@bench.example`,
      managerId: `bench-m${r % MANAGERS}`,
    };
    reps.push(rep);
    await sink.add('Rep', [
      rep.id,
      workspaceId,
      rep.slackUserId,
      `Rep ${r}`,
      rep.email,
      'rep',
      rep.managerId,
      true,
      now,
      now,
    ]);
  }
  await sink.add('Target', [
    'bench-t1',
    workspaceId,
    'workspace',
    'sales.won_total',
    'month',
    5_000_000,
    new Date(start),
    now,
  ]);
  await sink.add('Target', [
    'bench-t2',
    workspaceId,
    'workspace',
    'outreach.total',
    'month',
    200,
    new Date(start),
    now,
  ]);
  await sink.flush();
  // Each rep has a level of skill, so the leaderboard has a shape.
  const skill = reps.map(() => 0.5 + rand());
  const repOf = () => {
    const i = Math.floor(rand() * REPS);
    return { rep: reps[i] as TGenerated['reps'][number], skill: skill[i] as number };
  };
  const counts: Record<string, number> = {};
  const stages = ['Prospecting', 'Engaging', 'Proposal', 'Negotiation'];
  for (const [table, share] of Object.entries(MIX)) {
    const n = Math.round(facts * share);
    counts[table] = n;
    for (let i = 0; i < n; i++) {
      const { rep, skill: s } = repOf();
      const t = at();
      switch (table) {
        case 'Deal': {
          const closed = t.getTime() + (5 + rand() * 85) * DAY;
          // Every deal is won or lost by its expected close date (a healthy pipeline: open deals are recent).
          const done = closed < now.getTime();
          const won = done && rand() < 0.45 * s;
          await sink.add('Deal', [
            `d${i}`,
            workspaceId,
            'bench',
            `D${i}`,
            rep.id,
            '',
            BigInt(Math.round((1_000 + rand() * 49_000) * 100)),
            'USD',
            done ? (won ? 'Won' : 'Lost') : pick(stages),
            done ? (won ? 'won' : 'lost') : 'open',
            t,
            done ? new Date(closed) : null,
            '{}',
            t,
            t,
          ]);
          break;
        }
        case 'Activity':
          await sink.add('Activity', [
            `a${i}`,
            workspaceId,
            'bench',
            `A${i}`,
            rep.id,
            pick(['call', 'email', 'linkedin_message', 'meeting']),
            rand() < 0.3 ? null : rand() < 0.4,
            1,
            t,
            t,
            t,
          ]);
          break;
        case 'Lead':
          await sink.add('Lead', [
            `l${i}`,
            workspaceId,
            'bench',
            `L${i}`,
            rep.id,
            t,
            rand() < 0.2 ? new Date(Math.min(t.getTime() + 20 * DAY, now.getTime())) : null,
            t,
            t,
          ]);
          break;
        case 'Customer':
          await sink.add('Customer', [
            `c${i}`,
            workspaceId,
            'bench',
            `C${i}`,
            rep.id,
            `Customer ${i}`,
            t,
            rand() < 0.1 ? new Date(Math.min(t.getTime() + rand() * 300 * DAY, now.getTime())) : null,
            t,
            t,
          ]);
          break;
        case 'SocialSnapshot':
          await sink.add('SocialSnapshot', [
            `s${i}`,
            workspaceId,
            rep.id,
            'linkedin',
            pick(['followers', 'profile_views']),
            Math.round(rand() * 5000),
            t,
            'bench',
            t,
          ]);
          break;
        case 'SocialPost':
          await sink.add('SocialPost', [
            `p${i}`,
            workspaceId,
            rep.id,
            'linkedin',
            `P${i}`,
            t,
            Math.round(rand() * 20),
            Math.round(rand() * 30),
            Math.round(rand() * 200),
            t,
            t,
          ]);
          break;
        default:
          await sink.add('TrainingResult', [
            `q${i}`,
            workspaceId,
            rep.id,
            pick(['GTX Basics', 'MG Advanced']),
            'quiz',
            Math.round(40 + rand() * 60),
            100,
            t,
            'bench',
            `Q${i}`,
            t,
          ]);
      }
    }
    await sink.flush();
  }
  await sink.close();
  return { facts: Object.values(counts).reduce((a, b) => a + b, 0), months, workspaceId, reps, counts };
}
