import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { openStore, type TStore } from '../../src/store/store.js';
import { TEST_POSTGRES_URL, TEST_PROVIDER, withDatabase } from './env.js';

let counter = 0;

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function nextName(kind: string): string {
  counter += 1;
  return `kpi_${inject('runId')}_${kind}_${process.pid}_${counter}`;
}

/** A new, empty database of the provider under test (no tables): for migration tests. */
export async function createEmptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (TEST_PROVIDER === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'kpi-empty-'));
    return {
      url: `file:${join(dir, 'kpi.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = nextName('empty');
  await adminQuery(`CREATE DATABASE "${name}"`);
  return {
    url: withDatabase(TEST_POSTGRES_URL, name),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

/** A new database with every migration applied, copied from the run's template (fast). */
export async function createMigratedDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (TEST_PROVIDER === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'kpi-db-'));
    const file = join(dir, 'kpi.db');
    copyFileSync(inject('sqliteTemplate'), file);
    return { url: `file:${file}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = nextName('db');
  await adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${inject('postgresTemplate')}"`);
  return {
    url: withDatabase(TEST_POSTGRES_URL, name),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

/** An open store on a fresh migrated database; `cleanup` closes and drops it. */
export async function createTestStore(): Promise<{ url: string; store: TStore; cleanup(): Promise<void> }> {
  const database = await createMigratedDatabase();
  const store = await openStore(database.url);
  return {
    url: database.url,
    store,
    async cleanup() {
      await store.close();
      await database.drop();
    },
  };
}

/**
 * A store on a fresh migrated database for one test file: opened before its tests, closed and dropped after
 * them. Call it at the top of the file; the function it returns gives the open store inside tests.
 */
export function useTestStore(): () => TStore {
  let opened: Awaited<ReturnType<typeof createTestStore>> | undefined;
  beforeAll(async () => {
    opened = await createTestStore();
  });
  afterAll(async () => {
    await opened?.cleanup();
  });
  return () => {
    if (!opened) throw new Error('the test store opens in beforeAll: use it inside tests');
    return opened.store;
  };
}
