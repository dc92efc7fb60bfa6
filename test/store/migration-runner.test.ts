import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  applyMigrations,
  MigrationError,
  PRISMA_ADVISORY_LOCK_KEY,
  prismaPaths,
  readMigrationList,
  readMigrations,
} from '../../src/store/migrate.js';
import { sqlitePathOf } from '../../src/store/provider.js';
import { openSchemaEngine } from '../../src/store/schema-engine.js';
import { createEmptyDatabase } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/*
 * The run-time migration runner (src/store/migrate.ts) against a real database of the provider under test,
 * compared with what Prisma's own schema engine (the WebAssembly build, driven through schema-engine.ts)
 * writes for the same migrations.
 */

const COMMITTED = prismaPaths(TEST_PROVIDER).migrations;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function emptyDatabase(): Promise<string> {
  const db = await createEmptyDatabase();
  cleanups.push(db.drop);
  return db.url;
}

/** A copy of the committed migrations folder that a test may change. */
function migrationsCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kpi-migrations-'));
  cpSync(COMMITTED, dir, { recursive: true });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function addMigration(dir: string, name: string, sql: string | Buffer): void {
  mkdirSync(join(dir, name), { recursive: true });
  writeFileSync(join(dir, name, 'migration.sql'), sql);
}

type TRow = Record<string, unknown>;

/** Plain SQL on a test database, outside the code under test. */
async function sql(url: string, text: string, params: unknown[] = []): Promise<TRow[]> {
  if (TEST_PROVIDER === 'sqlite') {
    const db = new Database(sqlitePathOf(url));
    try {
      const statement = db.prepare(text);
      if (statement.reader) return statement.all(...params) as TRow[];
      statement.run(...params);
      return [];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

const history = (url: string) =>
  sql(
    url,
    'SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count FROM _prisma_migrations ORDER BY started_at',
  );

/** The database's schema as text, table by table: what a migration built. */
async function schemaOf(url: string): Promise<TRow[]> {
  if (TEST_PROVIDER === 'sqlite') {
    return sql(
      url,
      "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
    );
  }
  const columns = await sql(
    url,
    `SELECT table_name, column_name, ordinal_position, data_type, character_maximum_length, is_nullable, column_default
       FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  const indexes = await sql(
    url,
    "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname",
  );
  const constraints = await sql(
    url,
    `SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
      WHERE connamespace = 'public'::regnamespace ORDER BY conname`,
  );
  return [...columns, ...indexes, ...constraints];
}

/** Migrates a database the old way: Prisma's WebAssembly schema engine's own applyMigrations. */
async function migrateWithSchemaEngine(url: string, count?: number): Promise<string[]> {
  const path = prismaPaths(TEST_PROVIDER).schema;
  const { engine, close } = await openSchemaEngine(url, { path, content: readFileSync(path, 'utf8') });
  try {
    const migrationsList = await readMigrationList(TEST_PROVIDER);
    migrationsList.migrationDirectories = migrationsList.migrationDirectories.slice(0, count);
    const out = await engine.applyMigrations({
      migrationsList,
      filters: { externalTables: [], externalEnums: [] },
    });
    return out.appliedMigrationNames;
  } finally {
    await close();
  }
}

const committedNames = async () => (await readMigrations(COMMITTED)).map((m) => m.name);
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const refusal = (code: MigrationError['code']) => expect.objectContaining({ name: 'MigrationError', code });

describe(`the migration runner on ${TEST_PROVIDER}`, () => {
  it('applies every committed migration to a fresh database and records it as Prisma does', async () => {
    const names = await committedNames();
    expect(names.length).toBeGreaterThan(2);
    const [ours, prisma] = [await emptyDatabase(), await emptyDatabase()];

    expect(await applyMigrations(ours)).toEqual(names);
    expect(await migrateWithSchemaEngine(prisma)).toEqual(names);

    // The same schema, _prisma_migrations included (its DDL is the engine's, column for column).
    expect(await schemaOf(ours)).toEqual(await schemaOf(prisma));
    if (TEST_PROVIDER === 'sqlite') {
      const ddl = "SELECT sql FROM sqlite_master WHERE name = '_prisma_migrations'";
      expect(await sql(ours, ddl)).toEqual(await sql(prisma, ddl));
    }

    const [mine, theirs] = [await history(ours), await history(prisma)];
    expect(mine.map((r) => r.migration_name)).toEqual(names);
    expect(theirs.map((r) => r.migration_name)).toEqual(names);
    const stamp = (v: unknown) =>
      v instanceof Date ? 'date' : typeof v === 'string' ? v.replace(/\d/g, '9') : v;
    names.forEach((name, i) => {
      const [row, engineRow] = [mine[i] as TRow, theirs[i] as TRow];
      // checksum: sha256 hex of the file's bytes, as the engine computed it
      expect(row.checksum).toBe(sha256(join(COMMITTED, name, 'migration.sql')));
      expect(row.checksum).toBe(engineRow.checksum);
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.id).not.toBe(engineRow.id);
      expect([row.logs, row.rolled_back_at, row.applied_steps_count]).toEqual([
        engineRow.logs,
        engineRow.rolled_back_at,
        engineRow.applied_steps_count,
      ]);
      expect(row.applied_steps_count).toBe(1);
      // Timestamps stored in the engine's form (SQLite: RFC 3339 text such as 2026-11-30T07:18:55.854+00:00).
      expect(stamp(row.started_at)).toBe(stamp(engineRow.started_at));
      expect(stamp(row.finished_at)).toBe(stamp(engineRow.finished_at));
      expect(
        new Date(String(row.finished_at instanceof Date ? row.finished_at.toISOString() : row.finished_at)) >=
          new Date(String(row.started_at instanceof Date ? row.started_at.toISOString() : row.started_at)),
      ).toBe(true);
    });

    // Again: nothing to do, nothing written.
    expect(await applyMigrations(ours)).toEqual([]);
    expect(await history(ours)).toEqual(mine);
  });

  it('takes a database the schema engine migrated as up to date, and goes on from one it half migrated', async () => {
    const names = await committedNames();
    const full = await emptyDatabase();
    await migrateWithSchemaEngine(full);
    const before = await history(full);
    expect(await applyMigrations(full)).toEqual([]);
    expect(await history(full)).toEqual(before);

    const half = await emptyDatabase();
    expect(await migrateWithSchemaEngine(half, 1)).toEqual(names.slice(0, 1));
    expect(await applyMigrations(half)).toEqual(names.slice(1));
    expect((await history(half)).map((r) => r.migration_name)).toEqual(names);
    const fresh = await emptyDatabase();
    await applyMigrations(fresh);
    expect(await schemaOf(half)).toEqual(await schemaOf(fresh));
  });

  it('refuses a migration edited after it was applied, naming it; line endings alone do not count', async () => {
    const dir = migrationsCopy();
    const url = await emptyDatabase();
    const names = await applyMigrations(url, { migrationsDir: dir });
    const second = names[1] as string;
    const file = join(dir, second, 'migration.sql');
    const original = readFileSync(file, 'utf8');

    writeFileSync(file, original.replaceAll('\n', '\r\n'));
    expect(await applyMigrations(url, { migrationsDir: dir })).toEqual([]);

    appendFileSync(file, '\n-- an afterthought\n');
    const error = await applyMigrations(url, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(error).toEqual(refusal('edited-migration'));
    expect((error as MigrationError).migration).toBe(second);
    expect((error as Error).message).toContain(`migration ${second} was edited after it was applied`);
  });

  it('refuses to go on past a recorded migration that never finished (P3009), until it is marked rolled back', async () => {
    const url = await emptyDatabase();
    await applyMigrations(url);
    const now = TEST_PROVIDER === 'sqlite' ? '2026-11-30T07:18:55.854+00:00' : new Date();
    await sql(
      url,
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, started_at, applied_steps_count)
       VALUES ('5b2f0c55-0c1e-4f61-9a57-2d7f0d3c9b11', 'x', '20261201000000_half_done', 'ERROR: disk full', ${TEST_PROVIDER === 'sqlite' ? '?' : '$1'}, 0)`,
      [now],
    );
    const error = await applyMigrations(url).catch((e: unknown) => e);
    expect(error).toEqual(refusal('failed-migration'));
    expect((error as MigrationError).migration).toBe('20261201000000_half_done');
    expect((error as Error).message).toMatch(/P3009/);
    expect((error as Error).message).toContain('The `20261201000000_half_done` migration started at');
    expect((error as Error).message).toContain('ERROR: disk full');

    await sql(
      url,
      "UPDATE _prisma_migrations SET rolled_back_at = CURRENT_TIMESTAMP WHERE migration_name = '20261201000000_half_done'",
    );
    expect(await applyMigrations(url)).toEqual([]);
  });

  it('rolls back a migration that fails, records nothing of it, says which and why; fixed, it applies', async () => {
    const dir = migrationsCopy();
    addMigration(
      dir,
      '29990101000000_broken',
      'CREATE TABLE "Partial" ("id" INTEGER NOT NULL);\nINSERT INTO "Partial" ("id") VALUES (1);\nSELECT * FROM "NoSuchTable";\n',
    );
    const url = await emptyDatabase();
    const names = await committedNames();

    const error = await applyMigrations(url, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(error).toEqual(refusal('apply-failed'));
    expect((error as MigrationError).migration).toBe('29990101000000_broken');
    expect((error as Error).message).toMatch(/migration 29990101000000_broken failed.*NoSuchTable/);
    expect((error as Error).message).toContain('rolled back whole and not recorded');
    if (TEST_PROVIDER === 'postgresql')
      expect((error as Error).message).toContain('at line 3 of migration.sql');
    // The migrations before it were applied and recorded; nothing of the broken one is left.
    expect((await history(url)).map((r) => r.migration_name)).toEqual(names);
    expect(JSON.stringify(await schemaOf(url))).not.toContain('Partial');

    addMigration(dir, '29990101000000_broken', 'CREATE TABLE "Partial" ("id" INTEGER NOT NULL);\n');
    expect(await applyMigrations(url, { migrationsDir: dir })).toEqual(['29990101000000_broken']);
    expect(JSON.stringify(await schemaOf(url))).toContain('Partial');
  });

  it('ignores files beside the migration folders, applies a comment-only migration, refuses bad folders up front', async () => {
    const dir = migrationsCopy();
    writeFileSync(join(dir, 'README.txt'), 'not a migration');
    writeFileSync(join(dir, '.DS_Store'), Buffer.from([0, 1, 2, 255]));
    addMigration(dir, '29990101000000_nothing', '-- This is an empty migration.');
    const url = await emptyDatabase();
    expect(await applyMigrations(url, { migrationsDir: dir })).toEqual([
      ...(await committedNames()),
      '29990101000000_nothing',
    ]);

    // Each bad folder is refused before anything is applied: the database stays empty.
    const bad: [(dir: string) => void, RegExp, string][] = [
      [(d) => addMigration(d, '29990102000000_empty', ''), /migration\.sql is empty/, '29990102000000_empty'],
      [
        (d) => addMigration(d, '29990102000000_blank', ' \n\t\n'),
        /migration\.sql is empty/,
        '29990102000000_blank',
      ],
      [(d) => mkdirSync(join(d, '29990102000000_nofile')), /has no migration\.sql/, '29990102000000_nofile'],
      [
        (d) => addMigration(d, '29990102000000_latin1', Buffer.from([0x2d, 0x2d, 0x20, 0xe9, 0x0a])),
        /not UTF-8/,
        '29990102000000_latin1',
      ],
      [
        (d) =>
          writeFileSync(
            join(d, 'migration_lock.toml'),
            `provider = "${TEST_PROVIDER === 'sqlite' ? 'postgresql' : 'sqlite'}"\n`,
          ),
        /migration_lock\.toml/,
        '',
      ],
    ];
    for (const [make, message, name] of bad) {
      const folder = migrationsCopy();
      make(folder);
      const db = await emptyDatabase();
      const error = await applyMigrations(db, { migrationsDir: folder }).catch((e: unknown) => e);
      expect(error, String(message)).toBeInstanceOf(MigrationError);
      expect((error as Error).message).toMatch(message);
      if (name) expect((error as MigrationError).migration).toBe(name);
      expect(await schemaOf(db)).toEqual([]);
    }
  });

  it('keeps the rows that reference a table a migration rebuilds, and refuses one that leaves rows pointing nowhere', async () => {
    const names = await committedNames();
    const initOnly = migrationsCopy();
    for (const name of names.slice(1)) rmSync(join(initOnly, name), { recursive: true });
    const url = await emptyDatabase();
    expect(await applyMigrations(url, { migrationsDir: initOnly })).toEqual(names.slice(0, 1));
    const at = "'2026-01-01 00:00:00'";
    await sql(url, `INSERT INTO "Workspace" ("id", "slackTeamId", "updatedAt") VALUES ('w1', 'T1', ${at})`);
    await sql(
      url,
      `INSERT INTO "Deal" ("id", "workspaceId", "source", "externalId", "stage", "openedAt", "updatedAt")
       VALUES ('d1', 'w1', 'csv', 'x1', 'won', ${at}, ${at})`,
    );
    await sql(
      url,
      `INSERT INTO "DealStageChange" ("id", "workspaceId", "dealId", "toStage", "changedAt") VALUES ('c1', 'w1', 'd1', 'won', ${at})`,
    );

    // The next migration rebuilds "Deal" on SQLite (create, copy, drop, rename); the stage change that references
    // it must survive (with foreign keys enforced, the drop would cascade into it).
    expect(await applyMigrations(url)).toEqual(names.slice(1));
    expect(await sql(url, 'SELECT "id", "dealId" FROM "DealStageChange"')).toEqual([
      { id: 'c1', dealId: 'd1' },
    ]);
    expect(await sql(url, 'SELECT "id", "externalId" FROM "Deal"')).toEqual([{ id: 'd1', externalId: 'x1' }]);

    const dir = migrationsCopy();
    addMigration(
      dir,
      '29990101000000_orphan',
      `INSERT INTO "DealStageChange" ("id", "workspaceId", "dealId", "toStage", "changedAt") VALUES ('c2', 'w1', 'no-such-deal', 'won', ${at});\n`,
    );
    const error = await applyMigrations(url, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(error).toEqual(refusal('apply-failed'));
    expect((error as Error).message).toMatch(/29990101000000_orphan failed.*(foreign key)/is);
    expect(await sql(url, 'SELECT "id" FROM "DealStageChange"')).toEqual([{ id: 'c1' }]);
  });

  it('refuses a database that has tables but no migration history (P3005), touching nothing', async () => {
    const url = await emptyDatabase();
    await sql(url, 'CREATE TABLE "Mine" ("id" INTEGER)');
    const error = await applyMigrations(url).catch((e: unknown) => e);
    expect(error).toEqual(refusal('not-empty'));
    expect((error as Error).message).toMatch(/tables Mine\b.*P3005/s);
    expect(JSON.stringify(await schemaOf(url))).not.toContain('_prisma_migrations');
  });
});

describe.runIf(TEST_PROVIDER === 'postgresql')('two runners at once on PostgreSQL', () => {
  it("apply each migration once: the second waits for the first's advisory lock, then finds nothing to do", async () => {
    const url = await emptyDatabase();
    const names = await committedNames();
    // Hold Prisma's lock so both runners are surely past their first look before either applies anything.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    cleanups.push(() => holder.end());
    await holder.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_KEY]);

    const runs = [applyMigrations(url), applyMigrations(url)];
    await vi.waitFor(
      async () => {
        const { rows } = await holder.query(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          [PRISMA_ADVISORY_LOCK_KEY],
        );
        expect(rows[0].n).toBe(2);
      },
      { timeout: 20_000, interval: 20 },
    );
    // A runner that cannot get the lock in time says so.
    const impatient = await applyMigrations(url, { lockTimeoutMs: 50 }).catch((e: unknown) => e);
    expect(impatient).toEqual(refusal('lock-timeout'));
    expect((impatient as Error).message).toContain(`pg_advisory_lock(${PRISMA_ADVISORY_LOCK_KEY})`);

    await holder.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
    const [a, b] = await Promise.all(runs);
    expect([...(a ?? []), ...(b ?? [])].sort()).toEqual(names);
    expect([a, b].map((r) => r?.length).sort()).toEqual([0, names.length]);
    const rows = await history(url);
    expect(rows.map((r) => r.migration_name)).toEqual(names);
  });
});
