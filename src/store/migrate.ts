import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import type pg from 'pg';
import { providerOf, SQLITE_PRAGMAS, sqlitePathOf, type TProvider } from './provider.js';

/*
 * Run-time migrations without a schema engine. The committed `migration.sql` files of the provider that
 * DATABASE_URL selects are applied in name order and recorded in `_prisma_migrations` the way
 * `prisma migrate deploy` records them (same table, created with the DDL Prisma's engine uses; id a random
 * uuid; checksum the sha256 hex of the file; started_at, finished_at, applied_steps_count 1, logs NULL), so a
 * database migrated by Prisma (or by the WebAssembly engine this project used before) is recognised, and
 * Prisma's CLI sees this runner's history as its own.
 *
 * Where it differs from `prisma migrate deploy`, on purpose:
 * - Each migration runs in one transaction together with its record (both providers run DDL in
 *   transactions). A migration that fails is rolled back whole and NOT recorded: nothing of it is left to
 *   repair, so nothing should block the next start (Prisma records a failure, P3009, because its apply is not
 *   atomic and may leave half a migration behind). Fix the file and start again.
 * - A migration whose file no longer matches its recorded checksum is refused, naming it (Prisma's deploy
 *   ignores that and `migrate dev` warns): the database was built from other SQL than the one committed.
 *   Line endings do not count (as in Prisma: git may turn LF into CRLF).
 * - An empty (or all-blank) migration.sql is refused before anything is applied: a truncated file must not be
 *   recorded as applied. A migration with nothing to do says so in a comment, as Prisma writes them.
 * Like Prisma: a recorded migration that never finished (from Prisma or the old engine) blocks with a message
 * like P3009; a database with tables but no `_prisma_migrations` is refused (P3005); the provider in
 * migration_lock.toml must match (P3019); on PostgreSQL the run holds `pg_advisory_lock(72707369)`, Prisma's key,
 * so two replicas starting together (or this runner beside Prisma's CLI) never both apply a migration.
 * On SQLite each migration takes the write lock (BEGIN IMMEDIATE) and checks again that it is still unrecorded.
 */

const PRISMA_DIR = fileURLToPath(new URL('../../prisma/', import.meta.url));
const ROOT_DIR = fileURLToPath(new URL('../../', import.meta.url));
const NO_FILTERS = { externalTables: [], externalEnums: [] };
const HISTORY = '_prisma_migrations';
/** The advisory lock key Prisma's schema engine takes around migrations on PostgreSQL. */
export const PRISMA_ADVISORY_LOCK_KEY = 72707369;

/** The `_prisma_migrations` table exactly as Prisma's schema engine creates it, per provider. */
export const MIGRATIONS_TABLE_DDL: Record<TProvider, string> = {
  sqlite: `CREATE TABLE "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`,
  postgresql: `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`,
};

/** Where a provider's schema variant and migrations live. */
export function prismaPaths(provider: TProvider) {
  const dir = join(PRISMA_DIR, provider);
  return { dir, schema: join(dir, 'schema.prisma'), migrations: join(dir, 'migrations') };
}

/** Why migrations were not applied; `migration` names the one concerned, when one is. */
export class MigrationError extends Error {
  override name = 'MigrationError';
  constructor(
    message: string,
    readonly code:
      | 'bad-migration'
      | 'provider-changed'
      | 'not-empty'
      | 'failed-migration'
      | 'edited-migration'
      | 'apply-failed'
      | 'lock-timeout',
    readonly migration?: string,
  ) {
    super(message);
  }
}

export type TMigrationFile = { name: string; sql: string; checksum: string };

/** The checksum Prisma records for a migration script: sha256 of its UTF-8 bytes, as 64 hex digits. */
export function migrationChecksum(script: string | Uint8Array): string {
  return createHash('sha256').update(script).digest('hex');
}

/**
 * Whether a script matches a recorded checksum, as Prisma decides it: line endings do not count, and checksums
 * an early Prisma version wrote without zero-padding each byte are understood.
 */
export function checksumMatches(script: string, recorded: string): boolean {
  const unpadded = recorded.length !== 64;
  return [script, script.replaceAll('\r\n', '\n'), script.replaceAll('\n', '\r\n')].some((s) => {
    const digest = createHash('sha256').update(s).digest();
    const hex = unpadded ? [...digest].map((b) => b.toString(16)).join('') : digest.toString('hex');
    return hex === recorded;
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The migrations of a folder in the order they apply (by folder name). Files beside the folders
 * (migration_lock.toml, a README) are ignored, as Prisma ignores them; a folder without a readable, non-empty,
 * UTF-8 migration.sql is refused before anything is applied.
 */
export async function readMigrations(dir: string): Promise<TMigrationFile[]> {
  if (!existsSync(dir)) return [];
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const out: TMigrationFile[] = [];
  for (const name of names) {
    const file = join(dir, name, 'migration.sql');
    const bad = (why: string) =>
      new MigrationError(`migration ${name}: ${why} (${file})`, 'bad-migration', name);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw bad(
        code === 'ENOENT' ? 'its folder has no migration.sql' : `migration.sql cannot be read: ${code}`,
      );
    }
    let sql: string;
    try {
      sql = utf8.decode(bytes);
    } catch {
      throw bad('migration.sql is not UTF-8 text');
    }
    if (!sql.trim()) {
      throw bad(
        'migration.sql is empty; a migration with nothing to do says so in a comment ("-- This is an empty migration.")',
      );
    }
    out.push({ name, sql, checksum: migrationChecksum(bytes) });
  }
  return out;
}

/** Refuses a folder whose migration_lock.toml names another provider (Prisma's P3019). */
async function checkLockfile(dir: string, provider: TProvider): Promise<void> {
  const lock = join(dir, 'migration_lock.toml');
  if (!existsSync(lock)) return;
  const locked = /^\s*provider\s*=\s*"([^"]*)"/m.exec(await readFile(lock, 'utf8'))?.[1];
  if (locked && locked !== provider) {
    throw new MigrationError(
      `the migrations in ${dir} are for ${locked} (migration_lock.toml), but DATABASE_URL is a ${provider} database`,
      'provider-changed',
    );
  }
}

/** Reads a provider's migrations folder in the shape the schema engine takes (for `createMigration`). */
export async function readMigrationList(provider: TProvider, baseDir = prismaPaths(provider).migrations) {
  const lockPath = join(baseDir, 'migration_lock.toml');
  const lockContent = existsSync(lockPath) ? await readFile(lockPath, 'utf8') : null;
  const migrations = await readMigrations(baseDir);
  return {
    baseDir,
    lockfile: { path: 'migration_lock.toml', content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories: migrations.map((m) => ({
      path: m.name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: m.sql } as const },
    })),
  } satisfies MigrationList;
}

type TRecord = {
  id: string;
  checksum: string;
  migration_name: string;
  logs: string | null;
  started_at: unknown;
  finished_at: unknown;
  rolled_back_at: unknown;
};

/** What the runner needs of a database; one implementation per provider. */
type THistoryDb = {
  /** The rows of `_prisma_migrations`, oldest first; null when the table does not exist. */
  records(): Promise<TRecord[] | null>;
  /** Takes the lock that keeps two runners from applying at once (PostgreSQL; SQLite locks per migration). */
  lock(): Promise<void>;
  /** Creates `_prisma_migrations` if missing, refusing a database that has other tables but no history. */
  ensureHistory(): Promise<void>;
  /** Applies one migration and records it, in one transaction; false when another runner recorded it first. */
  apply(migration: TMigrationFile): Promise<boolean>;
  close(): Promise<void>;
};

export type TApplyOptions = {
  /** The migrations folder; default: the committed one of the provider DATABASE_URL selects. */
  migrationsDir?: string;
  /** Progress lines, e.g. "Applying migration `20261126163126_init`". */
  onLog?: (message: string) => void;
  /** How long to wait for another runner's lock (PostgreSQL advisory lock, SQLite write lock). Default 60 s. */
  lockTimeoutMs?: number;
};

/**
 * Applies the pending migrations of the provider that `databaseUrl` selects and records them in
 * `_prisma_migrations` as `prisma migrate deploy` does. Re-running it is a no-op. Returns the names of the
 * migrations it applied, in order. Throws a MigrationError saying what to do when it will not apply.
 */
export async function applyMigrations(databaseUrl: string, opts: TApplyOptions = {}): Promise<string[]> {
  const provider = providerOf(databaseUrl);
  const dir = opts.migrationsDir ?? prismaPaths(provider).migrations;
  await checkLockfile(dir, provider);
  const migrations = await readMigrations(dir);
  const lockTimeoutMs = opts.lockTimeoutMs ?? 60_000;
  const db =
    provider === 'sqlite'
      ? await openSqliteHistory(databaseUrl, lockTimeoutMs)
      : await openPostgresHistory(databaseUrl, lockTimeoutMs);
  try {
    // The usual case, nothing pending, is decided without taking a lock a running bot would wait for.
    if (pendingOf(migrations, await db.records()).length === 0) return [];
    await db.lock();
    await db.ensureHistory();
    const applied: string[] = [];
    for (const migration of pendingOf(migrations, await db.records())) {
      opts.onLog?.(`Applying migration \`${migration.name}\``);
      if (await db.apply(migration)) applied.push(migration.name);
    }
    return applied;
  } finally {
    await db.close();
  }
}

/** The migrations not yet recorded, after refusing a history with an unfinished or edited migration. */
function pendingOf(migrations: TMigrationFile[], records: TRecord[] | null): TMigrationFile[] {
  const live = (records ?? []).filter((r) => r.rolled_back_at === null);
  const unfinished = live.filter((r) => r.finished_at === null);
  if (unfinished.length) {
    const details = unfinished.map((r) => {
      const logs = r.logs?.trim() ? ` with the following logs: ${oneLine(r.logs)}` : '';
      const started = r.started_at instanceof Date ? r.started_at.toISOString() : String(r.started_at);
      return `The \`${r.migration_name}\` migration started at ${started} failed${logs}`;
    });
    throw new MigrationError(
      `found failed migrations in the database, new migrations will not be applied (Prisma's P3009). ${details.join('; ')}. ` +
        'Part of it may have been applied. Repair the database by hand, then mark the row as rolled back ' +
        `(UPDATE ${HISTORY} SET rolled_back_at = CURRENT_TIMESTAMP WHERE id = '${unfinished[0]?.id}'; it is applied again) ` +
        'or delete it once the migration is fully applied and recorded again, and start again.',
      'failed-migration',
      unfinished[0]?.migration_name,
    );
  }
  const byName = new Map(live.map((r) => [r.migration_name, r]));
  const edited = migrations.filter((m) => {
    const record = byName.get(m.name);
    return record !== undefined && !checksumMatches(m.sql, record.checksum);
  });
  if (edited.length) {
    const names = edited.map((m) => m.name).join(', ');
    throw new MigrationError(
      `migration ${names} was edited after it was applied: its migration.sql no longer matches the checksum ` +
        `recorded in ${HISTORY}, so this database was built from other SQL. Restore the file as it was applied ` +
        '(git log -p -- <its folder>) and put the change in a new migration (kpi migrate create <name>).',
      'edited-migration',
      edited[0]?.name,
    );
  }
  return migrations.filter((m) => !byName.has(m.name));
}

function applyFailed(migration: TMigrationFile, error: unknown, where = ''): MigrationError {
  const message = oneLine(error instanceof Error ? error.message : String(error));
  return new MigrationError(
    `migration ${migration.name} failed${where}: ${message}. ` +
      'It was rolled back whole and not recorded (migrations before it stay applied); fix it and start again.',
    'apply-failed',
    migration.name,
  );
}

/** Messages stay on one line: the CLI prints the first line of an error. */
function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, ' / ');
}

function refuseNonEmpty(tables: string[]): void {
  if (tables.length === 0) return;
  throw new MigrationError(
    `the database is not empty (tables ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', ...' : ''}) but has ` +
      `no ${HISTORY} table, so which migrations built it is unknown (Prisma's P3005). Point DATABASE_URL at an ` +
      'empty database, or baseline this one (record the migrations it already has in _prisma_migrations).',
    'not-empty',
  );
}

// ------------------------------------------------------------------------------------------------- SQLite

async function openSqliteHistory(databaseUrl: string, lockTimeoutMs: number): Promise<THistoryDb> {
  const { default: Database } = await import('better-sqlite3');
  const path = sqlitePathOf(databaseUrl);
  if (path !== ':memory:' && !existsSync(dirname(path))) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: lockTimeoutMs });
  db.pragma(`foreign_keys = ${SQLITE_PRAGMAS.foreign_keys}`);
  const hasHistory = () =>
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(HISTORY) !== undefined;
  const recorded = (name: string) =>
    db.prepare(`SELECT 1 FROM ${HISTORY} WHERE migration_name = ? AND rolled_back_at IS NULL`).get(name) !==
    undefined;
  // Timestamps as Prisma's engine writes them on SQLite (RFC 3339 text, milliseconds, +00:00).
  const now = () => new Date().toISOString().replace(/Z$/, '+00:00');

  /** Runs `work` holding SQLite's write lock, committed when it returns, rolled back when it throws. */
  const immediate = <T>(work: () => T): T => {
    db.exec('BEGIN IMMEDIATE');
    try {
      const out = work();
      db.exec('COMMIT');
      return out;
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  };

  return {
    async records() {
      if (!hasHistory()) return null;
      return db
        .prepare(
          `SELECT id, checksum, migration_name, logs, started_at, finished_at, rolled_back_at FROM ${HISTORY} ORDER BY started_at`,
        )
        .all() as TRecord[];
    },
    async lock() {},
    async ensureHistory() {
      immediate(() => {
        if (hasHistory()) return;
        const tables = db
          .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
          )
          .all() as { name: string }[];
        refuseNonEmpty(tables.map((t) => t.name));
        db.exec(MIGRATIONS_TABLE_DDL.sqlite);
      });
    },
    async apply(migration) {
      // Prisma's SQLite migrations rebuild tables (create, copy, drop, rename): with foreign keys enforced, the
      // drop would delete (or cascade into) the rows that reference the old table. PRAGMA foreign_keys is
      // ignored inside a transaction, so it is turned off before BEGIN, and the keys are checked before COMMIT
      // (the procedure SQLite documents for schema changes).
      db.pragma('foreign_keys = OFF');
      try {
        return immediate(() => {
          if (recorded(migration.name)) return false;
          const startedAt = now();
          try {
            db.exec(migration.sql);
          } catch (error) {
            throw applyFailed(migration, error);
          }
          const broken = db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
          if (broken.length) {
            const first = broken[0];
            throw applyFailed(
              migration,
              `it leaves ${broken.length} row(s) whose foreign key points nowhere (first: ${first?.table} row ${first?.rowid} -> ${first?.parent})`,
            );
          }
          db.prepare(
            `INSERT INTO ${HISTORY} (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) VALUES (?, ?, ?, ?, NULL, NULL, ?, 1)`,
          ).run(randomUUID(), migration.checksum, now(), migration.name, startedAt);
          return true;
        });
      } finally {
        db.pragma(`foreign_keys = ${SQLITE_PRAGMAS.foreign_keys}`);
      }
    },
    async close() {
      db.close();
    },
  };
}

// --------------------------------------------------------------------------------------------- PostgreSQL

async function openPostgresHistory(databaseUrl: string, lockTimeoutMs: number): Promise<THistoryDb> {
  const { default: pgModule } = await import('pg');
  const client: pg.Client = new pgModule.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: 5_000,
  });
  // A connection the server drops is reported by the query that uses it; without a listener it would crash.
  client.on('error', () => {});
  await client.connect();
  let locked = false;
  const records = async () => {
    const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [HISTORY]);
    if (!exists.rows[0]?.t) return null;
    const { rows } = await client.query<TRecord>(
      `SELECT id, checksum, migration_name, logs, started_at, finished_at, rolled_back_at FROM ${HISTORY} ORDER BY started_at`,
    );
    return rows;
  };
  return {
    records,
    async lock() {
      await client.query(`SET lock_timeout = ${Math.max(1, Math.round(lockTimeoutMs))}`);
      try {
        await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
      } catch (error) {
        if ((error as { code?: string }).code !== '55P03') throw error;
        throw new MigrationError(
          `another process has held the migration lock (pg_advisory_lock(${PRISMA_ADVISORY_LOCK_KEY})) for over ` +
            `${Math.round(lockTimeoutMs / 1000)} s; is a migration still running? (SELECT pid FROM pg_locks WHERE ` +
            `locktype = 'advisory' AND objid = ${PRISMA_ADVISORY_LOCK_KEY})`,
          'lock-timeout',
        );
      }
      locked = true;
      await client.query('RESET lock_timeout');
    },
    async ensureHistory() {
      if (await records()) return;
      const { rows } = await client.query<{ tablename: string }>(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'spatial_ref_sys' ORDER BY tablename",
      );
      refuseNonEmpty(rows.map((r) => r.tablename));
      await client.query(MIGRATIONS_TABLE_DDL.postgresql);
    },
    async apply(migration) {
      await client.query('BEGIN');
      try {
        const startedAt = new Date();
        try {
          // No parameters: the simple query protocol, which runs a script of many statements.
          await client.query(migration.sql);
        } catch (error) {
          throw applyFailed(migration, error, lineOf(migration.sql, error));
        }
        await client.query(
          `INSERT INTO ${HISTORY} (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) VALUES ($1, $2, $3, $4, NULL, NULL, $5, 1)`,
          [randomUUID(), migration.checksum, new Date(), migration.name, startedAt],
        );
        await client.query('COMMIT');
        return true;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    },
    async close() {
      if (locked)
        await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_KEY]).catch(() => {});
      await client.end().catch(() => {});
    },
  };
}

/** " at line N" of a script, from a PostgreSQL error's character position (1-based), when it has one. */
function lineOf(script: string, error: unknown): string {
  const position = Number((error as { position?: string }).position);
  if (!Number.isInteger(position) || position < 1) return '';
  return ` at line ${script.slice(0, position - 1).split('\n').length} of migration.sql`;
}

// ------------------------------------------------------------------------------ creating a migration

/**
 * Writes the next migration for each provider: the SQL that takes a database from the current migrations to
 * the current schema, computed by the WebAssembly schema engine's `diff` (SQLite replays the history into an
 * in-memory shadow database; PostgreSQL creates and drops a temporary shadow database on `postgresUrl`).
 * The provider variants are first written from prisma/schema.prisma (scripts/schema-variants.mjs), so the diff
 * sees the hand-written schema even before `npm run generate`. For maintainers only: the engine is loaded
 * here, never by the run-time path above. Returns the folders written; an empty list when nothing changed.
 */
export async function createMigration(
  name: string,
  opts: { postgresUrl: string; now?: Date; providers?: TProvider[] },
): Promise<string[]> {
  const safeName = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
  if (!safeName) throw new Error('a migration needs a name of letters or digits, e.g. add_rollups');
  const stamp = (opts.now ?? new Date()).toISOString().replace(/\D/g, '').slice(0, 14);
  const variants = (await import(pathToFileURL(join(ROOT_DIR, 'scripts', 'schema-variants.mjs')).href)) as {
    writeSchemaVariants(root: string): Promise<string[]>;
  };
  await variants.writeSchemaVariants(ROOT_DIR);
  const { openSchemaEngine } = await import('./schema-engine.js');
  const written: string[] = [];
  for (const provider of opts.providers ?? (['sqlite', 'postgresql'] as const)) {
    const url = provider === 'sqlite' ? 'file::memory:' : opts.postgresUrl;
    const path = prismaPaths(provider).schema;
    const schema = { path, content: await readFile(path, 'utf8') };
    const { engine, close } = await openSchemaEngine(url, schema);
    try {
      const migrationsList = await readMigrationList(provider);
      const from = migrationsList.migrationDirectories.length
        ? ({ tag: 'migrations', ...migrationsList } as const)
        : ({ tag: 'empty' } as const);
      const result = await engine.diff({
        from,
        to: { tag: 'schemaDatamodel', files: [schema] },
        script: true,
        exitCode: null,
        filters: NO_FILTERS,
      });
      const sql = result.stdout ?? '';
      if (!sql.trim() || /^-- This is an empty migration\.?\s*$/.test(sql.trim())) continue;
      const dir = join(migrationsList.baseDir, `${stamp}_${safeName}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'migration.sql'), sql);
      const lock = join(migrationsList.baseDir, 'migration_lock.toml');
      if (!existsSync(lock)) {
        await writeFile(
          lock,
          `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${provider}"\n`,
        );
      }
      written.push(dir);
    } finally {
      await close();
    }
  }
  return written;
}
