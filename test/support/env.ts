import type { TProvider } from '../../src/store/provider.js';

/** Which store this test run targets; `npm test` runs the suite once per provider (scripts/test.mjs). */
export const TEST_PROVIDER: TProvider =
  process.env.KPI_TEST_PROVIDER === 'postgresql' ? 'postgresql' : 'sqlite';

/** A PostgreSQL URL with rights to create databases (the maintenance database is fine). */
export const TEST_POSTGRES_URL =
  process.env.KPI_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Identifies this run, so its databases can be told apart from other runs' and dropped at the end. */
export const TEST_RUN_ID = process.env.KPI_TEST_RUN_ID ?? `r${process.pid}`;

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
