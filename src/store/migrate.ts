import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlDriverAdapter } from '@prisma/driver-adapter-utils';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import { createAdapterFactory, providerOf, type TProvider } from './provider.js';
import { openSchemaEngine } from './schema-engine.js';

const PRISMA_DIR = fileURLToPath(new URL('../../prisma/', import.meta.url));
const NO_FILTERS = { externalTables: [], externalEnums: [] };

/** Where a provider's schema and migrations live. */
export function prismaPaths(provider: TProvider) {
  const dir = join(PRISMA_DIR, provider);
  return { dir, schema: join(dir, 'schema.prisma'), migrations: join(dir, 'migrations') };
}

async function readSchema(provider: TProvider) {
  const path = prismaPaths(provider).schema;
  return { path, content: await readFile(path, 'utf8') };
}

/** Reads a provider's migrations folder in the shape the schema engine takes (what `prisma migrate` reads). */
export async function readMigrationList(provider: TProvider): Promise<MigrationList> {
  const baseDir = prismaPaths(provider).migrations;
  const lockPath = join(baseDir, 'migration_lock.toml');
  const lockContent = existsSync(lockPath) ? await readFile(lockPath, 'utf8') : null;
  const entries = existsSync(baseDir) ? await readdir(baseDir, { withFileTypes: true }) : [];
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrationDirectories = await Promise.all(
    names.map(async (name) => {
      const file = join(baseDir, name, 'migration.sql');
      const content = existsSync(file)
        ? ({ tag: 'ok', value: await readFile(file, 'utf8') } as const)
        : ({ tag: 'error', value: `missing ${file}` } as const);
      return { path: name, migrationFile: { path: 'migration.sql', content } };
    }),
  );
  return {
    baseDir,
    lockfile: { path: 'migration_lock.toml', content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

/** Names of the migrations recorded as finished in `_prisma_migrations` (empty when the table is missing). */
async function appliedMigrationNames(databaseUrl: string): Promise<Set<string>> {
  let adapter: SqlDriverAdapter | undefined;
  try {
    adapter = await createAdapterFactory(databaseUrl).connect();
    const result = await adapter.queryRaw({
      sql: 'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      args: [],
      argTypes: [],
    });
    return new Set(result.rows.map((r) => String(r[0])));
  } catch {
    return new Set();
  } finally {
    await adapter?.dispose().catch(() => {});
  }
}

/**
 * Applies the pending migrations of the provider that `databaseUrl` selects and records them in
 * `_prisma_migrations`, exactly as `prisma migrate deploy` does (so the native CLI sees the same history).
 * Re-running it is a no-op. Returns the names of the migrations it applied.
 */
export async function applyMigrations(databaseUrl: string, onLog?: (m: string) => void): Promise<string[]> {
  const provider = providerOf(databaseUrl);
  const migrationsList = await readMigrationList(provider);
  // Nothing pending (the usual case): do not start the engine, which takes locks a running bot's SQLite
  // connection would make it wait for.
  const applied = await appliedMigrationNames(databaseUrl);
  if (migrationsList.migrationDirectories.every((d) => applied.has(d.path))) return [];
  const { engine, close } = await openSchemaEngine(databaseUrl, await readSchema(provider), onLog);
  try {
    const out = await engine.applyMigrations({ migrationsList, filters: NO_FILTERS });
    return out.appliedMigrationNames;
  } finally {
    await close();
  }
}

/**
 * Writes the next migration for each provider: the SQL that takes a database from the current migrations to
 * the current schema.prisma, computed by the WebAssembly engine's `diff` (SQLite replays the history into an
 * in-memory shadow database; PostgreSQL creates and drops a temporary shadow database on `postgresUrl`).
 * Returns the folders written; an empty list when the schemas match their migrations.
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
  const written: string[] = [];
  for (const provider of opts.providers ?? (['sqlite', 'postgresql'] as const)) {
    const url = provider === 'sqlite' ? 'file::memory:' : opts.postgresUrl;
    const schema = await readSchema(provider);
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
