import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { applyMigrations } from '../../src/store/migrate.js';
import { TEST_POSTGRES_URL, TEST_PROVIDER, TEST_RUN_ID, withDatabase } from './env.js';

/**
 * Prepares one migrated template database per run (a SQLite file or a PostgreSQL template database); each
 * test file then gets a fresh copy of it (test/support/db.ts). Drops everything this run created at the end.
 */
export default async function setup(project: TestProject) {
  const runId = `${TEST_RUN_ID}_${Date.now().toString(36)}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  project.provide('runId', runId);
  if (TEST_PROVIDER === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'kpi-test-'));
    const template = join(dir, 'template.db');
    await applyMigrations(`file:${template}`);
    project.provide('sqliteTemplate', template);
    project.provide('postgresTemplate', '');
    return () => rmSync(dir, { recursive: true, force: true });
  }
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  const template = `kpi_${runId}_template`;
  await admin.query(`CREATE DATABASE "${template}"`);
  await admin.end();
  await applyMigrations(withDatabase(TEST_POSTGRES_URL, template));
  project.provide('postgresTemplate', template);
  project.provide('sqliteTemplate', '');
  return async () => {
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`kpi_${runId}_%`],
    );
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await client.end();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    runId: string;
    sqliteTemplate: string;
    postgresTemplate: string;
  }
}
