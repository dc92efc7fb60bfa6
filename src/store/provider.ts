import { existsSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { serialSqlite } from './sqlite-serial.js';

export type TProvider = 'sqlite' | 'postgresql';

/** Which provider a DATABASE_URL selects: `file:` is SQLite, `postgres(ql)://` is PostgreSQL. */
export function providerOf(databaseUrl: string): TProvider {
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) return 'postgresql';
  if (databaseUrl.startsWith('file:')) return 'sqlite';
  throw new Error(`unsupported DATABASE_URL scheme: ${databaseUrl.split(':')[0]}`);
}

/** The file path of a `file:` URL, relative paths taken from the working directory. */
export function sqlitePathOf(databaseUrl: string): string {
  const raw = databaseUrl.replace(/^file:(\/\/)?/, '').split('?')[0] ?? '';
  if (raw === ':memory:') return raw;
  return isAbsolute(raw) ? raw : resolve(process.cwd(), raw);
}

/** SQLite settings applied on every connection: WAL for concurrent readers, and a busy wait instead of errors. */
export const SQLITE_PRAGMAS = {
  journal_mode: 'WAL',
  synchronous: 'NORMAL',
  busy_timeout: 5000,
  foreign_keys: 'ON',
} as const;

/**
 * Builds the driver adapter factory for a DATABASE_URL, creating the SQLite file's folder if needed. Only the
 * named store's driver is loaded (a SQLite bot never loads pg, nor a PostgreSQL bot better-sqlite3).
 */
export async function createAdapterFactory(
  databaseUrl: string,
): Promise<SqlMigrationAwareDriverAdapterFactory> {
  if (providerOf(databaseUrl) === 'postgresql') {
    const { PrismaPg } = await import('@prisma/adapter-pg');
    // A server that does not answer a connection attempt is given up on after 5 s (the request gets "try
    // again" rather than hanging); TCP keep-alive notices connections a failover left dead.
    return new PrismaPg({
      connectionString: databaseUrl,
      max: 10,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
    });
  }
  const path = sqlitePathOf(databaseUrl);
  if (path !== ':memory:' && !existsSync(dirname(path))) mkdirSync(dirname(path), { recursive: true });
  const { PrismaBetterSqlite3 } = await import('@prisma/adapter-better-sqlite3');
  // One connection, one lock: see sqlite-serial.ts.
  return serialSqlite(new PrismaBetterSqlite3({ url: path, timeout: SQLITE_PRAGMAS.busy_timeout }));
}
